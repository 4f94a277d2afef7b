/**
 * Every strategy against every built-in dialect: the exact statements a run sends
 * (golden SQL, reviewed by hand), side by side per case as in Kysely's tests. The
 * strategy decisions are core's (src/run/strategies.ts); dialects only spell them.
 */
import { describe, expect, test } from "bun:test";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { DatabricksDialect } from "../../adapters/databricks/dialect.ts";
import { duckdbDialect } from "../../adapters/duckdb/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { Dialect } from "../../src/adapter/types.ts";
import type { Strategy } from "../../src/project/types.ts";
import { type PlanContext, planStatements, STRATEGIES } from "../../src/run/strategies.ts";

const DIALECTS: Record<string, Dialect> = {
  duckdb: duckdbDialect,
  snowflake: new SnowflakeDialect({ database: "analytics" }),
  bigquery: new BigQueryDialect({ project: "acme-prod" }),
  databricks: new DatabricksDialect({ catalog: "main" }),
};
const target = { schema: "marts", table: "orders" };
const select = "SELECT id, day, amount, loaded_at FROM raw.orders";
const cols = ["id", "day", "amount", "loaded_at"];

interface Case {
  name: string;
  strategy: Strategy;
  ctx: PlanContext;
  expected: Record<keyof typeof DIALECTS, string[]>;
}

const CASES: Case[] = [
  {
    name: "full_refresh builds",
    strategy: { type: "full_refresh" },
    ctx: {},
    expected: {
      duckdb: [
        'CREATE OR REPLACE TABLE "marts"."orders" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'CREATE OR REPLACE TABLE "MARTS"."ORDERS" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "CREATE OR REPLACE TABLE `acme-prod`.`marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
      databricks: [
        "CREATE OR REPLACE TABLE `marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
  {
    name: "full_refresh over a view drops the view first",
    strategy: { type: "full_refresh" },
    ctx: { existingKind: "view" },
    expected: {
      duckdb: [
        'DROP VIEW IF EXISTS "marts"."orders"',
        'CREATE OR REPLACE TABLE "marts"."orders" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'DROP VIEW IF EXISTS "MARTS"."ORDERS"',
        'CREATE OR REPLACE TABLE "MARTS"."ORDERS" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "BEGIN TRANSACTION;\nDROP VIEW IF EXISTS `acme-prod`.`marts`.`orders`;\nCREATE OR REPLACE TABLE `acme-prod`.`marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders;\nCOMMIT TRANSACTION;",
      ],
      databricks: [
        "DROP VIEW IF EXISTS `marts`.`orders`",
        "CREATE OR REPLACE TABLE `marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
  {
    name: "view over a table drops the table first",
    strategy: { type: "view" },
    ctx: { existingKind: "table" },
    expected: {
      duckdb: [
        'DROP TABLE IF EXISTS "marts"."orders"',
        'CREATE OR REPLACE VIEW "marts"."orders" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'DROP TABLE IF EXISTS "MARTS"."ORDERS"',
        'CREATE OR REPLACE VIEW "MARTS"."ORDERS" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "BEGIN TRANSACTION;\nDROP TABLE IF EXISTS `acme-prod`.`marts`.`orders`;\nCREATE OR REPLACE VIEW `acme-prod`.`marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders;\nCOMMIT TRANSACTION;",
      ],
      databricks: [
        "DROP TABLE IF EXISTS `marts`.`orders`",
        "CREATE OR REPLACE VIEW `marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
  {
    name: "incremental: first run builds",
    strategy: { type: "incremental", timestamp_column: "loaded_at" },
    ctx: { columns: cols },
    expected: {
      duckdb: [
        'CREATE OR REPLACE TABLE "marts"."orders" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'CREATE OR REPLACE TABLE "MARTS"."ORDERS" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "CREATE OR REPLACE TABLE `acme-prod`.`marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
      databricks: [
        "CREATE OR REPLACE TABLE `marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
  {
    name: "incremental: re-processes the period at and after the mark",
    strategy: { type: "incremental", timestamp_column: "loaded_at" },
    ctx: { existingKind: "table", columns: cols, watermark: "'2026-01-03 10:00:00'" },
    expected: {
      duckdb: [
        'DELETE FROM "marts"."orders"\nWHERE "loaded_at" >= \'2026-01-03 10:00:00\'',
        'INSERT INTO "marts"."orders" ("id", "day", "amount", "loaded_at")\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE "loaded_at" >= \'2026-01-03 10:00:00\'',
      ],
      snowflake: [
        'DELETE FROM "MARTS"."ORDERS"\nWHERE "LOADED_AT" >= \'2026-01-03 10:00:00\'',
        'INSERT INTO "MARTS"."ORDERS" ("ID", "DAY", "AMOUNT", "LOADED_AT")\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE "LOADED_AT" >= \'2026-01-03 10:00:00\'',
      ],
      bigquery: [
        "BEGIN TRANSACTION;\nDELETE FROM `acme-prod`.`marts`.`orders`\nWHERE `loaded_at` >= '2026-01-03 10:00:00';\nINSERT INTO `acme-prod`.`marts`.`orders` (`id`, `day`, `amount`, `loaded_at`)\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE `loaded_at` >= '2026-01-03 10:00:00';\nCOMMIT TRANSACTION;",
      ],
      databricks: [
        "INSERT INTO `marts`.`orders` REPLACE WHERE `loaded_at` >= '2026-01-03 10:00:00'\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE `loaded_at` >= '2026-01-03 10:00:00'",
      ],
    },
  },
  {
    name: "incremental: an empty target takes every row",
    strategy: { type: "incremental", timestamp_column: "loaded_at" },
    ctx: { existingKind: "table", columns: cols, watermark: null },
    expected: {
      duckdb: [
        'INSERT INTO "marts"."orders" ("id", "day", "amount", "loaded_at")\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'INSERT INTO "MARTS"."ORDERS" ("ID", "DAY", "AMOUNT", "LOADED_AT")\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "INSERT INTO `acme-prod`.`marts`.`orders` (`id`, `day`, `amount`, `loaded_at`)\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
      databricks: [
        "INSERT INTO `marts`.`orders` (`id`, `day`, `amount`, `loaded_at`)\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
  {
    name: "incremental with unique_key: re-processed rows replace theirs by key",
    strategy: { type: "incremental", timestamp_column: "loaded_at", unique_key: ["day"] },
    ctx: { existingKind: "table", columns: cols, watermark: "'2026-01-03 10:00:00'" },
    expected: {
      duckdb: [
        'MERGE INTO "marts"."orders" AS "t"\nUSING (\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE "loaded_at" >= \'2026-01-03 10:00:00\'\n) AS "s"\nON "t"."day" = "s"."day"\nWHEN MATCHED THEN UPDATE SET "id" = "s"."id", "amount" = "s"."amount", "loaded_at" = "s"."loaded_at"\nWHEN NOT MATCHED THEN INSERT ("id", "day", "amount", "loaded_at") VALUES ("s"."id", "s"."day", "s"."amount", "s"."loaded_at")',
      ],
      snowflake: [
        'MERGE INTO "MARTS"."ORDERS" AS t\nUSING (\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE "LOADED_AT" >= \'2026-01-03 10:00:00\'\n) AS s\nON t."DAY" = s."DAY"\nWHEN MATCHED THEN UPDATE SET "ID" = s."ID", "AMOUNT" = s."AMOUNT", "LOADED_AT" = s."LOADED_AT"\nWHEN NOT MATCHED THEN INSERT ("ID", "DAY", "AMOUNT", "LOADED_AT") VALUES (s."ID", s."DAY", s."AMOUNT", s."LOADED_AT")',
      ],
      bigquery: [
        "MERGE INTO `acme-prod`.`marts`.`orders` AS _rocky_t\nUSING (\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE `loaded_at` >= '2026-01-03 10:00:00'\n) AS _rocky_s\nON _rocky_t.`day` = _rocky_s.`day`\nWHEN MATCHED THEN UPDATE SET `id` = _rocky_s.`id`, `amount` = _rocky_s.`amount`, `loaded_at` = _rocky_s.`loaded_at`\nWHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `loaded_at`) VALUES (_rocky_s.`id`, _rocky_s.`day`, _rocky_s.`amount`, _rocky_s.`loaded_at`)",
      ],
      databricks: [
        "MERGE INTO `marts`.`orders` AS t\nUSING (\nSELECT * FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_src\nWHERE `loaded_at` >= '2026-01-03 10:00:00'\n) AS s\nON t.`day` = s.`day`\nWHEN MATCHED THEN UPDATE SET t.`id` = s.`id`, t.`amount` = s.`amount`, t.`loaded_at` = s.`loaded_at`\nWHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `loaded_at`) VALUES (s.`id`, s.`day`, s.`amount`, s.`loaded_at`)",
      ],
    },
  },
  {
    name: "incremental --full-refresh rebuilds",
    strategy: { type: "incremental", timestamp_column: "loaded_at" },
    ctx: { existingKind: "table", fullRefresh: true, columns: cols, watermark: "'x'" },
    expected: {
      duckdb: [
        'CREATE OR REPLACE TABLE "marts"."orders" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'CREATE OR REPLACE TABLE "MARTS"."ORDERS" AS\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "CREATE OR REPLACE TABLE `acme-prod`.`marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
      databricks: [
        "CREATE OR REPLACE TABLE `marts`.`orders` AS\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
  {
    name: "merge with known columns",
    strategy: { type: "merge", unique_key: ["id"] },
    ctx: { existingKind: "table", columns: cols },
    expected: {
      duckdb: [
        'MERGE INTO "marts"."orders" AS "t"\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS "s"\nON "t"."id" = "s"."id"\nWHEN MATCHED THEN UPDATE SET "day" = "s"."day", "amount" = "s"."amount", "loaded_at" = "s"."loaded_at"\nWHEN NOT MATCHED THEN INSERT ("id", "day", "amount", "loaded_at") VALUES ("s"."id", "s"."day", "s"."amount", "s"."loaded_at")',
      ],
      snowflake: [
        'MERGE INTO "MARTS"."ORDERS" AS t\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS s\nON t."ID" = s."ID"\nWHEN MATCHED THEN UPDATE SET "DAY" = s."DAY", "AMOUNT" = s."AMOUNT", "LOADED_AT" = s."LOADED_AT"\nWHEN NOT MATCHED THEN INSERT ("ID", "DAY", "AMOUNT", "LOADED_AT") VALUES (s."ID", s."DAY", s."AMOUNT", s."LOADED_AT")',
      ],
      bigquery: [
        "MERGE INTO `acme-prod`.`marts`.`orders` AS _rocky_t\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_s\nON _rocky_t.`id` = _rocky_s.`id`\nWHEN MATCHED THEN UPDATE SET `day` = _rocky_s.`day`, `amount` = _rocky_s.`amount`, `loaded_at` = _rocky_s.`loaded_at`\nWHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `loaded_at`) VALUES (_rocky_s.`id`, _rocky_s.`day`, _rocky_s.`amount`, _rocky_s.`loaded_at`)",
      ],
      databricks: [
        "MERGE INTO `marts`.`orders` AS t\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS s\nON t.`id` = s.`id`\nWHEN MATCHED THEN UPDATE SET t.`day` = s.`day`, t.`amount` = s.`amount`, t.`loaded_at` = s.`loaded_at`\nWHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `loaded_at`) VALUES (s.`id`, s.`day`, s.`amount`, s.`loaded_at`)",
      ],
    },
  },
  {
    name: "merge: composite key, update_columns",
    strategy: { type: "merge", unique_key: ["id", "day"], update_columns: ["amount"] },
    ctx: { existingKind: "table", columns: cols },
    expected: {
      duckdb: [
        'MERGE INTO "marts"."orders" AS "t"\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS "s"\nON "t"."id" = "s"."id" AND "t"."day" = "s"."day"\nWHEN MATCHED THEN UPDATE SET "amount" = "s"."amount"\nWHEN NOT MATCHED THEN INSERT ("id", "day", "amount", "loaded_at") VALUES ("s"."id", "s"."day", "s"."amount", "s"."loaded_at")',
      ],
      snowflake: [
        'MERGE INTO "MARTS"."ORDERS" AS t\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS s\nON t."ID" = s."ID" AND t."DAY" = s."DAY"\nWHEN MATCHED THEN UPDATE SET "AMOUNT" = s."AMOUNT"\nWHEN NOT MATCHED THEN INSERT ("ID", "DAY", "AMOUNT", "LOADED_AT") VALUES (s."ID", s."DAY", s."AMOUNT", s."LOADED_AT")',
      ],
      bigquery: [
        "MERGE INTO `acme-prod`.`marts`.`orders` AS _rocky_t\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_s\nON _rocky_t.`id` = _rocky_s.`id` AND _rocky_t.`day` = _rocky_s.`day`\nWHEN MATCHED THEN UPDATE SET `amount` = _rocky_s.`amount`\nWHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `loaded_at`) VALUES (_rocky_s.`id`, _rocky_s.`day`, _rocky_s.`amount`, _rocky_s.`loaded_at`)",
      ],
      databricks: [
        "MERGE INTO `marts`.`orders` AS t\nUSING (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS s\nON t.`id` = s.`id` AND t.`day` = s.`day`\nWHEN MATCHED THEN UPDATE SET t.`amount` = s.`amount`\nWHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `loaded_at`) VALUES (s.`id`, s.`day`, s.`amount`, s.`loaded_at`)",
      ],
    },
  },
  {
    name: "delete_insert replaces the incoming partitions",
    strategy: { type: "delete_insert", partition_by: ["day"] },
    ctx: { existingKind: "table", columns: cols },
    expected: {
      duckdb: [
        'DELETE FROM "marts"."orders"\nWHERE EXISTS (\n  SELECT 1 FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_incoming\n  WHERE _rocky_incoming."day" IS NOT DISTINCT FROM "marts"."orders"."day"\n)',
        'INSERT INTO "marts"."orders" ("id", "day", "amount", "loaded_at")\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      snowflake: [
        'DELETE FROM "MARTS"."ORDERS"\nWHERE EXISTS (\n  SELECT 1 FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_incoming\n  WHERE _rocky_incoming."DAY" IS NOT DISTINCT FROM "MARTS"."ORDERS"."DAY"\n)',
        'INSERT INTO "MARTS"."ORDERS" ("ID", "DAY", "AMOUNT", "LOADED_AT")\nSELECT id, day, amount, loaded_at FROM raw.orders',
      ],
      bigquery: [
        "BEGIN TRANSACTION;\nDELETE FROM `acme-prod`.`marts`.`orders` AS _rocky_t WHERE EXISTS (\n  SELECT 1 FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n  ) AS _rocky_s WHERE _rocky_s.`day` IS NOT DISTINCT FROM _rocky_t.`day`\n);\nINSERT INTO `acme-prod`.`marts`.`orders` (`id`, `day`, `amount`, `loaded_at`)\nSELECT id, day, amount, loaded_at FROM raw.orders;\nCOMMIT TRANSACTION;",
      ],
      databricks: [
        "DELETE FROM `marts`.`orders`\nWHERE EXISTS (\n  SELECT 1 FROM (\nSELECT id, day, amount, loaded_at FROM raw.orders\n) AS _rocky_incoming\n  WHERE _rocky_incoming.`day` <=> `marts`.`orders`.`day`\n)",
        "INSERT INTO `marts`.`orders` (`id`, `day`, `amount`, `loaded_at`)\nSELECT id, day, amount, loaded_at FROM raw.orders",
      ],
    },
  },
];

describe("strategies × dialects: golden SQL", () => {
  for (const c of CASES) {
    test(c.name, () => {
      for (const [name, d] of Object.entries(DIALECTS)) {
        expect({ [name]: planStatements(d, target, select, c.strategy, c.ctx) }).toEqual({
          [name]: c.expected[name]!,
        });
      }
    });
  }

  test("every strategy of the schema has a case", () => {
    const covered = new Set<string>(CASES.map((c) => c.strategy.type));
    expect([...covered].sort()).toEqual(Object.keys(STRATEGIES).sort());
  });

  test("a merge without keys, and a delete_insert without partitions, are refused", () => {
    for (const d of Object.values(DIALECTS)) {
      expect(() =>
        planStatements(d, target, select, { type: "merge", unique_key: [] }, { existingKind: "table" }),
      ).toThrow("merge strategy requires at least one unique_key column");
      expect(() =>
        planStatements(
          d,
          target,
          select,
          { type: "delete_insert", partition_by: [] },
          { existingKind: "table" },
        ),
      ).toThrow("delete_insert strategy requires at least one partition_by column");
    }
  });

  test("BigQuery MERGE without known columns needs update_columns (GoogleSQL has no UPDATE SET *)", () => {
    const d = DIALECTS.bigquery!;
    expect(() =>
      planStatements(d, target, select, { type: "merge", unique_key: ["id"] }, { existingKind: "table" }),
    ).toThrow("MERGE needs the model's columns (or update_columns) to build UPDATE SET");
    expect(
      planStatements(
        d,
        target,
        select,
        { type: "merge", unique_key: ["id"], update_columns: ["amount"] },
        { existingKind: "table" },
      )[0],
    ).toEndWith("WHEN NOT MATCHED THEN INSERT ROW");
  });
});
