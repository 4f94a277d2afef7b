/**
 * Write-audit-publish where DDL cannot be rolled back (Snowflake, BigQuery, Databricks):
 * the model is built into a staging relation `<table>__rocky_audit` beside its target (for
 * an in-place strategy, first a copy of the current table, so the would-be result of the
 * incremental/merge/delete_insert is what gets tested), tested there, and only then
 * published over the target in one statement; on a failing test the staging relation is
 * dropped and the target is untouched. Pure SQL text; the engine executes it.
 *
 * Publish per warehouse: Snowflake `ALTER TABLE … SWAP WITH` (atomic rename; `RENAME TO`
 * for a first build), BigQuery `CREATE OR REPLACE TABLE … CLONE`, Databricks
 * `CREATE OR REPLACE TABLE … DEEP CLONE` (a copy: a shallow clone would break once the
 * staging table is dropped), anything else `CREATE OR REPLACE TABLE … AS SELECT *`.
 */
import type { Dialect, TableRef } from "../adapter/types.ts";

export interface StagedWrite {
  audit: TableRef;
  /** Before the model's statements: a fresh staging relation (a copy of the target when updating in place). */
  setup: string[];
  /** After the tests passed: the staging relation becomes the target. */
  publish: string[];
  /** Always, last: the staging relation is removed. */
  cleanup: string[];
}

export const AUDIT_SUFFIX = "__rocky_audit";

export function stagedWrite(
  dialect: Dialect,
  target: TableRef,
  opts: { inPlace: boolean; targetExists: boolean },
): StagedWrite {
  const audit: TableRef = { ...target, table: `${target.table}${AUDIT_SUFFIX}` };
  const a = dialect.qualify(audit);
  const t = dialect.qualify(target);
  const setup = opts.inPlace
    ? [
        dialect.cloneTable
          ? dialect.cloneTable(target, audit)
          : `CREATE OR REPLACE TABLE ${a} AS SELECT * FROM ${t}`,
      ]
    : [dialect.dropTable(audit)];
  let publish: string[];
  switch (dialect.name) {
    case "snowflake":
      publish = opts.targetExists ? [`ALTER TABLE ${a} SWAP WITH ${t}`] : [`ALTER TABLE ${a} RENAME TO ${t}`];
      break;
    case "bigquery":
      publish = [`CREATE OR REPLACE TABLE ${t} CLONE ${a}`];
      break;
    case "databricks":
      publish = [`CREATE OR REPLACE TABLE ${t} DEEP CLONE ${a}`];
      break;
    default:
      publish = [`CREATE OR REPLACE TABLE ${t} AS SELECT * FROM ${a}`];
  }
  return { audit, setup, publish, cleanup: [dialect.dropTable(audit)] };
}
