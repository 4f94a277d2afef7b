/** Golden SQL of each data test type: DuckDB in full, Snowflake and BigQuery quoting and literals. */
import { describe, expect, test } from "bun:test";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { duckdbDialect } from "../../adapters/duckdb/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { TableRef } from "../../src/adapter/types.ts";
import { parseTest, type TestDef } from "../../src/testing/definitions.ts";
import { failingRowsSql, testQuery } from "../../src/testing/sql.ts";

const target: TableRef = { schema: "marts", table: "orders" };
const parent: TableRef = { schema: "marts", table: "customers" };

function def(raw: Record<string, unknown>): TestDef {
  const r = parseTest(raw, "orders");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.test;
}

describe("duckdb: the failing rows of each type", () => {
  const d = duckdbDialect;
  test("not_null, with where", () => {
    expect(failingRowsSql(def({ type: "not_null", column: "id", where: "amount > 0" }), d, target)).toBe(
      `SELECT *\nFROM "marts"."orders"\nWHERE (amount > 0)\n  AND "id" IS NULL`,
    );
  });
  test("unique on one and several columns", () => {
    expect(failingRowsSql(def({ type: "unique", column: "id" }), d, target)).toBe(
      `SELECT "id", count(*) AS "rocky_duplicates"\nFROM "marts"."orders"\nWHERE "id" IS NOT NULL\nGROUP BY "id"\nHAVING count(*) > 1`,
    );
    expect(failingRowsSql(def({ type: "unique", columns: ["a", "b"] }), d, target)).toBe(
      `SELECT "a", "b", count(*) AS "rocky_duplicates"\nFROM "marts"."orders"\nWHERE NOT ("a" IS NULL AND "b" IS NULL)\nGROUP BY "a", "b"\nHAVING count(*) > 1`,
    );
  });
  test("accepted_values: strings, numbers, an embedded quote", () => {
    expect(
      failingRowsSql(def({ type: "accepted_values", column: "s", values: ["a", "o'k", 3] }), d, target),
    ).toBe(`SELECT *\nFROM "marts"."orders"\nWHERE "s" IS NOT NULL\n  AND "s" NOT IN ('a', 'o''k', 3)`);
  });
  test("relationships", () => {
    expect(
      failingRowsSql(
        def({ type: "relationships", column: "customer_id", to: "customers.id" }),
        d,
        target,
        parent,
      ),
    ).toBe(
      `SELECT "c".*\nFROM "marts"."orders" AS "c"\nWHERE "c"."customer_id" IS NOT NULL\n  AND NOT EXISTS (\n    SELECT 1 FROM "marts"."customers" AS "p"\n    WHERE "p"."id" = "c"."customer_id"\n  )`,
    );
  });
  test("expression, row_count_range, sql", () => {
    expect(failingRowsSql(def({ type: "expression", expression: "a >= b" }), d, target)).toBe(
      `SELECT *\nFROM "marts"."orders"\nWHERE NOT (a >= b)`,
    );
    expect(failingRowsSql(def({ type: "row_count_range", min: 1, max: 10, where: "x" }), d, target)).toBe(
      `SELECT "row_count"\nFROM (SELECT count(*) AS "row_count" FROM "marts"."orders" WHERE (x)) AS "n"\nWHERE "row_count" < 1 OR "row_count" > 10`,
    );
    expect(
      failingRowsSql(def({ type: "sql", sql: "SELECT * FROM {{ this }} WHERE a < 0;\n" }), d, target),
    ).toBe(`SELECT * FROM "marts"."orders" WHERE a < 0`);
  });
  test("the one query: count plus a sample", () => {
    expect(testQuery(def({ type: "not_null", column: "id" }), d, target)).toBe(
      [
        "WITH rocky_failing AS (",
        "  SELECT *",
        '  FROM "marts"."orders"',
        '  WHERE "id" IS NULL',
        ")",
        "SELECT c.rocky_failing_rows, s.*",
        "FROM (SELECT count(*) AS rocky_failing_rows FROM rocky_failing) AS c",
        "LEFT JOIN (SELECT * FROM rocky_failing LIMIT 5) AS s ON TRUE",
      ].join("\n"),
    );
  });
});

describe("snowflake and bigquery quoting", () => {
  const sf = new SnowflakeDialect({ database: "ANALYTICS" });
  const bq = new BigQueryDialect({ project: "proj", dataset: "marts" });
  const t: TableRef = { catalog: "analytics", schema: "marts", table: "orders" };
  test("snowflake: upper-cased plain names, '' and doubled backslash", () => {
    expect(
      failingRowsSql(def({ type: "accepted_values", column: "status", values: ["o'k", "a\\b"] }), sf, t),
    ).toBe(
      `SELECT *\nFROM "ANALYTICS"."MARTS"."ORDERS"\nWHERE "STATUS" IS NOT NULL\n  AND "STATUS" NOT IN ('o''k', 'a\\\\b')`,
    );
    expect(failingRowsSql(def({ type: "unique", column: "Order Id" }), sf, t)).toContain(
      `SELECT "Order Id", count(*) AS "ROCKY_DUPLICATES"`,
    );
  });
  test("bigquery: backticks and backslash escapes; digits stay strings", () => {
    const bt: TableRef = { catalog: "proj", schema: "marts", table: "orders" };
    expect(
      failingRowsSql(def({ type: "accepted_values", column: "status", values: ["o'k", "42"] }), bq, bt),
    ).toBe(
      "SELECT *\nFROM `proj`.`marts`.`orders`\nWHERE `status` IS NOT NULL\n  AND `status` NOT IN ('o\\'k', '42')",
    );
    expect(
      failingRowsSql(def({ type: "relationships", column: "customer_id", to: "customers.id" }), bq, bt, {
        catalog: "proj",
        schema: "marts",
        table: "customers",
      }),
    ).toContain("SELECT 1 FROM `proj`.`marts`.`customers` AS `p`\n    WHERE `p`.`id` = `c`.`customer_id`");
  });
});
