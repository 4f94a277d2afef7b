/**
 * Promote backups: before a promote replaces a production table, the table is kept
 * beside it (same schema, `<table>__rocky_backup_<run>_<seq>`), so `branch rollback` can
 * put it back. How, per adapter:
 *
 * - `rename` (DuckDB): `ALTER TABLE … RENAME` inside the promote's transaction. Zero-copy;
 *   the new production table is then created under the freed name.
 * - `swap` (Snowflake): the branch table is cloned beside production under the backup's
 *   name and `ALTER TABLE … SWAP WITH` exchanges the two: production gets the new
 *   version, the backup name holds the previous one. Zero-copy, atomic per table.
 * - `clone` (Databricks, BigQuery): the warehouse's native clone. Zero-copy.
 * - `copy` (anything else): `CREATE TABLE … AS SELECT *`.
 *
 * A replaced view is kept by rename (DuckDB); elsewhere it is recorded but not kept
 * (rollback reports it as not restorable).
 * Retention: the backups of the newest `[branch] keep_promotions` promotes (default 3).
 */
import type { Adapter, Fingerprint, TableRef } from "../adapter/types.ts";
import {
  type BackupMethod,
  type BackupRow,
  backupsOf,
  deleteBackup,
  insertBackup,
  promotesWithBackups,
  setBackupStatus,
} from "../state/backups.ts";
import type { StateStore } from "../state/store.ts";
import { getWatermark } from "../state/watermarks.ts";
import type { BuiltModel } from "./built.ts";

export const BACKUP_INFIX = "__rocky_backup_";

/**
 * Whether a promote or rollback is all or nothing: a transaction that also rolls back DDL
 * (DuckDB). Snowflake has transactions, but each DDL statement commits on its own.
 */
export function atomicDdl(adapter: Adapter): boolean {
  return (
    adapter.capabilities.transactions &&
    adapter.capabilities.transactionalDdl === true &&
    adapter.transaction !== undefined
  );
}

/** How this adapter keeps a replaced table. */
export function backupMethod(adapter: Adapter): BackupMethod {
  const d = adapter.dialect;
  if (d.renameTable && atomicDdl(adapter)) return "rename";
  if (adapter.capabilities.clone && d.cloneTable && d.swapTables) return "swap";
  if (adapter.capabilities.clone && d.cloneTable) return "clone";
  return "copy";
}

/** What promote and rollback are on this adapter, as the output states it. */
export function lifecycleFacts(adapter: Adapter): {
  backup: BackupMethod;
  promote: { atomic: boolean; zero_copy: boolean };
  rollback: { atomic: boolean; zero_copy: boolean };
} {
  const atomic = atomicDdl(adapter);
  const backup = backupMethod(adapter);
  return {
    backup,
    // Only a swap publishes without copying: DuckDB 1.5 cannot move a table to another
    // schema (no SET SCHEMA, RENAME TO takes no schema), BigQuery copies, Databricks deep-clones.
    promote: { atomic, zero_copy: backup === "swap" },
    // rename: back under its name; clone: cloned back; copy: copied back.
    rollback: { atomic, zero_copy: backup !== "copy" },
  };
}

/** Unique per promote run and step, whatever the table is called. */
export function backupRef(prod: TableRef, runId: string, seq: number): TableRef {
  const stamp = runId.replace(/^run-/, "").replace(/[^0-9A-Za-z]/g, "_");
  return { ...prod, table: `${prod.table}${BACKUP_INFIX}${stamp}_${seq}` };
}

export interface PlannedBackup {
  seq: number;
  built: BuiltModel;
  prevKind: "table" | "view" | "absent";
  backup?: TableRef;
  method?: BackupMethod;
  fingerprint?: Fingerprint;
}

/**
 * Look at each production target before the promote (under the writer lock) and record
 * the backups as `pending`, with the previous content's fingerprint and watermark.
 */
export async function planBackups(
  store: StateStore,
  adapter: Adapter,
  runId: string,
  built: readonly BuiltModel[],
  watermarkKey: (ref: TableRef) => string,
): Promise<PlannedBackup[]> {
  const method = backupMethod(adapter);
  const out: PlannedBackup[] = [];
  for (const [seq, b] of built.entries()) {
    const kind = adapter.objectKind
      ? await adapter.objectKind(b.production)
      : (await adapter.describeTable(b.production)) === undefined
        ? undefined
        : "table";
    const p: PlannedBackup = { seq, built: b, prevKind: kind ?? "absent" };
    if (kind === "table" && b.kind === "table") {
      p.backup = backupRef(b.production, runId, seq);
      p.method = method;
      if (adapter.fingerprint && adapter.capabilities.fingerprint)
        p.fingerprint = await adapter.fingerprint(b.production);
    } else if (kind === "table") {
      // A table replaced by a view: the swap has nothing to exchange, so it is cloned aside.
      p.backup = backupRef(b.production, runId, seq);
      p.method = method === "swap" ? "clone" : method;
      if (adapter.fingerprint && adapter.capabilities.fingerprint)
        p.fingerprint = await adapter.fingerprint(b.production);
    } else if (kind === "view" && method === "rename") {
      // A view is kept by renaming it (its definition goes with it); elsewhere it is not kept.
      p.backup = backupRef(b.production, runId, seq);
      p.method = method;
    }
    const wm = getWatermark(store, watermarkKey(b.production));
    insertBackup(store, {
      promote_run_id: runId,
      seq,
      model_name: b.model.name,
      prod_catalog: b.production.catalog ?? null,
      prod_schema: b.production.schema,
      prod_table: b.production.table,
      prev_kind: p.prevKind,
      backup_catalog: p.backup ? (p.backup.catalog ?? null) : null,
      backup_schema: p.backup?.schema ?? null,
      backup_table: p.backup?.table ?? null,
      fingerprint_rows: p.fingerprint?.rowCount ?? null,
      fingerprint_hash: p.fingerprint?.hash ?? null,
      watermark: wm
        ? JSON.stringify({ column: wm.column_name, value: wm.last_value, model: wm.model_name })
        : null,
      method: p.method ?? null,
      status: "pending",
    });
    out.push(p);
  }
  return out;
}

/** The statements that keep the production table of one step, run before it is replaced. */
export function backupStatements(adapter: Adapter, p: PlannedBackup): string[] {
  if (!p.backup || !p.method) return [];
  const d = adapter.dialect;
  const prod = p.built.production;
  switch (p.method) {
    case "rename":
      return [d.renameTable!(prod, p.backup.table, p.prevKind === "view" ? "view" : "table")];
    case "swap":
      // The publish itself keeps it (publishStatements): the swap leaves it under this name.
      return [];
    case "clone":
      return [d.cloneTable!(prod, p.backup)];
    case "copy":
      return [`CREATE TABLE ${d.qualify(p.backup)} AS SELECT * FROM ${d.qualify(prod)}`];
  }
}

/**
 * After the promote: a step whose backup exists is `kept`; one that never ran (or was
 * rolled back with the transaction) loses its row.
 */
export async function settleBackups(
  store: StateStore,
  adapter: Adapter,
  runId: string,
  planned: readonly PlannedBackup[],
  committed: (seq: number) => boolean,
): Promise<void> {
  for (const p of planned) {
    const exists = p.backup ? await adapter.tableExists(p.backup) : false;
    if (committed(p.seq) || exists) setBackupStatus(store, runId, p.seq, "kept");
    else deleteBackup(store, runId, p.seq);
  }
}

/**
 * Drop the backups of every promote but the newest `keep` (best effort: a backup that
 * cannot be dropped stays recorded, to be tried again next time). Returns what was dropped.
 */
export async function pruneBackups(store: StateStore, adapter: Adapter, keep: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const { promote_run_id } of promotesWithBackups(store).slice(keep)) {
    for (const row of backupsOf(store, promote_run_id)) {
      if (row.status !== "kept" && row.status !== "pending") continue;
      const ref = backupTableRef(row);
      try {
        if (ref)
          await adapter.execute(
            row.prev_kind === "view" ? adapter.dialect.dropView(ref) : adapter.dialect.dropTable(ref),
          );
        setBackupStatus(store, promote_run_id, row.seq, "expired");
        if (ref) dropped.push(adapter.dialect.qualify(ref));
      } catch {
        // Kept recorded: the next promote tries again.
      }
    }
  }
  return dropped;
}

export function backupTableRef(row: BackupRow): TableRef | undefined {
  if (row.backup_schema === null || row.backup_table === null) return undefined;
  return {
    ...(row.backup_catalog === null ? {} : { catalog: row.backup_catalog }),
    schema: row.backup_schema,
    table: row.backup_table,
  };
}

export function productionRef(row: BackupRow): TableRef {
  return {
    ...(row.prod_catalog === null ? {} : { catalog: row.prod_catalog }),
    schema: row.prod_schema,
    table: row.prod_table,
  };
}
