/**
 * The statements that publish one branch table over production (promote) and put a kept
 * version back (rollback), per backup method (src/branch/backups.ts). Pure: what stands
 * at the target is looked up by the caller; golden tests list every dialect's SQL.
 */
import type { Dialect, TableRef } from "../adapter/types.ts";
import type { BackupMethod } from "../state/backups.ts";

export interface PublishInput {
  branch: TableRef;
  production: TableRef;
  kind: "table" | "view";
  /** A table stands at the production target when the publish runs (after any backup rename). */
  replacesTable: boolean;
  method: BackupMethod;
  /** `swap`: where the previous version goes (the backup's name). */
  stage: TableRef;
  /** `swap`: keep the swapped-out table as the backup; false drops it (retention 0). */
  keep: boolean;
  /** A view's SQL with every model reference pointing at production. */
  viewSql?: string;
}

export function publishStatements(d: Dialect, p: PublishInput): string[] {
  const prod = d.qualify(p.production);
  if (p.kind === "view") return [`CREATE OR REPLACE VIEW ${prod} AS\n${p.viewSql ?? ""}`];
  if (p.method === "swap" && d.cloneTable && d.swapTables) {
    // Zero-copy both ways: clone the branch table beside production, then exchange the two.
    if (!p.replacesTable) return [d.cloneTable(p.branch, p.production)];
    return [
      d.cloneTable(p.branch, p.stage),
      d.swapTables(p.stage, p.production),
      ...(p.keep ? [] : [d.dropTable(p.stage)]),
    ];
  }
  if (d.copyTable) return [d.copyTable(p.branch, p.production)];
  return [`CREATE OR REPLACE TABLE ${prod} AS SELECT * FROM ${d.qualify(p.branch)}`];
}

export interface RestoreInput {
  production: TableRef;
  backup: TableRef;
  method: BackupMethod;
  prevKind: "table" | "view";
  /** What stands at the production target now (the promoted version), if anything. */
  current: "table" | "view" | undefined;
}

/** Put the kept version back under the production name; the backup is gone afterwards. */
export function restoreStatements(d: Dialect, r: RestoreInput): string[] {
  const dropCurrent =
    r.current === undefined
      ? []
      : [r.current === "view" ? d.dropView(r.production) : d.dropTable(r.production)];
  if (r.method === "rename" && d.renameTable)
    return [...dropCurrent, d.renameTable(r.backup, r.production.table, r.prevKind)];
  // Swapped back: the backup name then holds the promoted version, which goes.
  if (r.method === "swap" && d.swapTables && r.current === "table")
    return [d.swapTables(r.backup, r.production), d.dropTable(r.backup)];
  if ((r.method === "swap" || r.method === "clone") && d.cloneTable)
    return [...dropCurrent, d.cloneTable(r.backup, r.production), d.dropTable(r.backup)];
  return [
    ...dropCurrent,
    `CREATE TABLE ${d.qualify(r.production)} AS SELECT * FROM ${d.qualify(r.backup)}`,
    d.dropTable(r.backup),
  ];
}
