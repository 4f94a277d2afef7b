/**
 * A branch's schemas are its own (`delete --drop` drops them): a branch target on a
 * production table, in a production schema, or shared by two models is refused at
 * `branch create` and at `run --branch`, before any SQL, naming both models.
 */
import { expectJsonError } from "../helpers/schema.ts";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { catalog, duck, ok, stateRows, writeFiles } from "./helpers.ts";

const TOML = '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n';

/** `a` in main, and `keep`, whose production table is in the schema `fix`'s copy of main would use. */
function project(keepTarget: string): string {
  const dir = tempDir("rocky-branch-coll-");
  writeFiles(dir, {
    "rocky.toml": TOML,
    "models/a.sql": "SELECT 'a' AS v\n",
    "models/keep.sql": "SELECT 'production keep' AS v\n",
    "models/keep.toml": `[target]\n${keepTarget}\n`,
  });
  return dir;
}

const branches = (dir: string) => stateRows(join(dir, ".rocky-state.db"), "SELECT name FROM branches");

describe("branch create", () => {
  test("a branch schema that is a model's production schema is refused, naming both models", async () => {
    const dir = project('schema = "branch__fix__main"');
    ok(["run"], dir);
    const before = await catalog(join(dir, "wh.duckdb"));
    const r = rocky(["branch", "create", "fix"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: branch 'fix' target "branch__fix__main"."a" of model 'a' is in "branch__fix__main", the production schema of model 'keep' ("branch__fix__main"."keep"); the branch was not created`,
    );
    expect(r.stderr).toContain(
      "hint: model 'keep' writes into a schema of branch 'fix': give it another [target] schema, or pick another branch name",
    );
    expect(branches(dir)).toEqual([]);
    expect(await catalog(join(dir, "wh.duckdb"))).toEqual(before);
  });

  test("DuckDB folds case: Branch__Fix__main is fix's schema too", () => {
    const dir = project('schema = "Branch__Fix__main"\ntable = "a"');
    const r = rocky(["branch", "create", "fix"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: branch 'fix' target "branch__fix__main"."a" of model 'a' is the production table of model 'keep'`,
    );
    expect(branches(dir)).toEqual([]);
    // Another branch name is fine.
    ok(["branch", "create", "other"], dir);
  });

  test("two models whose schemas map to one branch schema are refused", () => {
    const dir = tempDir("rocky-branch-coll-map-");
    const duckdb = join(import.meta.dir, "..", "..", "adapters", "duckdb", "index.ts");
    writeFiles(dir, {
      "rocky.toml": '[adapter]\ntype = "mapdb"\n',
      "models/x.sql": "SELECT 1 AS v\n",
      "models/x.toml": '[target]\nschema = "a-b"\ntable = "t"\n',
      "models/y.sql": "SELECT 2 AS v\n",
      "models/y.toml": '[target]\nschema = "a_b"\ntable = "t"\n',
      // Schema names allow only letters, digits and '_' (as BigQuery datasets): a-b and a_b meet.
      "adapters/mapdb.ts": `import duck from ${JSON.stringify(duckdb)};
export default {
  ...duck,
  type: "mapdb",
  dialect: { ...duck.dialect, name: "mapdb", safeSchemaName: (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_") },
};
`,
    });
    const r = rocky(["branch", "create", "fix"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: branch 'fix' target "branch__fix__a_b"."t" of model 'y' is also the branch 'fix' target of model 'x'; the branch was not created`,
    );
    expect(r.stderr).toContain("hint: the schemas of models 'x' and 'y' map to one branch schema on mapdb");
  });
});

describe("run --branch", () => {
  test("a model added since the branch was created, on a branch table: refused, production unchanged", async () => {
    const dir = tempDir("rocky-branch-coll-run-");
    writeFiles(dir, { "rocky.toml": TOML, "models/a.sql": "SELECT 'a' AS v\n" });
    ok(["branch", "create", "fix"], dir);
    writeFiles(dir, {
      "models/keep.sql": "SELECT 'production keep' AS v\n",
      "models/keep.toml": '[target]\nschema = "branch__fix__main"\ntable = "a"\n',
    });
    ok(["run"], dir);
    const db = join(dir, "wh.duckdb");
    const before = await catalog(db);
    const r = rocky(["run", "--branch", "fix", "--model", "a", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    expectJsonError(r, "isolation_collision", "run");
    const msg = `branch 'fix' target "branch__fix__main"."a" of model 'a' is the production table of model 'keep'`;
    expect(r.stderr).toContain(`Error: ${msg}; no SQL was run`);
    expect(r.stderr).toContain("or use a branch with another name");
    expect(await duck(db, 'SELECT v FROM "branch__fix__main"."a"')).toEqual([{ v: "production keep" }]);
    expect(await catalog(db)).toEqual(before);
    const state = join(dir, ".rocky-state.db");
    const last = stateRows(
      state,
      "SELECT run_id, scope, status, error FROM runs ORDER BY started_at DESC LIMIT 1",
    );
    expect(last[0]).toMatchObject({ scope: "branch:fix", status: "failure" });
    expect(String(last[0]!.error)).toContain(msg);
    expect(stateRows(state, `SELECT * FROM model_runs WHERE run_id = '${last[0]!.run_id}'`)).toEqual([]);
    // Nothing was recorded as the branch's: delete --drop cannot take keep's schema with it.
    expect(stateRows(state, "SELECT * FROM branch_objects")).toEqual([]);
  });
});
