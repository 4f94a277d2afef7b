/**
 * `<table>__rocky_audit` is where write-audit-publish stages an audited model: a model
 * whose table has that name is a compile error, and a run that would stage onto it is
 * refused before any SQL, the table left as it was.
 */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { expectOk, makeProject, sql, tables } from "../run/project.ts";

const FILES = {
  "models/out.sql": "SELECT 1 AS id\n",
  "models/out.toml": '[[tests]]\ntype = "not_null"\ncolumn = "id"\n',
  "models/keep.sql": "SELECT 42 AS answer\n",
  "models/keep.toml": '[target]\ntable = "out__rocky_audit"\n',
};

describe("staging table names are reserved", () => {
  test("compile: E069 on the model whose table is another model's staging name, at its sidecar", () => {
    const dir = makeProject(FILES);
    const r = rocky(["compile", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const d = r
      .json<{
        diagnostics: { code: string; message: string; span: { file: string }; suggestion: string }[];
      }>()
      .diagnostics.filter((x) => x.code === "E069");
    expect(d).toEqual([
      {
        severity: "Error",
        code: "E069",
        message:
          "model 'keep': its table 'out__rocky_audit' ends in '__rocky_audit', the name rocky gives write-audit-publish staging tables (it is the staging table of model 'out', which a run would replace and drop)",
        model: "keep",
        span: { file: "models/keep.toml", line: 1, col: 1 },
        suggestion: "give it another name (its sidecar's name, or [target] table)",
      } as never,
    ]);
  });

  test("run of the audited model alone: refused before any SQL, naming both; the table is untouched", async () => {
    const dir = makeProject(FILES);
    await sql(dir, "CREATE TABLE main.out__rocky_audit AS SELECT 42 AS answer");
    const r = rocky(["run", "--model", "out", "-o", "json"], { cwd: dir });
    const e = expectJsonError(r, "isolation_collision", "run");
    expect(e.message).toBe(
      `write-audit-publish staging table "main"."out__rocky_audit" of model 'out' is the production table of model 'keep'; no SQL was run`,
    );
    expect(e.hint).toBe(
      "rename model 'keep' (or its [target] table): names ending in '__rocky_audit' are reserved for staging tables",
    );
    expect(await sql(dir, "SELECT answer FROM main.out__rocky_audit")).toEqual([[42]]);
    expect(await tables(dir, "main")).toEqual(["out__rocky_audit"]);
    // Without the clash the same run goes ahead.
    const ok = makeProject({
      "models/out.sql": FILES["models/out.sql"],
      "models/out.toml": FILES["models/out.toml"],
    });
    expectOk(rocky(["run", "--model", "out"], { cwd: ok }));
  });
});
