/** The playground's data tests, and the README tour's failing one: production keeps its last good table. */
import { expect, test } from "bun:test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectOk } from "../run/project.ts";

async function hashOf(db: string, table: string): Promise<string> {
  const inst = await DuckDBInstance.create(db);
  const conn = await inst.connect();
  try {
    const r = await conn.runAndReadAll(
      `SELECT count(*) || ':' || CAST(sum(hash(t)) AS VARCHAR) FROM ${table} AS t`,
    );
    return String(r.getRowsJS()[0]![0]);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

test("the playground's tests pass; the tour's failing test leaves production untouched", async () => {
  const dir = join(tempDir("rocky-pg-"), "demo");
  expectOk(rocky(["playground", dir]));
  expectOk(rocky(["run"], { cwd: dir }));
  const t = rocky(["test", "-o", "table"], { cwd: dir });
  expectOk(t);
  expect(t.stdout).toContain("Result: 4 passed, 0 failed, 0 warned, 0 errored");
  const db = join(dir, "playground.duckdb");
  const before = await hashOf(db, "staging.stg_orders");
  appendFileSync(
    join(dir, "models/staging/stg_orders.toml"),
    '\n[[tests]]\ntype = "expression"\nexpression = "net_amount > 0"\n',
  );
  const r = rocky(["run", "-o", "table"], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(
    'failed: test stg_orders [expression] failed: 65 failing rows (not published: "staging"."stg_orders" is left as it was)',
  );
  expect(r.stdout).toContain("skipped: upstream model 'stg_orders' failed");
  expect(await hashOf(db, "staging.stg_orders")).toBe(before);
});
