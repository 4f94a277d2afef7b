/** Data test results in the state store (migration 3, `test_results`). */
import { nowIso, type StateStore } from "../state/store.ts";
import type { TestResult } from "./run.ts";

export interface TestResultRow {
  run_id: string;
  command: string;
  scope: string;
  seq: number;
  model_name: string;
  label: string;
  test_type: string;
  column_name: string | null;
  severity: string;
  status: string;
  table_name: string;
  failing_rows: number | null;
  sample: string;
  sql: string;
  duration_ms: number;
  detail: string | null;
  executed_at: string;
}

/** Append results under `runId`, numbered after the ones already recorded for it. */
export function recordTestResults(
  store: StateStore,
  ctx: { runId: string; command: "run" | "test"; scope: string },
  results: TestResult[],
): void {
  if (results.length === 0) return;
  store.transaction(() => {
    const row = store.db
      .query("SELECT coalesce(max(seq) + 1, 0) AS next FROM test_results WHERE run_id = ?")
      .get(ctx.runId) as { next: number };
    let seq = row.next;
    const insert = store.db.query(
      `INSERT INTO test_results(run_id, command, scope, seq, model_name, label, test_type, column_name, severity,
         status, table_name, failing_rows, sample, sql, duration_ms, detail, executed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const at = nowIso();
    for (const r of results) {
      insert.run(
        ctx.runId,
        ctx.command,
        ctx.scope,
        seq++,
        r.model,
        r.label,
        r.type,
        r.column,
        r.severity,
        r.status,
        r.table,
        r.failingRows,
        JSON.stringify({ columns: r.sampleColumns, rows: r.sample }),
        r.sql,
        r.durationMs,
        r.detail,
        at,
      );
    }
  });
}

export function testResultsOf(store: StateStore, runId: string): TestResultRow[] {
  return store.db
    .query("SELECT * FROM test_results WHERE run_id = ? ORDER BY seq")
    .all(runId) as TestResultRow[];
}

/** `test-YYYYMMDD-HHMMSS-mmm` (UTC) for a `rocky test` invocation. */
export function testRunId(d = new Date()): string {
  return `test-${d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace("T", "-")
    .replace(/\.(\d+)Z$/, "-$1")}`;
}
