/**
 * Write-audit-publish on DuckDB: a model with error-severity tests is written and tested in
 * one transaction, so a failing test on any strategy leaves the production table exactly as
 * it was (same content hash), the next good run publishes, and warn-only models are not held.
 */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

const SEED = `CREATE SCHEMA raw;
CREATE TABLE raw.events AS SELECT * FROM (VALUES
  (1, 'a', 10, TIMESTAMP '2026-01-01 10:00:00'),
  (2, 'b', 20, TIMESTAMP '2026-01-02 10:00:00'),
  (3, 'a', 30, TIMESTAMP '2026-01-03 10:00:00')) v(id, grp, amount, ts)`;

/** The bad batch: a negative amount on a new row (id 4) and on a changed row (id 1), later timestamps. */
const BAD = `INSERT INTO raw.events VALUES (4, 'a', -5, TIMESTAMP '2026-01-04 10:00:00');
UPDATE raw.events SET amount = -1, ts = TIMESTAMP '2026-01-05 10:00:00' WHERE id = 1`;

const EXPRESSION = `
[[tests]]
type = "expression"
expression = "amount >= 0"
`;
const TESTS = `${EXPRESSION}
[[tests]]
type = "unique"
column = "id"
`;

/** Order-independent content hash plus row count, as the fingerprints compare tables. */
async function contentHash(dir: string): Promise<unknown[]> {
  return (
    await sql(dir, `SELECT count(*), CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) FROM main.out AS t`)
  )[0]!;
}

const STRATEGIES: [string, string][] = [
  ["full_refresh", '[strategy]\ntype = "full_refresh"\n'],
  ["incremental", '[strategy]\ntype = "incremental"\ntimestamp_column = "ts"\nunique_key = ["id"]\n'],
  ["incremental (append)", '[strategy]\ntype = "incremental"\ntimestamp_column = "ts"\n'],
  ["merge", '[strategy]\ntype = "merge"\nunique_key = ["id"]\n'],
  ["delete_insert", '[strategy]\ntype = "delete_insert"\npartition_by = ["grp"]\n'],
];

describe("write-audit-publish: a failing test never reaches production", () => {
  for (const [name, strategy] of STRATEGIES) {
    test(`${name}: production is byte-identical after a failing run, then a good run publishes`, async () => {
      const dir = makeProject({
        "models/out.sql": "SELECT id, grp, amount, ts FROM raw.events\n",
        // An append re-adds a changed row: its ids are not unique by design.
        "models/out.toml": strategy + (name === "incremental (append)" ? EXPRESSION : TESTS),
        "models/downstream.sql": "SELECT count(*) AS n FROM out\n",
      });
      await sql(dir, SEED);
      expectOk(rocky(["run"], { cwd: dir }));
      const before = await contentHash(dir);
      const rowsBefore = await sql(dir, "SELECT id, amount FROM main.out ORDER BY id");

      await sql(dir, BAD);
      const r = rocky(["run", "-o", "json"], { cwd: dir });
      expect(r.code).toBe(1);
      const models = r.json<{ models: { model: string; status: string; error: string | null }[] }>().models;
      expect(models.find((m) => m.model === "out")).toMatchObject({ status: "failed" });
      expect(models.find((m) => m.model === "out")!.error).toContain(
        'test out [expression] failed: 2 failing rows (not published: "main"."out" is left as it was)',
      );
      expect(models.find((m) => m.model === "downstream")!.status).toBe("skipped");
      expect(await contentHash(dir)).toEqual(before);
      expect(await sql(dir, "SELECT id, amount FROM main.out ORDER BY id")).toEqual(rowsBefore);

      // Fixed upstream: the next run publishes the new rows.
      await sql(dir, "UPDATE raw.events SET amount = abs(amount)");
      expectOk(rocky(["run"], { cwd: dir }));
      const after = await sql(dir, "SELECT id, amount FROM main.out ORDER BY id");
      expect(after).toContainEqual([4, 5]);
      expect(after).toContainEqual([1, 1]);
      expect(after.length).toBe(name === "incremental (append)" ? 5 : 4);
    });
  }

  test("a warn-only model is published as built; --no-tests publishes without testing", async () => {
    const dir = makeProject({
      "models/out.sql": "SELECT id, grp, amount, ts FROM raw.events\n",
      "models/out.toml": '[[tests]]\ntype = "expression"\nexpression = "amount >= 0"\nseverity = "warn"\n',
    });
    await sql(dir, SEED);
    await sql(dir, BAD);
    expectOk(rocky(["run"], { cwd: dir }));
    expect((await sql(dir, "SELECT count(*) FROM main.out WHERE amount < 0"))[0]).toEqual([2]);
    const dir2 = makeProject({
      "models/out.sql": "SELECT id, grp, amount, ts FROM raw.events\n",
      "models/out.toml": TESTS,
    });
    await sql(dir2, SEED);
    await sql(dir2, BAD);
    expectOk(rocky(["run", "--no-tests"], { cwd: dir2 }));
    expect((await sql(dir2, "SELECT count(*) FROM main.out WHERE amount < 0"))[0]).toEqual([2]);
  });

  test("a branch run is audited too: the branch copy keeps its last good version", async () => {
    const dir = makeProject({
      "models/out.sql": "SELECT id, grp, amount, ts FROM raw.events\n",
      "models/out.toml": TESTS,
    });
    await sql(dir, SEED);
    expectOk(rocky(["run"], { cwd: dir }));
    expectOk(rocky(["branch", "create", "fix"], { cwd: dir }));
    expectOk(rocky(["run", "--branch", "fix"], { cwd: dir }));
    await sql(dir, BAD);
    expect(rocky(["run", "--branch", "fix"], { cwd: dir }).code).toBe(1);
    const t = rocky(["test", "--branch", "fix", "-o", "json"], { cwd: dir });
    expect(t.code).toBe(0);
  });
});
