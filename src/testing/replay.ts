/**
 * `replay --execute` re-runs a model's recorded data tests on its replayed table: the
 * recorded SQL with the run's targets rewritten to the replay schema, so the verdict of each
 * test then and now can be compared.
 */
import type { Adapter } from "../adapter/types.ts";
import type { StateStore } from "../state/store.ts";
import type { TestResultRow } from "./state.ts";

export interface ReplayedTest {
  name: string;
  recorded_status: string;
  recorded_failing_rows: number | null;
  status: "pass" | "fail" | "error";
  failing_rows: number | null;
  error: string | null;
}

export async function replayTests(
  adapter: Adapter,
  store: StateStore,
  runId: string,
  model: string,
  rewrite: (sql: string) => string,
): Promise<ReplayedTest[]> {
  let rows: TestResultRow[];
  try {
    rows = store.db
      .query("SELECT * FROM test_results WHERE run_id = ? AND model_name = ? ORDER BY seq")
      .all(runId, model) as TestResultRow[];
  } catch {
    return [];
  }
  const out: ReplayedTest[] = [];
  for (const r of rows) {
    // A contract's column check is not a query (the columns come from describeTable); its
    // not-null checks are recorded as queries and re-run like tests.
    if (r.test_type === "contract") continue;
    const base = { name: r.label, recorded_status: r.status, recorded_failing_rows: r.failing_rows };
    try {
      const q = await adapter.query(rewrite(r.sql));
      const n = Number(q.rows[0]?.[0] ?? 0);
      out.push({ ...base, status: n > 0 ? "fail" : "pass", failing_rows: n, error: null });
    } catch (e) {
      out.push({ ...base, status: "error", failing_rows: null, error: (e as Error).message });
    }
  }
  return out;
}
