/**
 * `replay --execute` creates `replay__<run_id>` and drops it (CASCADE) afterwards: a model
 * whose production table is in that schema (added after the run) is refused before any
 * SQL, naming both models, and its table survives.
 */
import { expectJsonError } from "../helpers/schema.ts";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOk, makeProject, sql, tables } from "../run/project.ts";

describe("replay --execute never touches a production table in the replay schema", () => {
  test.each([
    [
      "the replay target is a production table",
      'table = "foo"',
      (id: string) =>
        `replay target "replay__${id}"."foo" of model 'foo' is the production table of model 'keep'; no SQL was run`,
      "foo",
    ],
    [
      "the replay schema is a production schema",
      "",
      (id: string) =>
        `replay target "replay__${id}"."foo" of model 'foo' is in "replay__${id}", the production schema of model 'keep' ("replay__${id}"."keep"); no SQL was run`,
      "keep",
    ],
  ])("%s", async (_name, table, message, keepTable) => {
    const dir = makeProject({ "models/foo.sql": "SELECT 1 AS x\n" });
    const first = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(first);
    const id = first.json<{ run_id: string }>().run_id;
    writeFileSync(join(dir, "models/keep.sql"), "SELECT 'production keep' AS v\n");
    writeFileSync(join(dir, "models/keep.toml"), `[target]\nschema = "replay__${id}"\n${table}\n`);
    expectOk(rocky(["run", "--model", "keep", "-o", "json"], { cwd: dir }));

    const r = rocky(["replay", id, "--execute", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    expectJsonError(r, "isolation_collision", "replay");
    expect(r.stderr).toContain(`Error: ${message(id)}`);
    expect(r.stderr).toContain(
      `hint: the replay creates and drops replay__${id}: give model 'keep' another [target] schema`,
    );
    expect(await tables(dir, `replay__${id}`)).toEqual([keepTable]);
    expect(await sql(dir, `SELECT v FROM "replay__${id}"."${keepTable}"`)).toEqual([["production keep"]]);
  });
});
