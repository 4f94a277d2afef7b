/** Each materialisation strategy, checked by the warehouse contents a user would query. */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectOk, makeProject, sql } from "./project.ts";

const SEED = `CREATE SCHEMA raw;
CREATE TABLE raw.events AS SELECT * FROM (VALUES
  (1, 'a', 10, TIMESTAMP '2026-01-01 10:00:00'),
  (2, 'b', 20, TIMESTAMP '2026-01-02 10:00:00'),
  (3, 'a', 30, TIMESTAMP '2026-01-03 10:00:00')) v(id, grp, amount, ts)`;

function project(strategyToml: string, select = "SELECT id, grp, amount, ts FROM raw.events") {
  return makeProject({ "models/out.sql": `${select}\n`, "models/out.toml": strategyToml });
}

describe("strategies on DuckDB", () => {
  test("full_refresh rebuilds the table from the query", async () => {
    const dir = project('[strategy]\ntype = "full_refresh"\n');
    await sql(dir, SEED);
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    await sql(dir, "DELETE FROM raw.events WHERE id = 1");
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await sql(dir, "SELECT id FROM main.out ORDER BY id")).toEqual([[2], [3]]);
    expect(
      await sql(dir, "SELECT table_type FROM information_schema.tables WHERE table_name = 'out'"),
    ).toEqual([["BASE TABLE"]]);
  });

  test("view creates a view that follows its inputs; switching strategy replaces the object", async () => {
    const dir = project('[strategy]\ntype = "view"\n');
    await sql(dir, SEED);
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.json<{ models: { rows: unknown }[] }>().models[0]!.rows).toBeNull();
    await sql(dir, "INSERT INTO raw.events VALUES (4, 'c', 40, TIMESTAMP '2026-01-04 10:00:00')");
    expect(await sql(dir, "SELECT count(*) FROM main.out")).toEqual([[4]]);
    expect(
      await sql(dir, "SELECT table_type FROM information_schema.tables WHERE table_name = 'out'"),
    ).toEqual([["VIEW"]]);
    // Now make it a table: the view is dropped and a table built in its place.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/models/out.toml`, '[strategy]\ntype = "full_refresh"\n');
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    expect(
      await sql(dir, "SELECT table_type FROM information_schema.tables WHERE table_name = 'out'"),
    ).toEqual([["BASE TABLE"]]);
  });

  test("incremental: first run builds; later runs re-process rows at or after the table's high-water mark", async () => {
    const dir = project('[strategy]\ntype = "incremental"\ntimestamp_column = "ts"\n');
    await sql(dir, SEED);
    const first = rocky(["run", "-o", "json"], { cwd: dir });
    expect(first.code).toBe(0);
    expect(first.json<{ models: { rows: number }[] }>().models[0]!.rows).toBe(3);
    const state = rocky(["state", "-o", "json"], { cwd: dir }).json<{
      watermarks: { table: string; value: string }[];
    }>();
    expect(state.watermarks).toEqual([
      expect.objectContaining({ table: "main.out", value: "2026-01-03 10:00:00" }),
    ]);

    // One late row (older than the watermark: not loaded), one new row; and an existing row edited in
    // the target, which a rebuild would overwrite but an append keeps.
    await sql(
      dir,
      `INSERT INTO raw.events VALUES (9, 'z', 90, TIMESTAMP '2025-12-31 00:00:00'), (4, 'c', 40, TIMESTAMP '2026-01-04 10:00:00');
       UPDATE main.out SET amount = 999 WHERE id = 1`,
    );
    const second = rocky(["run", "-o", "json"], { cwd: dir });
    expect(second.code).toBe(0);
    // Row 3 sits at the mark: re-processed (replaced, not duplicated); row 4 is new.
    expect(second.json<{ models: { rows: number }[] }>().models[0]!.rows).toBe(2);
    expect(await sql(dir, "SELECT id, amount FROM main.out ORDER BY id")).toEqual([
      [1, 999],
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    // A third run with nothing new re-processes only the row at the mark, and adds nothing.
    expect(
      rocky(["run", "-o", "json"], { cwd: dir }).json<{ models: { rows: number }[] }>().models[0]!.rows,
    ).toBe(1);
    expect(await sql(dir, "SELECT count(*) FROM main.out")).toEqual([[4]]);

    // --full-refresh rebuilds from scratch: the late row appears and the edit is gone.
    expectOk(rocky(["run", "--full-refresh", "-o", "json"], { cwd: dir }));
    expect(await sql(dir, "SELECT id, amount FROM main.out ORDER BY id")).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [9, 90],
    ]);
  });

  test("merge updates matched keys and inserts new ones", async () => {
    const dir = project('[strategy]\ntype = "merge"\nunique_key = ["id"]\nupdate_columns = ["amount"]\n');
    await sql(dir, SEED);
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    await sql(
      dir,
      "UPDATE raw.events SET amount = 25, grp = 'changed' WHERE id = 2; INSERT INTO raw.events VALUES (4, 'c', 40, TIMESTAMP '2026-01-04 10:00:00'); DELETE FROM raw.events WHERE id = 1",
    );
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    // id 1 stays (merge never deletes), id 2's amount updated but not grp (not an update column), id 4 new.
    expect(await sql(dir, "SELECT id, grp, amount FROM main.out ORDER BY id")).toEqual([
      [1, "a", 10],
      [2, "b", 25],
      [3, "a", 30],
      [4, "c", 40],
    ]);
  });

  test("merge without update_columns updates every column", async () => {
    const dir = project('[strategy]\ntype = "merge"\nunique_key = ["id"]\n');
    await sql(dir, SEED);
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    await sql(dir, "UPDATE raw.events SET amount = 25, grp = 'changed' WHERE id = 2");
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    expect(await sql(dir, "SELECT id, grp, amount FROM main.out ORDER BY id")).toEqual([
      [1, "a", 10],
      [2, "changed", 25],
      [3, "a", 30],
    ]);
  });

  test("delete_insert replaces whole partitions present in the new data", async () => {
    const dir = project(
      '[strategy]\ntype = "delete_insert"\npartition_by = ["grp"]\n',
      "SELECT id, grp, amount FROM raw.events WHERE grp IN (SELECT grp FROM raw.batch)",
    );
    await sql(dir, `${SEED};\nCREATE TABLE raw.batch AS SELECT 'a' AS grp UNION ALL SELECT 'b'`);
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    // Next batch: only partition 'a', whose rows changed; partition 'b' must be left alone.
    await sql(
      dir,
      "DELETE FROM raw.batch WHERE grp = 'b'; UPDATE raw.events SET amount = amount + 1 WHERE grp = 'a'; DELETE FROM raw.events WHERE id = 2",
    );
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    expect(await sql(dir, "SELECT id, grp, amount FROM main.out ORDER BY id")).toEqual([
      [1, "a", 11],
      [2, "b", 20],
      [3, "a", 31],
    ]);
  });
});
