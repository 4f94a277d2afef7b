import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { makeProject } from "../run/project.ts";

interface Report {
  valid: boolean;
  messages: { severity: string; code: string; message: string; line?: number; field?: string }[];
  models: { found: boolean; count: number; dag_valid: boolean };
}

function playground(): string {
  const dir = join(tempDir(), "demo");
  expect(rocky(["playground", dir]).code).toBe(0);
  return dir;
}

describe("rocky validate", () => {
  test("the playground is valid; JSON matches ours and Rocky's schema", () => {
    const dir = playground();
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<Report>();
    expectSchemas("validate", j, "validate");
    expect(j.valid).toBe(true);
    expect(j.models).toEqual({ found: true, count: 7, dag_valid: true });
    expect(j.messages.map((m) => m.code)).toEqual(["V001", "V010", "V030", "V031"]);
    expect(rocky(["validate", "-o", "table"], { cwd: dir }).stdout).toContain("Validation complete.");
  });

  test("an unknown adapter type is V017 and exit 1", () => {
    const dir = playground();
    const toml = join(dir, "rocky.toml");
    writeFileSync(toml, readFileSync(toml, "utf8").replace('type = "duckdb"', 'type = "duckdbx"'));
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const j = r.json<Report>();
    expect(j.valid).toBe(false);
    const v017 = j.messages.find((m) => m.code === "V017");
    expect(v017?.severity).toBe("error");
    expect(v017?.message).toContain("unknown type 'duckdbx'");
  });

  test("a config error is reported as V001, not a crash", () => {
    const dir = playground();
    writeFileSync(join(dir, "rocky.toml"), "[adapter\n");
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const j = r.json<Report>();
    expect(j.messages[0]).toMatchObject({ severity: "error", code: "V001" });
    expect(j.messages[0]!.message).toContain("invalid TOML syntax");
  });
});

/** `validate` and `run` on the same project: validate must refuse what run refuses, with the same words. */
function validateAndRun(dir: string) {
  const validate = rocky(["validate", "-o", "json"], { cwd: dir });
  const run = rocky(["run", "-o", "json"], { cwd: dir });
  const report = validate.json<Report>();
  expectSchemas("validate", report, "validate");
  return { validate, run, report };
}

describe("rocky validate accepts exactly what run accepts", () => {
  test("an unknown key under [adapter]: V018 with file:line and did-you-mean; run says the same", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, "threds = 4\n");
    const { validate, run, report } = validateAndRun(dir);
    expect(validate.code).toBe(1);
    expect(report.valid).toBe(false);
    const toml = join(dir, "rocky.toml");
    const line = readFileSync(toml, "utf8").split("\n").indexOf("threds = 4") + 1;
    const expected = `${toml}:${line}: adapter.threds: unknown key (did you mean 'threads'?)`;
    expect(report.messages.find((m) => m.code === "V018")).toMatchObject({
      severity: "error",
      message: expected,
      line,
      field: "adapter.threds",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Error: invalid [adapter] in rocky.toml:\n${expected}\n`);
  });

  test("a BigQuery block without project_id, or with two credentials, is refused by both", () => {
    const bq = (body: string) => {
      const dir = tempDir();
      writeFileSync(
        join(dir, "rocky.toml"),
        `[project]\nname = "t"\n\n[adapter.warehouse]\ntype = "bigquery"\n${body}`,
      );
      mkdirSync(join(dir, "models"));
      writeFileSync(join(dir, "models", "a.sql"), "SELECT 1 AS x\n");
      return dir;
    };
    const missing = validateAndRun(bq('location = "EU"\n'));
    expect(missing.validate.code).toBe(1);
    const m = missing.report.messages.find((x) => x.code === "V018")!;
    expect(m.message).toContain("adapter.warehouse.project_id: required key is missing");
    expect(m.line).toBe(4); // the [adapter.warehouse] header: the key is not written
    expect(missing.run.code).toBe(1);
    expect(missing.run.stderr).toContain(m.message);

    const two = validateAndRun(bq('project_id = "p"\naccess_token = "t"\nkeyFilename = "k.json"\n'));
    expect(two.validate.code).toBe(1);
    const t = two.report.messages.find((x) => x.code === "V018")!;
    expect(t.message).toContain("give only one of keyFilename, credentials, access_token");
    expect(two.run.code).toBe(1);
    expect(two.run.stderr).toContain("give only one of keyFilename, credentials, access_token");
  });

  test("a project plugin's own schema is used; a broken plugin fails validate too", () => {
    const plugin = `export default ({ v }) => ({
      type: "mini",
      configSchema: v.strictObject({ dsn: v.string() }),
      dialect: { name: "mini", defaultSchema: "main", quoteIdent: (s) => s, qualify: (r) => r.table,
        safeSchemaName: (s) => s, createTableAs: () => "", createView: () => "", insertSelect: () => "",
        deleteWhere: () => "", deleteMatching: () => "", merge: () => "", createSchema: () => "", dropSchema: () => "",
        dropTable: () => "", dropView: () => "" },
      create: () => ({}),
    });`;
    const dir = tempDir();
    writeFileSync(join(dir, "rocky.toml"), '[adapter]\ntype = "mini"\ndns = "x"\n');
    mkdirSync(join(dir, "models"));
    writeFileSync(join(dir, "models", "a.sql"), "SELECT 1 AS x\n");
    mkdirSync(join(dir, "adapters"));
    writeFileSync(join(dir, "adapters", "mini.ts"), plugin);
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const msgs = r
      .json<Report>()
      .messages.filter((m) => m.code === "V018")
      .map((m) => m.message);
    expect(msgs).toEqual([
      `${join(dir, "rocky.toml")}:1: adapter.dsn: required key is missing`,
      `${join(dir, "rocky.toml")}:3: adapter.dns: unknown key (did you mean 'dsn'?)`,
    ]);

    writeFileSync(join(dir, "adapters", "mini.ts"), "export default {{{ ;");
    const broken = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(broken.code).toBe(1);
    const v019 = broken.json<Report>().messages.find((m) => m.code === "V019");
    expect(v019?.message).toStartWith(
      `adapter.default: adapter plugin ${join(dir, "adapters", "mini.ts")} failed to load`,
    );
  });
});

describe("rocky validate on a dependency cycle", () => {
  test("names the cycle and never says the DAG is valid", () => {
    const dir = makeProject({ "models/a.sql": "SELECT * FROM b\n", "models/b.sql": "SELECT * FROM a\n" });
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const report = r.json<Report & { models: { dag_valid: boolean } }>();
    expectSchemas("validate", report, "validate");
    expect(report.models.dag_valid).toBe(false);
    expect(report.messages.map((m) => m.code)).not.toContain("V031");
    expect(report.messages).toContainEqual(
      expect.objectContaining({
        severity: "error",
        code: "E031",
        message: "a: dependency cycle: a -> b -> a",
      }),
    );
    const table = rocky(["validate", "-o", "table"], { cwd: dir });
    expect(table.stdout).not.toContain("no cycles");
  });
});
