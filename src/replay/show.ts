/** `rocky replay` without --execute: what exactly a recorded run did. Needs no warehouse. */
import type { Payload } from "../output/common.ts";
import type { ReplayOutput } from "../output/schemas/run.ts";
import { didYouMean, RockyError } from "../errors.ts";
import {
  allRunIds,
  getRun,
  latestRun,
  type ModelRunRow,
  modelRuns,
  type RunRow,
  statementsFor,
} from "../state/runs.ts";
import type { StateStore } from "../state/store.ts";
import type { ReplayResult } from "./execute.ts";
import { recordedTests } from "../testing/state.ts";

export function resolveRun(store: StateStore, id: string): RunRow {
  if (id === "latest") {
    const run = latestRun(store);
    if (!run)
      throw new RockyError("no runs recorded yet — nothing to replay", {
        hint: "run 'rocky run' first",
        code: "not_found",
      });
    return run;
  }
  const run = getRun(store, id);
  if (run) return run;
  const ids = allRunIds(store);
  const recent = ids.sort().reverse().slice(0, 3);
  throw new RockyError(`no run with id '${id}' in the state store`, {
    code: "not_found",
    hint:
      didYouMean(id, ids) ??
      (recent.length > 0
        ? `latest runs: ${recent.join(", ")} (see 'rocky history')`
        : "no runs recorded yet; run 'rocky run' first"),
  });
}

export function selectReplayModels(
  run: RunRow,
  models: ModelRunRow[],
  only: string | undefined,
): ModelRunRow[] {
  if (only === undefined) return models;
  const m = models.filter((x) => x.model_name === only);
  if (m.length === 0) {
    const names = models.map((x) => x.model_name);
    throw new RockyError(`run '${run.run_id}' did not execute model '${only}'`, {
      hint: didYouMean(only, names) ?? `it ran: ${names.join(", ") || "no models"}`,
    });
  }
  return m;
}

export function replayModelEntry(run: RunRow, m: ModelRunRow, store: StateStore, withSql: boolean) {
  // Skipped models never started; Rocky's schema still wants timestamps, so they carry the run's end.
  const fallback = run.finished_at ?? run.started_at;
  return {
    model_name: m.model_name,
    status: m.status,
    target: m.target,
    strategy: m.strategy,
    started_at: m.started_at ?? fallback,
    finished_at: m.finished_at ?? fallback,
    duration_ms: m.duration_ms,
    sql_hash: m.sql_hash ?? "",
    ...(m.rows_affected !== null ? { rows_affected: m.rows_affected } : {}),
    ...(m.bytes_written !== null ? { bytes_written: m.bytes_written } : {}),
    fingerprint:
      m.fingerprint_rows !== null && m.fingerprint_hash !== null
        ? { row_count: m.fingerprint_rows, hash: m.fingerprint_hash }
        : null,
    reads: m.reads,
    error: m.error,
    ...testsEntry(store, run.run_id, m.model_name),
    ...(withSql ? { sql: m.sql_hash ? (statementsFor(store, m.sql_hash) ?? []) : [] } : {}),
  };
}

/** The model's data test results in the run, when any were recorded. */
function testsEntry(store: StateStore, runId: string, model: string) {
  const tests = recordedTests(store, runId, model);
  return tests.length > 0 ? { tests } : {};
}

export type ReplayModelEntry = ReturnType<typeof replayModelEntry>;

export function replayPayload(
  store: StateStore,
  idOrLatest: string,
  opts: { model?: string; sql?: boolean },
) {
  const run = resolveRun(store, idOrLatest);
  const models = selectReplayModels(run, modelRuns(store, run.run_id), opts.model);
  return {
    run_id: run.run_id,
    status: run.status,
    trigger: run.trigger,
    scope: run.scope,
    started_at: run.started_at,
    finished_at: run.finished_at ?? run.started_at,
    config_hash: run.config_hash,
    adapter_type: run.adapter_type,
    models: models.map((m) => replayModelEntry(run, m, store, opts.sql === true)),
  } satisfies Payload<typeof ReplayOutput>;
}

export type ReplayPayload = Omit<ReturnType<typeof replayPayload>, "models"> & {
  models: (ReplayModelEntry & { replay?: ReplayResult })[];
  execute?: { schema: string; kept: boolean; identical: number; diverged: number; not_comparable: number };
};
