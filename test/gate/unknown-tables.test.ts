/**
 * Issue 18: a table that is no model and no declared source is a diagnostic with did-you-mean
 * (an error with strict_sources), and `rocky run` checks that the external tables it reads
 * exist — one listing per schema — naming every missing one before any SQL.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Adapter } from "../../src/adapter/types.ts";
import { compileProject } from "../../src/compile/compile.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadProject } from "../../src/project/load.ts";
import { checkExternalTables } from "../../src/run/external-tables.ts";
import { duckdbDialect } from "../../adapters/duckdb/dialect.ts";
import { rocky } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { expectOk, makeProject, sql, tables } from "../run/project.ts";

const SOURCES = `
[sources.raw.orders]
columns = ["order_id", "customer_id", "amount"]

[sources.raw.customers]
columns = ["customer_id", "name"]
`;

const PROJECT = {
  "models/stg_orders.sql": "SELECT order_id, customer_id, amount FROM raw.orders\n",
  "models/stg_customers.sql": "SELECT customer_id, name FROM raw.customers\n",
  "models/int_orders.sql":
    "SELECT o.order_id, c.name FROM stg_orders o JOIN stg_customers c USING (customer_id)\n",
  "models/fct_returns.sql": "SELECT order_id FROM stg_returns\n",
  "models/fct_late.sql": "SELECT order_id FROM stg_order\n",
  "models/fct_refunds.sql": "SELECT r.order_id FROM raw.refunds r\n",
};

interface Diag {
  code: string;
  severity: string;
  model: string;
  message: string;
  suggestion: string | null;
  span: { file: string; line: number; col: number } | null;
}

describe("unknown tables at compile time", () => {
  test("a typo'd table is a warning with did-you-mean over models; an undeclared table says how to declare it", () => {
    const dir = makeProject(PROJECT, SOURCES);
    const r = rocky(["compile", "-o", "json"], { cwd: dir });
    expectOk(r);
    const d = r.json<{ diagnostics: Diag[] }>().diagnostics.filter((x) => x.code === "W020");
    expect(d).toEqual([
      {
        severity: "Warning",
        code: "W020",
        model: "fct_late",
        message:
          "table stg_order is not a model or a declared source: read as an external table with unknown columns",
        span: { file: "models/fct_late.sql", line: 1, col: 22 },
        suggestion: "did you mean 'stg_orders'?",
      },
      {
        severity: "Warning",
        code: "W020",
        model: "fct_refunds",
        message:
          "table raw.refunds is not a model or a declared source: read as an external table with unknown columns",
        span: { file: "models/fct_refunds.sql", line: 1, col: 24 },
        suggestion: "if it is an external table, declare its columns under [sources.raw.refunds]",
      },
      {
        severity: "Warning",
        code: "W020",
        model: "fct_returns",
        message:
          "table stg_returns is not a model or a declared source: read as an external table with unknown columns",
        span: { file: "models/fct_returns.sql", line: 1, col: 22 },
        suggestion: "if it is an external table, declare its columns under [sources.stg_returns]",
      },
    ]);
    const text = rocky(["compile", "-o", "table"], { cwd: dir });
    expect(text.stdout).toContain("models/fct_returns.sql:1:22 W020 table stg_returns is not a model");
  });

  test("a typo'd declared source suggests the source", () => {
    const dir = makeProject({ "models/a.sql": "SELECT order_id FROM raw.ordrs\n" }, SOURCES);
    const d = rocky(["compile", "-o", "json"], { cwd: dir }).json<{ diagnostics: Diag[] }>().diagnostics;
    expect(d.find((x) => x.code === "W020")?.suggestion).toBe("did you mean 'raw.orders'?");
  });

  test("[project] strict_sources = true makes every undeclared table an error (E020), exit 1", () => {
    const dir = makeProject(PROJECT, SOURCES);
    const toml = join(dir, "rocky.toml");
    const text = require("node:fs")
      .readFileSync(toml, "utf8")
      .replace('name = "t"', 'name = "t"\nstrict_sources = true');
    require("node:fs").writeFileSync(toml, text);
    const r = rocky(["compile", "-o", "table"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stdout).toContain(
      "models/fct_refunds.sql:1:24 E020 table raw.refunds is not a model or a declared source (strict_sources = true)",
    );
    expect(r.stdout).toContain("models/fct_returns.sql:1:22 E020 table stg_returns");
    expect(r.stdout).toMatch(/3 errors/);
    const run = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(run, 1);
    expectJsonError(run, "compile_errors", "run");
  });

  test("strict_sources must be a boolean", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, "");
    const toml = join(dir, "rocky.toml");
    const fs = require("node:fs");
    fs.writeFileSync(
      toml,
      fs.readFileSync(toml, "utf8").replace('name = "t"', 'name = "t"\nstrict_sources = "yes"'),
    );
    const r = rocky(["compile"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stderr).toContain("project.strict_sources: expected true or false");
  });
});

describe("rocky run checks external tables before any SQL", () => {
  test("every missing table is named at once; no statement runs; the run is recorded as failed", async () => {
    const dir = makeProject(PROJECT, SOURCES);
    // raw.customers exists; raw.orders (declared), raw.refunds and stg_returns do not.
    await sql(
      dir,
      "CREATE SCHEMA raw;\nCREATE TABLE raw.customers AS SELECT 1 AS customer_id, 'ann' AS name",
    );
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    expectJsonError(r, "missing_tables", "run");
    expect(r.stderr).toContain(
      [
        "Error: 4 tables the run reads do not exist in the warehouse; no SQL was run",
        "  raw.orders (declared in [sources]): read by models/stg_orders.sql:1:43",
        "  raw.refunds: read by models/fct_refunds.sql:1:24",
        "  stg_order (did you mean 'stg_orders'?): read by models/fct_late.sql:1:22",
        "  stg_returns: read by models/fct_returns.sql:1:22",
      ].join("\n"),
    );
    // Nothing was built: not even the models whose inputs exist.
    expect(await tables(dir, "main")).toEqual([]);
    expect(await tables(dir, "raw")).toEqual(["customers"]);
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{
      runs: { status: string; error: string; models: unknown[] }[];
    }>();
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0]).toMatchObject({ status: "failure", models: [] });
    expect(h.runs[0]!.error).toContain("raw.refunds");
  });

  test("only the selected models' inputs are checked; present tables let the run go on", async () => {
    const dir = makeProject(PROJECT, SOURCES);
    await sql(
      dir,
      "CREATE SCHEMA raw;\nCREATE TABLE raw.customers AS SELECT 1 AS customer_id, 'ann' AS name;\nCREATE TABLE raw.orders AS SELECT 7 AS order_id, 1 AS customer_id, 2.5 AS amount",
    );
    const r = rocky(["run", "--select", "int_orders+", "--select", "+int_orders", "-o", "json"], {
      cwd: dir,
    });
    expectOk(r);
    expect(await sql(dir, "SELECT order_id, name FROM main.int_orders")).toEqual([[7, "ann"]]);
  });

  test("one listing per schema, not one query per table, and no statement executed", async () => {
    const dir = makeProject(
      {
        ...PROJECT,
        "models/more.sql":
          "SELECT * FROM raw.orders o JOIN raw.customers USING (customer_id) JOIN raw.refunds USING (order_id)\n",
      },
      SOURCES,
    );
    const compiled = await compileProject(await loadProject(await loadConfig(join(dir, "rocky.toml"))), {
      cache: false,
    });
    const listed: string[] = [];
    const statements: string[] = [];
    const adapter = {
      dialect: duckdbDialect,
      listObjects: async (_c: string | undefined, schema: string) => {
        listed.push(schema);
        return schema === "raw" ? [{ name: "ORDERS", kind: "table" as const }] : [];
      },
      listTables: async () => [],
      execute: async (s: string) => {
        statements.push(s);
        return {};
      },
      query: async (s: string) => {
        statements.push(s);
        return { columns: [], rows: [] };
      },
    } as unknown as Adapter;
    const err = await checkExternalTables(adapter, compiled, [...compiled.dag.order]).catch((e: Error) => e);
    expect(listed.sort()).toEqual(["main", "raw"]);
    expect(statements).toEqual([]);
    expect((err as Error).message).toContain("4 tables the run reads do not exist");
    expect((err as Error).message).not.toContain("raw.orders");
    expect((err as Error).message).toContain(
      "raw.customers (declared in [sources]): read by models/more.sql:1:33, models/stg_customers.sql:1:31",
    );
  });
});
