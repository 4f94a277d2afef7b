/**
 * How each adapter keeps a replaced production table and what it states about promote
 * and rollback: DuckDB renames inside its transaction (zero-copy, atomic); the clouds
 * clone; an adapter with neither copies. The statements, per dialect.
 */
import { describe, expect, test } from "bun:test";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { duckdbDialect } from "../../adapters/duckdb/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { Adapter, AdapterCapabilities, Dialect } from "../../src/adapter/types.ts";
import { backupRef, backupStatements, lifecycleFacts, type PlannedBackup } from "../../src/branch/backups.ts";
import type { BuiltModel } from "../../src/branch/built.ts";
import type { Model } from "../../src/project/types.ts";

function fake(dialect: Dialect, caps: Partial<AdapterCapabilities>, transaction: boolean): Adapter {
  return {
    type: dialect.name,
    dialect,
    capabilities: { transactions: false, clone: false, fingerprint: true, defaultThreads: 1, ...caps },
    ...(transaction ? { transaction: async <T>(fn: () => Promise<T>) => fn() } : {}),
  } as unknown as Adapter;
}

const prod = { schema: "marts", table: "orders" };
const planned = (kind: "table" | "view", method: PlannedBackup["method"]): PlannedBackup => ({
  seq: 2,
  built: { model: { name: "orders" } as Model, production: prod, branch: prod, kind: "table" } as BuiltModel,
  prevKind: kind,
  backup: backupRef(prod, "run-20261203-150102-007", 2),
  method,
});

describe("promote backups", () => {
  test("names are unique per promote run and step", () => {
    expect(backupRef(prod, "run-20261203-150102-007", 2)).toEqual({
      schema: "marts",
      table: "orders__rocky_backup_20261203_150102_007_2",
    });
  });

  test("DuckDB renames, tables and views, inside the transaction", () => {
    const duck = fake(duckdbDialect, { transactions: true, transactionalDdl: true }, true);
    expect(lifecycleFacts(duck)).toEqual({
      backup: "rename",
      promote: { atomic: true, zero_copy: false },
      rollback: { atomic: true, zero_copy: true },
    });
    expect(backupStatements(duck, planned("table", "rename"))).toEqual([
      'ALTER TABLE "marts"."orders" RENAME TO "orders__rocky_backup_20261203_150102_007_2"',
    ]);
    expect(backupStatements(duck, planned("view", "rename"))).toEqual([
      'ALTER VIEW "marts"."orders" RENAME TO "orders__rocky_backup_20261203_150102_007_2"',
    ]);
  });

  test("Snowflake swaps: zero-copy both ways; its transactions commit DDL, so not atomic", () => {
    // Snowflake's real capabilities: transactions, but no transactional DDL.
    const sf = fake(
      new SnowflakeDialect({ database: "analytics" }),
      { clone: true, transactions: true },
      true,
    );
    expect(lifecycleFacts(sf)).toEqual({
      backup: "swap",
      promote: { atomic: false, zero_copy: true },
      rollback: { atomic: false, zero_copy: true },
    });
    // The swap inside the publish keeps the previous version: no statement of its own.
    expect(backupStatements(sf, planned("table", "swap"))).toEqual([]);
  });

  test("clone-capable dialects without a swap (BigQuery) clone: rollback zero-copy, promote copies", () => {
    const bq = fake(new BigQueryDialect({ project: "acme-prod" }), { clone: true }, false);
    expect(lifecycleFacts(bq)).toEqual({
      backup: "clone",
      promote: { atomic: false, zero_copy: false },
      rollback: { atomic: false, zero_copy: true },
    });
    expect(backupStatements(bq, planned("table", "clone"))[0]).toContain(
      "`orders__rocky_backup_20261203_150102_007_2`",
    );
  });

  test("an adapter with neither copies, and says rollback is not zero-copy", () => {
    const plain: Dialect = { ...duckdbDialect, name: "plain", renameTable: undefined, cloneTable: undefined };
    const a = fake(plain, {}, false);
    expect(lifecycleFacts(a)).toEqual({
      backup: "copy",
      promote: { atomic: false, zero_copy: false },
      rollback: { atomic: false, zero_copy: false },
    });
    expect(backupStatements(a, planned("table", "copy"))).toEqual([
      'CREATE TABLE "marts"."orders__rocky_backup_20261203_150102_007_2" AS SELECT * FROM "marts"."orders"',
    ]);
  });
});
