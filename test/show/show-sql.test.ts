/** `rocky show MODEL --sql`: the model's compiled SELECT run now on real DuckDB, as `dbt show` does. */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

test("show --sql runs the query of a model not built (or edited since), reading production's upstream tables", () => {
  const dir = makeProject({
    "models/nums.sql": "SELECT * FROM range(5) t(id)\n",
    "models/evens.sql": "SELECT id, id * 10 AS ten FROM nums WHERE id % 2 = 0 ORDER BY id\n",
    "models/late.sql": "SELECT 1 AS id\n",
    "models/after_late.sql": "SELECT id FROM late\n",
  });
  expectOk(rocky(["run", "--model", "nums", "-o", "json"], { cwd: dir }));

  // Without --sql: the table is missing, and the hint names --sql.
  const plain = rocky(["show", "evens", "-o", "table"], { cwd: dir });
  expect(plain.code).toBe(1);
  expect(plain.stderr).toContain("model 'evens' has not been built");
  expect(plain.stderr).toContain("rocky show evens --sql");

  const t = rocky(["show", "evens", "--sql", "--limit", "2", "-o", "table"], { cwd: dir });
  expectOk(t);
  const lines = t.stdout.trimEnd().split("\n");
  expect(lines[0]).toBe("evens not built: showing the model's query run now");
  expect(lines.slice(2)).toEqual(["id BIGINT  ten BIGINT", "0          0", "2          20", "", "2 rows"]);

  const j = rocky(["show", "evens", "--sql", "-o", "json"], { cwd: dir });
  expectOk(j);
  const out = j.json<{ from: string; built: boolean; rows: unknown[][] }>();
  expectOurSchema("show", out);
  expect(out).toMatchObject({
    from: "query",
    built: false,
    rows: [
      [0, 0],
      [2, 20],
      [4, 40],
    ],
  });

  // A built model edited since: --sql shows the new query; without it, the built table.
  expectOk(rocky(["run", "--model", "evens", "-o", "json"], { cwd: dir }));
  writeFileSync(join(dir, "models", "evens.sql"), "SELECT id, -id AS ten FROM nums WHERE id = 4\n");
  const edited = rocky(["show", "evens", "--sql", "-o", "json"], { cwd: dir }).json<
    Record<string, unknown>
  >();
  expect(edited).toMatchObject({ from: "query", built: true, rows: [[4, -4]] });
  const table = rocky(["show", "evens", "-o", "json"], { cwd: dir }).json<Record<string, unknown>>();
  expect(table).toMatchObject({ from: "table", built: true });
  expect((table.rows as unknown[]).length).toBe(3);
  expect(rocky(["show", "evens", "--sql", "-o", "table"], { cwd: dir }).stdout.split("\n")[0]).toBe(
    `evens: showing the model's query run now (its table "warehouse"."main"."evens" may differ)`,
  );

  // An upstream not built: one clear error naming it and how to build it.
  const up = rocky(["show", "after_late", "--sql", "-o", "table"], { cwd: dir });
  expect(up.code).toBe(1);
  expect(up.stderr).toContain(
    `model 'after_late' reads model 'late', which has not been built: "warehouse"."main"."late" does not exist`,
  );
  expect(up.stderr).toContain("hint: build its upstream first: rocky run --select +late");

  const both = rocky(["show", "evens", "--sql", "--branch", "b", "-o", "table"], { cwd: dir });
  expect(both.code).toBe(2);
  expect(both.stderr).toContain("cannot be combined with --branch");
}, 60_000);
