/** Watermarks of incremental models: the highest timestamp_column value loaded so far, per target. */
import { nowIso, type StateStore } from "./store.ts";

export interface Watermark {
  table_key: string;
  model_name: string;
  column_name: string;
  last_value: string;
  updated_at: string;
  run_id: string | null;
}

export function getWatermark(store: StateStore, tableKey: string): Watermark | undefined {
  return (
    (store.db.query("SELECT * FROM watermarks WHERE table_key = ?").get(tableKey) as Watermark | null) ??
    undefined
  );
}

export function setWatermark(
  store: StateStore,
  w: { tableKey: string; model: string; column: string; value: string; runId: string },
): void {
  store.db
    .query(
      `INSERT OR REPLACE INTO watermarks(table_key, model_name, column_name, last_value, updated_at, run_id)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(w.tableKey, w.model, w.column, w.value, nowIso(), w.runId);
}

export function deleteWatermark(store: StateStore, tableKey: string): boolean {
  return store.db.query("DELETE FROM watermarks WHERE table_key = ?").run(tableKey).changes > 0;
}

export function listWatermarks(store: StateStore): Watermark[] {
  return store.db.query("SELECT * FROM watermarks ORDER BY table_key").all() as Watermark[];
}
