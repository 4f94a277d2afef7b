/** `rocky run --changed [BASE]` runs exactly the rebuild set of `rocky diff BASE`. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { rocky } from "../helpers/cli.ts";
import { makeRepo } from "./fixture.ts";

async function seed(project: string): Promise<void> {
  const inst = await DuckDBInstance.create(join(project, "shop.duckdb"));
  const conn = await inst.connect();
  for (const s of [
    "CREATE SCHEMA raw",
    "CREATE TABLE raw.orders AS SELECT 1 AS order_id, 10 AS customer_id, 5.00::DECIMAL(10,2) AS amount, 'paid' AS status",
    "CREATE TABLE raw.customers AS SELECT 10 AS customer_id, 'Ada' AS name, 'ada@example.com' AS email",
  ])
    await conn.run(s);
  conn.closeSync();
  inst.closeSync();
}

describe("rocky run --changed", () => {
  test("runs the changed model and the downstream models reading the changed column, nothing else", async () => {
    const repo = makeRepo();
    await seed(repo.project);
    repo.write(
      "models/intermediate/int_orders.sql",
      `SELECT o.order_id, o.customer_id, c.customer_name, o.amount * 1.25 AS gross, o.status
FROM stg_orders o JOIN stg_customers c ON c.customer_id = o.customer_id
`,
    );
    // Upstream tables must exist for the selected models to read them.
    expect(
      rocky(["run", "--model", "stg_orders", "--model", "stg_customers", "-o", "json"], { cwd: repo.project })
        .code,
    ).toBe(0);
    const r = rocky(["run", "--changed", "HEAD", "-o", "json"], { cwd: repo.project });
    expect(r.code).toBe(0);
    const j = r.json<{ models: { name?: string; model?: string }[] }>();
    const names = j.models.map((m) => m.name ?? m.model);
    expect(names).toEqual(["int_orders", "fct_customer"]);
    expect(r.stderr).toContain("2 models to rebuild: int_orders, fct_customer");
  });

  test("nothing changed: says so and runs nothing; --changed with --model is a usage error", () => {
    const repo = makeRepo();
    const r = rocky(["run", "--changed", "-o", "json"], { cwd: repo.project });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("nothing to rebuild");
    expect(rocky(["run", "--changed", "HEAD", "--model", "stg_orders"], { cwd: repo.project }).code).toBe(2);
    // A revision without --changed is a usage error, not a silent full run.
    const stray = rocky(["run", "HEAD"], { cwd: repo.project });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("a revision goes after --changed");
  });
});
