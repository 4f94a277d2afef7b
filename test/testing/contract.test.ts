/**
 * `[contract]` in a sidecar: compile reports a model whose output differs from it (file:line,
 * did-you-mean), and `rocky run` refuses to publish a built table that breaks it, naming the
 * columns, so production keeps its last good version. Real DuckDB, real state.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { contractKey, typeMatches } from "../../src/project/contract.ts";
import { rocky } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

interface Diag {
  severity: string;
  model: string;
  code: string;
  message: string;
  span: { file: string; line: number; col: number } | null;
  suggestion: string | null;
}

function compile(files: Record<string, string>, extraToml = "") {
  const dir = makeProject(files, extraToml);
  const r = rocky(["compile", "-o", "json"], { cwd: dir });
  return {
    dir,
    r,
    diags: r.json<{ diagnostics: Diag[] }>().diagnostics.filter((d) => /^E06[4-8]$/.test(d.code)),
  };
}

const CONTRACT = `[contract]
primary_key = "id"

[[contract.columns]]
name = "id"
type = "INTEGER"

[[contract.columns]]
name = "amount"
type = "INTEGER"
`;

describe("compile checks [contract] against the model's output", () => {
  test("compile --model M lists each column with its contract type and what it is computed from", () => {
    const dir = makeProject({
      "models/src.sql": "SELECT 1 AS id, 2 AS amount\n",
      "models/out.sql": "SELECT id, amount * 2 AS amount, 'x' AS note FROM src\n",
      "models/out.toml": CONTRACT.replace("[contract]", "[contract]\nenforce_order = false"),
    });
    const r = rocky(["compile", "--model", "out", "-o", "table"], { cwd: dir });
    const lines = r.stdout.split("\n").map((l) => l.trim().replace(/\s+/g, " "));
    expect(lines).toContain("column type computed from");
    expect(lines).toContain("id INTEGER src.id");
    expect(lines).toContain("amount INTEGER src.amount (expression)");
    expect(lines).toContain("note ? -");
    expect(lines).toContain("? = type not known before the run (declare it in the model's [contract])");
  });

  test("a matching contract compiles clean", () => {
    const { r, diags } = compile({
      "models/out.sql": "SELECT 1 AS id, 2 AS amount\n",
      "models/out.toml": CONTRACT,
    });
    expect(r.code).toBe(0);
    expect(diags).toEqual([]);
  });

  test("a missing and an undeclared column: file:line of the contract column, did-you-mean", () => {
    const { dir, r, diags } = compile({
      "models/out.sql": "SELECT 1 AS id, 2 AS amout\n",
      "models/out.toml": CONTRACT,
    });
    expect(r.code).toBe(1);
    expect(diags).toEqual([
      {
        severity: "Error",
        code: "E064",
        message:
          "model 'out': contract column 'amount' is not in the model's output (its columns: id, amout)",
        model: "out",
        span: { file: "models/out.toml", line: 9, col: 1 },
        suggestion: "did you mean 'amout'?",
      },
      {
        severity: "Error",
        code: "E065",
        message: "model 'out': the model outputs column 'amout', which its contract does not declare",
        model: "out",
        span: { file: "models/out.toml", line: 1, col: 1 },
        suggestion: "did you mean 'amount'?",
      },
    ]);
    const text = rocky(["compile", "-o", "table"], { cwd: dir });
    expect(text.stdout + text.stderr).toContain("models/out.toml:9");
  });

  test("enforce_order: the first column out of place; without it, order is free", () => {
    const sidecar = (order: boolean) =>
      `[contract]\nenforce_order = ${order}\ncolumns = [{ name = "id" }, { name = "amount" }]\n`;
    const files = (order: boolean) => ({
      "models/out.sql": "SELECT 2 AS amount, 1 AS id\n",
      "models/out.toml": sidecar(order),
    });
    const strict = compile(files(true)).diags;
    expect(strict.map((d) => [d.code, d.message, d.suggestion])).toEqual([
      [
        "E066",
        "model 'out': column 1 is 'amount', the contract puts 'id' there (enforce_order; contract: id, amount; output: amount, id)",
        "reorder the SELECT list to match, or set enforce_order = false",
      ],
    ]);
    expect(compile(files(false)).diags).toEqual([]);
  });

  test("a type compile knows (a typed source column, another model's contract) that differs", () => {
    const { diags } = compile(
      {
        "models/out.sql": "SELECT id, amount FROM raw.events\n",
        "models/out.toml": CONTRACT,
        "models/down.sql": "SELECT id FROM out\n",
        "models/down.toml": '[contract]\ncolumns = [{ name = "id", type = "VARCHAR" }]\n',
      },
      '\n[sources.raw.events]\ncolumns = [{ name = "id", type = "INT" }, { name = "amount", type = "DECIMAL(10,2)" }]\n',
    );
    expect(diags.map((d) => [d.code, d.model, d.message, d.span?.line])).toEqual([
      [
        "E067",
        "out",
        "model 'out': contract says column 'amount' is INTEGER, but it is raw.events.amount, which is DECIMAL(10,2)",
        9,
      ],
      [
        "E067",
        "down",
        "model 'down': contract says column 'id' is VARCHAR, but it is out.id, which is INTEGER",
        2,
      ],
    ]);
    expect(diags[0]!.suggestion).toBe(
      "cast it in the SELECT (CAST(amount AS INTEGER) AS amount), or change the contract's type",
    );
  });

  test("a contract that is wrong itself: primary_key not listed, a column twice; a bad key is a config error", () => {
    const { diags } = compile({
      "models/out.sql": "SELECT 1 AS id\n",
      "models/out.toml": '[contract]\nprimary_key = ["idd"]\ncolumns = [{ name = "id" }, { name = "id" }]\n',
    });
    expect(diags.map((d) => [d.code, d.message, d.suggestion])).toEqual([
      ["E068", "model 'out': contract lists column 'id' twice", "list it once"],
      [
        "E068",
        "model 'out': contract primary_key names 'idd', which the contract does not list",
        "did you mean 'id'?",
      ],
    ]);
    const dir = makeProject({
      "models/out.sql": "SELECT 1 AS id\n",
      "models/out.toml": '[contract]\ncolumns = [{ name = "id", nulable = false }]\n',
    });
    const r = rocky(["compile"], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("nulable");
  });
});

const SEED = `CREATE SCHEMA raw;
CREATE TABLE raw.events AS SELECT * FROM (VALUES (1, 10), (2, 20)) v(id, amount)`;

/** Row count and order-independent content hash of production's `out`. */
async function contentHash(dir: string): Promise<unknown[]> {
  return (
    await sql(dir, "SELECT count(*), CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) FROM main.out AS t")
  )[0]!;
}

function stateRows(dir: string, q: string): Record<string, unknown>[] {
  const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
  try {
    return db.query(q).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

interface RunJson {
  status: string;
  models: {
    model: string;
    status: string;
    error: string | null;
    tests?: { name: string; test_type: string; status: string; failing_rows: number | null }[];
  }[];
}

const FILES = (strategy = "") => ({
  // `*` over an undeclared source: compile cannot know the columns, the run must check.
  "models/out.sql": "SELECT * FROM raw.events\n",
  "models/out.toml": `${strategy}${CONTRACT}`,
  "models/down.sql": "SELECT count(*) AS n FROM out\n",
});

describe("rocky run enforces the contract before publishing", () => {
  const breaks: [string, string, string][] = [
    [
      "a column retyped upstream",
      "ALTER TABLE raw.events ALTER amount TYPE VARCHAR",
      "contract of out not met: column 'amount' built as VARCHAR, the contract says INTEGER",
    ],
    [
      "a column added upstream",
      "ALTER TABLE raw.events ADD COLUMN note VARCHAR",
      "contract of out not met: column 'note' not declared in the contract",
    ],
    [
      "a column dropped upstream",
      "ALTER TABLE raw.events DROP COLUMN amount",
      "contract of out not met: column 'amount' missing from the built table",
    ],
    [
      "a NULL in the primary key",
      "INSERT INTO raw.events VALUES (NULL, 30)",
      "test out.id [contract not_null] failed: 1 failing row",
    ],
  ];
  for (const [what, change, message] of breaks) {
    test(`${what}: not published, named, production byte-identical, downstream skipped`, async () => {
      const dir = makeProject(FILES());
      await sql(dir, SEED);
      expectOk(rocky(["run"], { cwd: dir }));
      const before = await contentHash(dir);
      await sql(dir, change);
      const r = rocky(["run", "-o", "json"], { cwd: dir });
      expect(r.code).toBe(1);
      const p = r.json<RunJson>();
      expectSchemas("run", p, "run");
      const out = p.models.find((m) => m.model === "out")!;
      expect(out.status).toBe("failed");
      expect(out.error).toBe(`${message} (not published: "main"."out" is left as it was)`);
      expect(p.models.find((m) => m.model === "down")!.status).toBe("skipped");
      expect(await contentHash(dir)).toEqual(before);
      expect(
        await sql(
          dir,
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'out' ORDER BY ordinal_position",
        ),
      ).toEqual([
        ["id", "INTEGER"],
        ["amount", "INTEGER"],
      ]);
    });
  }

  test("the contract results are in the run record, JSON and text; a good run records a pass", async () => {
    const dir = makeProject(FILES());
    await sql(dir, SEED);
    const good = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(good);
    expect(good.json<RunJson>().models.find((m) => m.model === "out")!.tests).toMatchObject([
      { name: "out [contract]", test_type: "contract", status: "pass", failing_rows: 0 },
      { name: "out.id [contract not_null]", test_type: "not_null", status: "pass", failing_rows: 0 },
    ]);
    await sql(
      dir,
      "ALTER TABLE raw.events ALTER amount TYPE VARCHAR; ALTER TABLE raw.events ADD COLUMN x INT",
    );
    const text = rocky(["run"], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      "contract of out not met: column 'amount' built as VARCHAR, the contract says INTEGER; column 'x' not declared in the contract",
    );
    const rows = stateRows(
      dir,
      "SELECT t.status, t.failing_rows, t.sample, t.severity FROM test_results t JOIN runs r ON r.run_id = t.run_id WHERE t.test_type = 'contract' ORDER BY r.started_at",
    );
    expect(rows.map((x) => [x.status, x.failing_rows, x.severity])).toEqual([
      ["pass", 0, "error"],
      ["fail", 2, "error"],
    ]);
    expect(JSON.parse(String(rows[1]!.sample))).toEqual({
      columns: ["column", "problem"],
      rows: [
        ["amount", "built as VARCHAR, the contract says INTEGER"],
        ["x", "not declared in the contract"],
      ],
    });
  });

  test("--no-tests skips the [[tests]] but not the contract; nullable columns may hold NULL", async () => {
    const dir = makeProject({
      "models/out.sql": "SELECT * FROM raw.events\n",
      "models/out.toml": `${CONTRACT}\n[[tests]]\ntype = "expression"\nexpression = "amount > 100"\n`,
    });
    await sql(dir, SEED);
    await sql(dir, "INSERT INTO raw.events VALUES (3, NULL)");
    const r = rocky(["run", "--no-tests", "-o", "json"], { cwd: dir });
    expectOk(r);
    const tests = r.json<RunJson>().models[0]!.tests!;
    // `amount` is neither in the primary key nor `nullable = false`: its NULL is allowed.
    expect(tests.map((t) => [t.name, t.status])).toEqual([
      ["out [contract]", "pass"],
      ["out.id [contract not_null]", "pass"],
    ]);
    expect(await sql(dir, "SELECT count(*) FROM main.out")).toEqual([[3]]);
  });

  test("an incremental model with a contract: the would-be result is checked before it is committed", async () => {
    const dir = makeProject(FILES('[strategy]\ntype = "merge"\nunique_key = ["id"]\n'));
    await sql(dir, SEED);
    expectOk(rocky(["run"], { cwd: dir }));
    const before = await contentHash(dir);
    await sql(dir, "INSERT INTO raw.events VALUES (NULL, 30)");
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.json<RunJson>().models.find((m) => m.model === "out")!.error).toContain(
      "test out.id [contract not_null] failed: 1 failing row",
    );
    expect(await contentHash(dir)).toEqual(before);
  });
});

describe("history and replay with contracts", () => {
  test("replay shows the recorded contract results; --execute re-runs its not-null checks", async () => {
    const dir = makeProject(FILES());
    await sql(dir, SEED);
    expectOk(rocky(["run"], { cwd: dir }));
    const shown = rocky(["replay", "latest", "-o", "json"], { cwd: dir });
    expectOk(shown);
    const p = shown.json<{ models: { model_name: string; tests?: { name: string; status: string }[] }[] }>();
    expectSchemas("replay", p, "replay");
    expect(p.models.find((m) => m.model_name === "out")!.tests!.map((t) => [t.name, t.status])).toEqual([
      ["out [contract]", "pass"],
      ["out.id [contract not_null]", "pass"],
    ]);
    const r = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir });
    expectOk(r);
    const e = r.json<{
      models: { model_name: string; replay?: { tests?: { name: string; status: string }[] } }[];
    }>();
    expectSchemas("replay", e, "replay");
    expect(
      e.models.find((m) => m.model_name === "out")!.replay!.tests!.map((t) => [t.name, t.status]),
    ).toEqual([["out.id [contract not_null]", "pass"]]);
  });
});

describe("rocky test checks contracts", () => {
  test("on the built table: a pass, then a retyped column fails with exit 1; unbuilt is an error", async () => {
    const dir = makeProject(FILES());
    await sql(dir, SEED);
    const before = rocky(["test", "-o", "json"], { cwd: dir });
    expect(before.code).toBe(1);
    const unbuilt = before.json<{
      declarative: { results: { name: string; status: string; detail: string }[] };
    }>();
    expect(unbuilt.declarative.results).toMatchObject([
      {
        name: "out [contract]",
        status: "error",
        detail: `"main"."out" does not exist: build it first ('rocky run')`,
      },
    ]);
    expectOk(rocky(["run"], { cwd: dir }));
    const ok = rocky(["test", "-o", "json"], { cwd: dir });
    expectOk(ok);
    const p = ok.json<{ declarative: { results: { name: string; status: string }[] } }>();
    expectSchemas("test", p, "test");
    expect(p.declarative.results.map((r) => [r.name, r.status])).toEqual([
      ["out [contract]", "pass"],
      ["out.id [contract not_null]", "pass"],
    ]);
    await sql(
      dir,
      "CREATE OR REPLACE TABLE main.out AS SELECT id, CAST(amount AS VARCHAR) AS amount FROM raw.events",
    );
    const bad = rocky(["test", "-o", "table"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      "out [contract] — column 'amount' built as VARCHAR, the contract says INTEGER",
    );
  });
});

describe("contract helpers", () => {
  test("contractKey: the primary key, or undefined", () => {
    expect(contractKey({ contract: { columns: [], primaryKey: ["a", "b"], enforceOrder: false } })).toEqual([
      "a",
      "b",
    ]);
    expect(contractKey({ contract: { columns: [], enforceOrder: false } })).toBeUndefined();
    expect(contractKey({})).toBeUndefined();
  });

  test("typeMatches: equivalent spellings, parameters only when declared", () => {
    expect(typeMatches("INT", "INTEGER")).toBe(true);
    expect(typeMatches("string", "VARCHAR(16777216)")).toBe(true);
    expect(typeMatches("DECIMAL", "NUMERIC(10, 2)")).toBe(true);
    expect(typeMatches("DECIMAL(10,2)", "DECIMAL(12,2)")).toBe(false);
    expect(typeMatches("INTEGER", "NUMBER(38,0)")).toBe(true);
    expect(typeMatches("INTEGER", "BIGINT")).toBe(false);
    expect(typeMatches("TIMESTAMP", "TIMESTAMP_NTZ")).toBe(true);
  });
});

describe("branch compare matches rows on the contract's primary key", () => {
  test("no --key and no unique_key: keyed on primary_key, said in JSON and text", async () => {
    const dir = makeProject(FILES());
    await sql(dir, SEED);
    expectOk(rocky(["run"], { cwd: dir }));
    expectOk(rocky(["branch", "create", "fix"], { cwd: dir }));
    await sql(dir, "UPDATE raw.events SET amount = 21 WHERE id = 2; INSERT INTO raw.events VALUES (3, 30)");
    expectOk(rocky(["run", "--branch", "fix"], { cwd: dir }));
    const r = rocky(["branch", "compare", "fix", "--model", "out", "-o", "json"], { cwd: dir });
    expectOk(r);
    const p = r.json<{
      results: { key: string[] | null; key_source: string | null; keyed?: Record<string, number> }[];
    }>();
    expectSchemas("branch_compare", p);
    expect(p.results[0]).toMatchObject({ key: ["id"], key_source: "contract" });
    expect(p.results[0]!.keyed).toMatchObject({ rows_added: 1, rows_removed: 0, rows_changed: 1 });
    expect(
      rocky(["branch", "compare", "fix", "--model", "out", "-o", "table"], { cwd: dir }).stdout,
    ).toContain("keyed on id (contract primary key): 1 added, 0 removed, 1 changed");
  });
});
