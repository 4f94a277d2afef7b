/**
 * The production versions a promote replaced (table `promote_backups`, migration 3), so
 * `branch rollback` can restore them. A row is `pending` while its promote runs (the
 * warehouse decides whether the backup exists: rollback checks it), `kept` once the
 * promote finished, `restored` after a rollback, `expired` once retention dropped it.
 */
import { nowIso, type StateStore } from "./store.ts";

export type BackupStatus = "pending" | "kept" | "restored" | "expired";
export type BackupMethod = "rename" | "swap" | "clone" | "copy";

export interface BackupRow {
  promote_run_id: string;
  seq: number;
  model_name: string;
  prod_catalog: string | null;
  prod_schema: string;
  prod_table: string;
  /** What stood at the production target before the promote. */
  prev_kind: "table" | "view" | "absent";
  backup_catalog: string | null;
  backup_schema: string | null;
  backup_table: string | null;
  fingerprint_rows: number | null;
  fingerprint_hash: string | null;
  /** JSON `{column, value, model}` of the production watermark before the promote. */
  watermark: string | null;
  method: BackupMethod | null;
  status: BackupStatus;
  created_at: string;
}

export function insertBackup(store: StateStore, row: Omit<BackupRow, "created_at">): void {
  store.db
    .query(
      `INSERT INTO promote_backups (promote_run_id, seq, model_name, prod_catalog, prod_schema, prod_table, prev_kind,
        backup_catalog, backup_schema, backup_table, fingerprint_rows, fingerprint_hash, watermark, method, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      row.promote_run_id,
      row.seq,
      row.model_name,
      row.prod_catalog,
      row.prod_schema,
      row.prod_table,
      row.prev_kind,
      row.backup_catalog,
      row.backup_schema,
      row.backup_table,
      row.fingerprint_rows,
      row.fingerprint_hash,
      row.watermark,
      row.method,
      row.status,
      nowIso(),
    );
}

export function setBackupStatus(store: StateStore, runId: string, seq: number, status: BackupStatus): void {
  store.db
    .query("UPDATE promote_backups SET status = ? WHERE promote_run_id = ? AND seq = ?")
    .run(status, runId, seq);
}

export function deleteBackup(store: StateStore, runId: string, seq: number): void {
  store.db.query("DELETE FROM promote_backups WHERE promote_run_id = ? AND seq = ?").run(runId, seq);
}

export function backupsOf(store: StateStore, runId: string): BackupRow[] {
  return store.db
    .query<BackupRow, [string]>("SELECT * FROM promote_backups WHERE promote_run_id = ? ORDER BY seq")
    .all(runId);
}

/** Promote runs holding restorable backups, newest first. */
export function promotesWithBackups(store: StateStore): { promote_run_id: string; created_at: string }[] {
  return store.db
    .query<{ promote_run_id: string; created_at: string }, []>(
      `SELECT promote_run_id, max(created_at) AS created_at FROM promote_backups
       WHERE status IN ('pending', 'kept') GROUP BY promote_run_id ORDER BY promote_run_id DESC`,
    )
    .all();
}
