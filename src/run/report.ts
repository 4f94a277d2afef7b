/** The JSON payload of `rocky run` (Rocky 1.10's run.schema.json plus our per-model entries). */
import type { Payload } from "../output/common.ts";
import type { RunOutput } from "../output/schemas/run.ts";
import { runTestJson } from "../testing/report.ts";
import { type RunOutcome, tableKey } from "./engine.ts";

export function runPayload(o: RunOutcome, extra: { trigger: string }) {
  const failed = o.models.filter((m) => m.status === "failed");
  const ok = o.models.filter((m) => m.status === "success");
  const skipped = o.models.filter((m) => m.status === "skipped");
  const assetKey = (m: RunOutcome["models"][number]) => [
    m.targetRef.catalog ?? "",
    m.targetRef.schema,
    m.targetRef.table,
  ];
  return {
    run_id: o.runId,
    status: o.status as "success" | "partial_failure" | "failure" | "interrupted",
    scope: o.scope,
    trigger: extra.trigger,
    pipeline_type: "transformation",
    filter: "",
    duration_ms: o.durationMs,
    tables_copied: ok.length,
    tables_failed: failed.length,
    tables_skipped: skipped.length,
    excluded_tables: [] as never[],
    shadow: o.scope !== "production",
    materializations: ok.map((m) => ({
      asset_key: assetKey(m),
      rows_copied: m.rows,
      duration_ms: m.durationMs,
      metadata: {
        strategy: m.strategy,
        target_table_full_name: tableKey(m.targetRef),
        sql_hash: m.sqlHash,
        column_count: m.columnCount,
      },
    })),
    check_results: [] as never[],
    quarantine: [] as never[],
    anomalies: [] as never[],
    errors: failed.map((m) => ({
      asset_key: assetKey(m),
      error: `model '${m.name}' failed: ${m.error ?? "unknown error"}`,
    })),
    execution: {
      concurrency: o.threads,
      tables_processed: ok.length + failed.length,
      tables_failed: failed.length,
      adaptive_concurrency: false,
    },
    metrics: null,
    permissions: { grants_added: 0, grants_revoked: 0, catalogs_created: 0, schemas_created: 0 },
    drift: { tables_checked: 0, tables_drifted: 0, actions_taken: [] as never[] },
    partition_summaries: [] as never[],
    interrupted: o.interrupted,
    models: o.models.map((m) => ({
      model: m.name,
      target: m.target,
      strategy: m.strategy,
      status: m.status,
      rows: m.rows,
      duration_ms: m.durationMs,
      started_at: m.startedAt,
      finished_at: m.finishedAt,
      sql_hash: m.sqlHash,
      fingerprint: m.fingerprint ? { row_count: m.fingerprint.rowCount, hash: m.fingerprint.hash } : null,
      reads: m.reads,
      error: m.error,
      ...(m.tests ? { tests: m.tests.map(runTestJson) } : {}),
    })),
  } satisfies Payload<typeof RunOutput>;
}
