/** Issue 18: a column that no table in scope has (all columns known) is an error; run refuses before any SQL. */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { expectOk, makeProject, tables } from "../run/project.ts";

const SOURCES = `\n[sources.raw.orders]\ncolumns = ["order_id", "customer_id", "amount"]\n`;

// Four upstream models that a half-finished run would have replaced, and two bad references.
const PROJECT = {
  "models/stg_customers.sql": "SELECT 1 AS customer_id, 'ann' AS name\n",
  "models/stg_orders.sql": "SELECT order_id, customer_id, amount FROM raw.orders\n",
  "models/stg_items.sql": "SELECT 1 AS order_id, 2.5 AS line_amount\n",
  "models/int_orders.sql":
    "SELECT o.order_id, o.customer_id, i.line_amount FROM stg_orders o JOIN stg_items i USING (order_id)\n",
  "models/fct_customers.sql":
    "SELECT c.customer_name, i.line_amout\nFROM stg_customers c JOIN int_orders i ON i.customer_id = c.customer_id\n",
};

describe("unknown columns", () => {
  test("compile: E012 error with file:line:col and did-you-mean, exit 1", () => {
    const dir = makeProject(PROJECT, SOURCES);
    const r = rocky(["compile", "-o", "table"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stdout).toContain("models/fct_customers.sql:1:8 E012 stg_customers has no column customer_name");
    expect(r.stdout).toContain("models/fct_customers.sql:1:25 E012 int_orders has no column line_amout");
    expect(r.stdout).toContain("hint: did you mean 'line_amount'?");
    expect(r.stdout).toContain("hint: did you mean 'name', 'customer_id'?");
    expect(r.stdout).toContain("✗ fct_customers");
    expect(r.stdout).toMatch(/2 errors/);
    const j = rocky(["compile", "-o", "json"], { cwd: dir }).json<{
      diagnostics: { code: string; severity: string; model: string }[];
    }>();
    expect(j.diagnostics.filter((d) => d.code === "E012").map((d) => [d.severity, d.model])).toEqual([
      ["Error", "fct_customers"],
      ["Error", "fct_customers"],
    ]);
  });

  test("a declared source's unknown column is an error too; an undeclared table's columns are unknown, so silent", () => {
    const dir = makeProject(
      {
        "models/a.sql": "SELECT order_id, amout FROM raw.orders\n",
        "models/b.sql": "SELECT whatever FROM ext.things\n",
        "models/c.sql": "SELECT rowid AS r FROM raw.orders\n",
      },
      SOURCES,
    );
    const r = rocky(["compile", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    const d = r.json<{ diagnostics: { code: string; model: string; suggestion: string | null }[] }>()
      .diagnostics;
    expect(d.filter((x) => x.code === "E012")).toEqual([
      expect.objectContaining({ model: "a", suggestion: "did you mean 'amount'?" }),
    ]);
    expect(d.filter((x) => x.model === "b" && x.code.endsWith("012"))).toEqual([]);
    // A pseudo-column the warehouse adds stays a warning.
    expect(d.filter((x) => x.model === "c").map((x) => x.code)).toEqual(["W012"]);
  });

  test("run: refuses before any SQL, names every bad column, warehouse untouched, run recorded as failure", async () => {
    const dir = makeProject(PROJECT, SOURCES);
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stderr).toContain("Error: the project has 2 compile errors; no SQL was run");
    expect(r.stderr).toContain(
      "models/fct_customers.sql:1:8: E012 stg_customers has no column customer_name",
    );
    expect(r.stderr).toContain("models/fct_customers.sql:1:25: E012 int_orders has no column line_amout");
    expectJsonError(r, "compile_errors", "run");
    expect(await tables(dir, "main")).toEqual([]);
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{
      runs: { status: string; models: unknown[] }[];
    }>();
    expect(h.runs).toEqual([expect.objectContaining({ status: "failure", models: [] })]);
  });

  test("run --model of a model without errors goes on: the model it does not build cannot break it", async () => {
    const dir = makeProject(PROJECT, SOURCES);
    const r = rocky(["run", "--model", "stg_customers", "-o", "json"], { cwd: dir });
    expectOk(r);
    expect(await tables(dir, "main")).toEqual(["stg_customers"]);
  });
});
