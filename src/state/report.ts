/** Payloads of `rocky history` and `rocky state`, read straight from the state store. */
import type { Payload } from "../output/common.ts";
import type { HistoryOutput, ModelHistoryOutput, StateOutput } from "../output/schemas/run.ts";
import { RockyError } from "../errors.ts";
import { listRuns, modelHistory, modelRunsOf } from "./runs.ts";
import type { StateStore } from "./store.ts";
import { listWatermarks } from "./watermarks.ts";
import { testCountsOf } from "../testing/state.ts";

/** `--since`: RFC 3339, or `YYYY-MM-DD` meaning midnight UTC. Returned as RFC 3339 UTC. */
export function parseSince(input: string): string {
  const s = input.trim();
  const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(`${s}T00:00:00Z`) : new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) {
    throw new RockyError(`invalid --since date: '${input}'`, {
      hint: "use YYYY-MM-DD (midnight UTC) or an RFC 3339 timestamp such as 2026-04-20T10:00:00Z",
      exitCode: 2,
    });
  }
  return d.toISOString();
}

const durationOf = (start: string, end: string | null): number =>
  end ? Math.max(0, new Date(end).getTime() - new Date(start).getTime()) : 0;

export function historyPayload(store: StateStore, opts: { since?: string; limit: number }) {
  const runs = listRuns(store, { limit: opts.limit, ...(opts.since ? { since: opts.since } : {}) });
  const models = modelRunsOf(
    store,
    runs.map((r) => r.run_id),
  );
  const tests = testCountsOf(
    store,
    runs.map((r) => r.run_id),
  );
  const out = runs.map((r) => {
    const ms = models.get(r.run_id) ?? [];
    return {
      run_id: r.run_id,
      started_at: r.started_at,
      finished_at: r.finished_at,
      status: r.status,
      command: r.command,
      trigger: r.trigger,
      scope: r.scope,
      config_hash: r.config_hash,
      adapter_type: r.adapter_type,
      rocky_version: r.rocky_version,
      error: r.error,
      models_executed: ms.filter((m) => m.status !== "skipped").length,
      duration_ms: durationOf(r.started_at, r.finished_at),
      tests: tests.get(r.run_id) ?? null,
      models: ms.map((m) => ({
        model_name: m.model_name,
        duration_ms: m.duration_ms,
        rows_affected: m.rows_affected,
        status: m.status,
        target: m.target,
        sql_hash: m.sql_hash,
        error: m.error,
      })),
    };
  });
  return { runs: out, count: out.length } satisfies Payload<typeof HistoryOutput>;
}

export function modelHistoryPayload(
  store: StateStore,
  model: string,
  opts: { since?: string; limit: number },
) {
  const rows = modelHistory(store, model, {
    limit: opts.limit,
    ...(opts.since ? { since: opts.since } : {}),
  });
  const executions = rows.map((m) => ({
    run_id: m.run_id,
    started_at: m.started_at ?? "",
    finished_at: m.finished_at,
    duration_ms: m.duration_ms,
    rows_affected: m.rows_affected,
    status: m.status,
    sql_hash: m.sql_hash ?? "",
    target: m.target,
    error: m.error,
  }));
  return { model, executions, count: executions.length } satisfies Payload<typeof ModelHistoryOutput>;
}

/** A stored watermark as RFC 3339 when it is a timestamp (naive values are UTC). */
export function asTimestamp(value: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
    value.trim(),
  );
  if (!m) return /^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? `${value.trim()}T00:00:00Z` : undefined;
  let tz = m[3] ?? "Z";
  if (/^[+-]\d{2}$/.test(tz)) tz = `${tz}:00`;
  else if (/^[+-]\d{4}$/.test(tz)) tz = `${tz.slice(0, 3)}:${tz.slice(3)}`;
  return `${m[1]}T${m[2]}${tz}`;
}

export function statePayload(store: StateStore) {
  return {
    state_path: store.path,
    watermarks: listWatermarks(store).map((w) => ({
      table: w.table_key,
      model: w.model_name,
      column: w.column_name,
      // Rocky's schema wants a timestamp here; a non-time watermark (an id) shows when it was stored.
      last_value: asTimestamp(w.last_value) ?? w.updated_at,
      value: w.last_value,
      updated_at: w.updated_at,
      run_id: w.run_id,
    })),
  } satisfies Payload<typeof StateOutput>;
}
