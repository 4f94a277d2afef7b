/**
 * `rocky seed` on each cloud dialect: the exact statements sent for one CSV (golden SQL,
 * reviewed by hand), side by side. Types come from DuckDB's read of the CSV; values are
 * DuckDB's text of them.
 */
import { describe, expect, test } from "bun:test";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { DatabricksDialect } from "../../adapters/databricks/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { Dialect } from "../../src/adapter/types.ts";
import { type LocalCsv, seedSqlOf, seedStatements } from "../../src/seed/warehouse.ts";

const DIALECTS: Record<string, Dialect> = {
  snowflake: new SnowflakeDialect({ database: "analytics" }),
  bigquery: new BigQueryDialect({ project: "acme-prod" }),
  databricks: new DatabricksDialect({ catalog: "main" }),
};
const target = { schema: "seeds", table: "rates" };
const csv: LocalCsv = {
  columns: [
    { name: "id", type: "BIGINT" },
    { name: "note", type: "VARCHAR" },
    { name: "rate", type: "DECIMAL(6,2)" },
    { name: "day", type: "DATE" },
    { name: "ok", type: "BOOLEAN" },
    { name: "at", type: "TIMESTAMP" },
    { name: "score", type: "DOUBLE" },
  ],
  rows: [
    ["1", "it's a \\ path", "0.50", "2024-01-02", "true", "2024-01-02 10:00:00", "1.5"],
    ["2", null, "12.25", null, "false", null, "inf"],
  ],
};

const EXPECTED: Record<string, { create: string; insert: string; publish: string; drop: string }> = {
  snowflake: {
    create:
      'CREATE OR REPLACE TABLE "SEEDS"."RATES__ROCKY_SEED" AS SELECT CAST(NULL AS NUMBER(38,0)) AS "ID", CAST(NULL AS VARCHAR) AS "NOTE", CAST(NULL AS NUMBER(6,2)) AS "RATE", CAST(NULL AS DATE) AS "DAY", CAST(NULL AS BOOLEAN) AS "OK", CAST(NULL AS TIMESTAMP_NTZ) AS "AT", CAST(NULL AS FLOAT) AS "SCORE" LIMIT 0',
    insert:
      'INSERT INTO "SEEDS"."RATES__ROCKY_SEED" ("ID", "NOTE", "RATE", "DAY", "OK", "AT", "SCORE") VALUES\n' +
      "(1, 'it''s a \\\\ path', CAST('0.50' AS NUMBER(6,2)), CAST('2024-01-02' AS DATE), TRUE, CAST('2024-01-02 10:00:00' AS TIMESTAMP_NTZ), 1.5),\n" +
      "(2, NULL, CAST('12.25' AS NUMBER(6,2)), NULL, FALSE, NULL, CAST('inf' AS FLOAT))",
    publish: 'CREATE OR REPLACE TABLE "SEEDS"."RATES" AS SELECT * FROM "SEEDS"."RATES__ROCKY_SEED"',
    drop: 'DROP TABLE IF EXISTS "SEEDS"."RATES__ROCKY_SEED"',
  },
  bigquery: {
    create:
      "CREATE OR REPLACE TABLE `acme-prod`.`seeds`.`rates__rocky_seed` AS SELECT CAST(NULL AS INT64) AS `id`, CAST(NULL AS STRING) AS `note`, CAST(NULL AS NUMERIC(6, 2)) AS `rate`, CAST(NULL AS DATE) AS `day`, CAST(NULL AS BOOL) AS `ok`, CAST(NULL AS DATETIME) AS `at`, CAST(NULL AS FLOAT64) AS `score` LIMIT 0",
    insert:
      "INSERT INTO `acme-prod`.`seeds`.`rates__rocky_seed` (`id`, `note`, `rate`, `day`, `ok`, `at`, `score`) VALUES\n" +
      "(1, 'it\\'s a \\\\ path', CAST('0.50' AS NUMERIC(6, 2)), CAST('2024-01-02' AS DATE), TRUE, CAST('2024-01-02 10:00:00' AS DATETIME), 1.5),\n" +
      "(2, NULL, CAST('12.25' AS NUMERIC(6, 2)), NULL, FALSE, NULL, CAST('inf' AS FLOAT64))",
    publish:
      "CREATE OR REPLACE TABLE `acme-prod`.`seeds`.`rates` COPY `acme-prod`.`seeds`.`rates__rocky_seed`",
    drop: "DROP TABLE IF EXISTS `acme-prod`.`seeds`.`rates__rocky_seed`",
  },
  databricks: {
    create:
      "CREATE OR REPLACE TABLE `seeds`.`rates__rocky_seed` AS SELECT CAST(NULL AS BIGINT) AS `id`, CAST(NULL AS STRING) AS `note`, CAST(NULL AS DECIMAL(6,2)) AS `rate`, CAST(NULL AS DATE) AS `day`, CAST(NULL AS BOOLEAN) AS `ok`, CAST(NULL AS TIMESTAMP_NTZ) AS `at`, CAST(NULL AS DOUBLE) AS `score` LIMIT 0",
    insert:
      "INSERT INTO `seeds`.`rates__rocky_seed` (`id`, `note`, `rate`, `day`, `ok`, `at`, `score`) VALUES\n" +
      "(1, 'it\\'s a \\\\ path', CAST('0.50' AS DECIMAL(6,2)), CAST('2024-01-02' AS DATE), TRUE, CAST('2024-01-02 10:00:00' AS TIMESTAMP_NTZ), 1.5),\n" +
      "(2, NULL, CAST('12.25' AS DECIMAL(6,2)), NULL, FALSE, NULL, CAST('inf' AS DOUBLE))",
    publish: "CREATE OR REPLACE TABLE `seeds`.`rates` DEEP CLONE `seeds`.`rates__rocky_seed`",
    drop: "DROP TABLE IF EXISTS `seeds`.`rates__rocky_seed`",
  },
};

describe("seed SQL per dialect", () => {
  for (const [name, dialect] of Object.entries(DIALECTS)) {
    test(`${name}: empty typed staging table, one INSERT, publish over the seed, drop staging`, () => {
      const s = seedStatements(dialect, seedSqlOf(dialect, name), target, csv);
      const e = EXPECTED[name]!;
      expect(s.create).toBe(e.create);
      expect(s.inserts).toEqual([e.insert]);
      expect(s.publish).toBe(e.publish);
      expect(s.drop).toBe(e.drop);
    });
  }

  test("rows are split into batches by count and by size", () => {
    const dialect = DIALECTS.snowflake!;
    const many: LocalCsv = {
      columns: [{ name: "n", type: "INTEGER" }],
      rows: Array.from({ length: 25 }, (_, i) => [String(i)]),
    };
    const byRows = seedStatements(dialect, dialect.seed!, target, many, { rows: 10, bytes: 1 << 20 });
    expect(byRows.inserts.map((s) => s.split("\n").length - 1)).toEqual([10, 10, 5]);
    const bySize = seedStatements(dialect, dialect.seed!, target, many, { rows: 1000, bytes: 20 });
    expect(bySize.inserts.length).toBeGreaterThan(1);
    expect(bySize.inserts.flatMap((s) => s.split("\n").slice(1))).toHaveLength(25);
  });

  test("wide decimals and 128-bit integers: BIGNUMERIC / NUMBER(38,0); a dialect without seed SQL is refused", () => {
    const bq = DIALECTS.bigquery!.seed!;
    expect(bq.columnType("DECIMAL(38,10)")).toBe("BIGNUMERIC(38, 10)");
    expect(bq.columnType("HUGEINT")).toBe("BIGNUMERIC(38, 0)");
    expect(DIALECTS.snowflake!.seed!.columnType("HUGEINT")).toBe("NUMBER(38,0)");
    expect(DIALECTS.databricks!.seed!.columnType("TIME")).toBe("STRING");
    const plain = { ...DIALECTS.snowflake!, seed: undefined } as Dialect;
    expect(() => seedSqlOf(plain, "acme")).toThrow("rocky seed cannot load into the acme adapter");
  });
});
