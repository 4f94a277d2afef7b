/**
 * The keyed compare's SQL on DuckDB, Snowflake and BigQuery (golden, reviewed by hand):
 * one FULL OUTER JOIN of the two sides grouped by the key, aggregates only; the sample is
 * a LIMIT per kind over the same join. Identifiers go through each dialect's quoting.
 */
import { describe, expect, test } from "bun:test";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { duckdbDialect } from "../../adapters/duckdb/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { Dialect } from "../../src/adapter/types.ts";
import { countWithNullKeysSql, type KeyedPlan, keyedCompareSql } from "../../src/branch/keyed.ts";

const DIALECTS: Record<string, Dialect> = {
  duckdb: duckdbDialect,
  snowflake: new SnowflakeDialect({ database: "analytics" }),
  bigquery: new BigQueryDialect({ project: "acme-prod" }),
};

const plan: KeyedPlan = {
  branch: { schema: "branch__fix__marts", table: "orders" },
  production: { schema: "marts", table: "orders" },
  key: ["id"],
  columns: ["amount"],
  numeric: new Set(["amount"]),
  sample: 5,
};

/** One clause a line, so a diff of the golden text reads like a diff of the query. */
const lines = (sql: string) => sql.replace(/\), (?=[a-z] AS \()/g, "),\n").split("\n");

describe("keyed compare SQL", () => {
  for (const [name, d] of Object.entries(DIALECTS)) {
    test(name, () => {
      const sql = keyedCompareSql(d, plan);
      expect({
        totals: lines(sql.totals),
        sample: lines(sql.sample),
        counts: countWithNullKeysSql(d, plan.production, ["id", "day"]),
      }).toMatchSnapshot();
    });
  }

  test("a retyped numeric column is cast on the production side, key included", () => {
    const sql = keyedCompareSql(duckdbDialect, {
      ...plan,
      key: ["id", "day"],
      casts: new Map([
        ["amount", "DECIMAL(12,2)"],
        ["id", "BIGINT"],
      ]),
    });
    expect(sql.totals).toContain(
      'p AS (SELECT CAST("id" AS BIGINT) AS "__rocky_k0", "day" AS "__rocky_k1", ANY_VALUE(CAST("amount" AS DECIMAL(12,2))) AS "__rocky_c0", COUNT(*) AS "__rocky_n" FROM "marts"."orders" WHERE "id" IS NOT NULL AND "day" IS NOT NULL GROUP BY 1, 2)',
    );
    expect(sql.totals).toContain('ON b."__rocky_k0" = p."__rocky_k0" AND b."__rocky_k1" = p."__rocky_k1"');
    // Never a scan of a whole table back to rocky: aggregates, and a LIMIT per kind.
    expect(sql.totals).toMatch(/^WITH .* SELECT SUM\(.* FROM j$/);
    expect(sql.sample).toMatch(/WHERE "__rocky_rn" <= 5 ORDER BY/);
  });
});
