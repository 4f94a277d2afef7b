/**
 * Promote and rollback statements per dialect, side by side (src/branch/publish.ts): DuckDB
 * copies into the name its backup rename freed and renames back; Snowflake clones beside
 * production and swaps (zero-copy both ways); BigQuery publishes by table copy and restores
 * by clone; Databricks publishes by DEEP CLONE and restores by SHALLOW CLONE.
 */
import { describe, expect, test } from "bun:test";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { DatabricksDialect } from "../../adapters/databricks/dialect.ts";
import { duckdbDialect } from "../../adapters/duckdb/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { Dialect, TableRef } from "../../src/adapter/types.ts";
import { publishStatements, restoreStatements } from "../../src/branch/publish.ts";
import type { BackupMethod } from "../../src/state/backups.ts";

const cases: { dialect: Dialect; method: BackupMethod; cat?: string }[] = [
  { dialect: duckdbDialect, method: "rename" },
  { dialect: new SnowflakeDialect({ database: "ANALYTICS" }), method: "swap", cat: "ANALYTICS" },
  { dialect: new BigQueryDialect({ project: "acme" }), method: "clone", cat: "acme" },
  { dialect: new DatabricksDialect({ catalog: "main" }), method: "clone", cat: "main" },
];

const refs = (cat: string | undefined) => {
  const c = cat === undefined ? {} : { catalog: cat };
  const t = (schema: string, table: string): TableRef => ({ ...c, schema, table });
  return {
    branch: t("branch__fix__marts", "orders"),
    production: t("marts", "orders"),
    backup: t("marts", "orders__rocky_backup_20261203_1_0"),
  };
};

function golden(kind: "replace" | "first" | "restore" | "restore_absent"): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { dialect, method, cat } of cases) {
    const r = refs(cat);
    const pub = (replacesTable: boolean) =>
      publishStatements(dialect, {
        branch: r.branch,
        production: r.production,
        kind: "table",
        replacesTable,
        method,
        stage: r.backup,
        keep: true,
      });
    const restore = (current: "table" | undefined) =>
      restoreStatements(dialect, {
        production: r.production,
        backup: r.backup,
        method,
        prevKind: "table",
        current,
      });
    out[dialect.name] =
      kind === "replace"
        ? pub(true)
        : kind === "first"
          ? pub(false)
          : kind === "restore"
            ? restore("table")
            : restore(undefined);
  }
  return out;
}

describe("promote and rollback SQL, every dialect", () => {
  test("promote over an existing production table", () => {
    // DuckDB's backup rename freed the name first, so no table stands there: plain copy.
    expect(golden("replace")).toEqual({
      duckdb: ['CREATE OR REPLACE TABLE "marts"."orders" AS SELECT * FROM "branch__fix__marts"."orders"'],
      snowflake: [
        'CREATE OR REPLACE TABLE "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0" CLONE "ANALYTICS"."BRANCH__FIX__MARTS"."ORDERS"',
        'ALTER TABLE "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0" SWAP WITH "ANALYTICS"."MARTS"."ORDERS"',
      ],
      bigquery: ["CREATE OR REPLACE TABLE `acme`.`marts`.`orders` COPY `acme`.`branch__fix__marts`.`orders`"],
      databricks: [
        "CREATE OR REPLACE TABLE `main`.`marts`.`orders` DEEP CLONE `main`.`branch__fix__marts`.`orders`",
      ],
    });
  });

  test("promote of a table production does not have yet", () => {
    expect(golden("first").snowflake).toEqual([
      'CREATE OR REPLACE TABLE "ANALYTICS"."MARTS"."ORDERS" CLONE "ANALYTICS"."BRANCH__FIX__MARTS"."ORDERS"',
    ]);
    expect(golden("first").duckdb).toEqual(golden("replace").duckdb!);
  });

  test("Snowflake with retention 0 drops the swapped-out table", () => {
    const r = refs("ANALYTICS");
    const d = new SnowflakeDialect({ database: "ANALYTICS" });
    expect(
      publishStatements(d, {
        ...r,
        kind: "table",
        replacesTable: true,
        method: "swap",
        stage: r.backup,
        keep: false,
      }).at(-1),
    ).toBe('DROP TABLE IF EXISTS "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0"');
  });

  test("rollback over the promoted table", () => {
    expect(golden("restore")).toEqual({
      duckdb: [
        'DROP TABLE IF EXISTS "marts"."orders"',
        'ALTER TABLE "marts"."orders__rocky_backup_20261203_1_0" RENAME TO "orders"',
      ],
      snowflake: [
        'ALTER TABLE "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0" SWAP WITH "ANALYTICS"."MARTS"."ORDERS"',
        'DROP TABLE IF EXISTS "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0"',
      ],
      bigquery: [
        "DROP TABLE IF EXISTS `acme`.`marts`.`orders`",
        "CREATE OR REPLACE TABLE `acme`.`marts`.`orders` CLONE `acme`.`marts`.`orders__rocky_backup_20261203_1_0`",
        "DROP TABLE IF EXISTS `acme`.`marts`.`orders__rocky_backup_20261203_1_0`",
      ],
      databricks: [
        "DROP TABLE IF EXISTS `main`.`marts`.`orders`",
        "CREATE OR REPLACE TABLE `main`.`marts`.`orders` SHALLOW CLONE `main`.`marts`.`orders__rocky_backup_20261203_1_0`",
        "DROP TABLE IF EXISTS `main`.`marts`.`orders__rocky_backup_20261203_1_0`",
      ],
    });
  });

  test("rollback when the promoted table was dropped meanwhile: Snowflake clones back", () => {
    expect(golden("restore_absent").snowflake).toEqual([
      'CREATE OR REPLACE TABLE "ANALYTICS"."MARTS"."ORDERS" CLONE "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0"',
      'DROP TABLE IF EXISTS "ANALYTICS"."MARTS"."ORDERS__ROCKY_BACKUP_20261203_1_0"',
    ]);
  });
});
