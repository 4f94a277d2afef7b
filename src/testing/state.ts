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

/** A recorded result in the shape `run`/`replay` JSON list under a model (RunTestResult). */
export function recordedTestJson(r: TestResultRow) {
  let sample: { columns: string[]; rows: unknown[][] } = { columns: [], rows: [] };
  try {
    sample = JSON.parse(r.sample) as typeof sample;
  } catch {}
  return {
    name: r.label,
    test_type: r.test_type,
    column: r.column_name,
    severity: r.severity as "error" | "warning",
    status: r.status as "pass" | "fail" | "error",
    failing_rows: r.failing_rows,
    detail: r.detail,
    sample,
    sql: r.sql,
    duration_ms: r.duration_ms,
  };
}

/** A model's recorded test results in a run (none on a state file from before migration 3). */
export function recordedTests(store: StateStore, runId: string, model: string) {
  try {
    return (
      store.db
        .query("SELECT * FROM test_results WHERE run_id = ? AND model_name = ? ORDER BY seq")
        .all(runId, model) as TestResultRow[]
    ).map(recordedTestJson);
  } catch {
    return [];
  }
}

export interface TestCounts {
  total: number;
  passed: number;
  failed: number;
  warned: number;
  errored: number;
}

/** Per run: how its recorded tests went (`failed`: error severity; `warned`: warning). Runs without tests are absent. */
export function testCountsOf(store: StateStore, runIds: string[]): Map<string, TestCounts> {
  const out = new Map<string, TestCounts>();
  if (runIds.length === 0) return out;
  try {
    const rows = store.db
      .query(
        `SELECT run_id, count(*) AS total,
           sum(status = 'pass') AS passed,
           sum(status = 'fail' AND severity = 'error') AS failed,
           sum(status = 'fail' AND severity <> 'error') AS warned,
           sum(status = 'error') AS errored
         FROM test_results WHERE run_id IN (${runIds.map(() => "?").join(", ")}) GROUP BY run_id`,
      )
      .all(...runIds) as ({ run_id: string } & TestCounts)[];
    for (const { run_id, ...c } of rows) out.set(run_id, c);
  } catch {
    // A state file from before migration 3 has no test results.
  }
  return out;
}
