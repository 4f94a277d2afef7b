/**
 * JSON of `run`, `history`, `state` and `replay`. Each extends Rocky 1.10's published
 * schema of the same name: its fields keep their names and types, ours are added.
 */
import * as v from "valibot";
import { envelopeFields } from "../common.ts";
import { RunTestResult } from "./test.ts";

const uint = v.pipe(v.number(), v.integer(), v.minValue(0));
const nullableUint = v.nullable(uint);

export const ReadSchema = v.object({
  model: v.optional(v.string()),
  table: v.string(),
  from: v.picklist(["isolated", "production", "source"]),
  /** The isolated object is `branch create --clone`'s zero-copy start: a view over production (or a native clone). */
  clone: v.optional(v.picklist(["view", "table"])),
  /** The run (and its SQL) that built the isolated table read: recorded by a promote, for replay. */
  built_by: v.optional(v.object({ run_id: v.string(), sql_hash: v.string() })),
});

export const FingerprintSchema = v.object({ row_count: uint, hash: v.string() });

export const RunModelSchema = v.object({
  model: v.string(),
  target: v.string(),
  strategy: v.string(),
  status: v.picklist(["success", "failed", "skipped"]),
  rows: nullableUint,
  duration_ms: uint,
  started_at: v.nullable(v.string()),
  finished_at: v.nullable(v.string()),
  sql_hash: v.nullable(v.string()),
  fingerprint: v.nullable(FingerprintSchema),
  reads: v.array(ReadSchema),
  error: v.nullable(v.string()),
  /** The model's data tests in this run, when it has any and they ran. */
  tests: v.optional(v.array(RunTestResult)),
});

const MaterializationSchema = v.object({
  asset_key: v.array(v.string()),
  rows_copied: nullableUint,
  duration_ms: uint,
  metadata: v.object({
    strategy: v.string(),
    target_table_full_name: v.nullable(v.string()),
    sql_hash: v.nullable(v.string()),
    column_count: nullableUint,
  }),
});

export const RunOutput = v.object({
  ...envelopeFields,
  run_id: v.string(),
  status: v.picklist(["success", "partial_failure", "failure", "interrupted"]),
  scope: v.string(),
  trigger: v.string(),
  pipeline_type: v.string(),
  filter: v.string(),
  duration_ms: uint,
  tables_copied: uint,
  tables_failed: uint,
  tables_skipped: uint,
  excluded_tables: v.array(v.never()),
  shadow: v.boolean(),
  materializations: v.array(MaterializationSchema),
  check_results: v.array(v.never()),
  quarantine: v.array(v.never()),
  anomalies: v.array(v.never()),
  errors: v.array(v.object({ asset_key: v.array(v.string()), error: v.string() })),
  execution: v.object({
    concurrency: uint,
    tables_processed: uint,
    tables_failed: uint,
    adaptive_concurrency: v.boolean(),
  }),
  metrics: v.null(),
  permissions: v.object({
    grants_added: uint,
    grants_revoked: uint,
    catalogs_created: uint,
    schemas_created: uint,
  }),
  drift: v.object({ tables_checked: uint, tables_drifted: uint, actions_taken: v.array(v.never()) }),
  partition_summaries: v.array(v.never()),
  interrupted: v.boolean(),
  models: v.array(RunModelSchema),
});

const HistoryModel = v.object({
  model_name: v.string(),
  duration_ms: uint,
  rows_affected: nullableUint,
  status: v.string(),
  target: v.string(),
  sql_hash: v.nullable(v.string()),
  error: v.nullable(v.string()),
});

export const HistoryOutput = v.object({
  ...envelopeFields,
  runs: v.array(
    v.object({
      run_id: v.string(),
      started_at: v.string(),
      finished_at: v.nullable(v.string()),
      status: v.string(),
      /** The command that recorded the run: run, seed, branch promote, branch rollback, replay… */
      command: v.string(),
      trigger: v.string(),
      scope: v.string(),
      config_hash: v.string(),
      adapter_type: v.string(),
      rocky_version: v.string(),
      /** Why the run stopped early (compile errors, warehouse unreachable, crash). */
      error: v.nullable(v.string()),
      models_executed: uint,
      duration_ms: uint,
      /** How the run's data tests went; null when none ran. */
      tests: v.nullable(v.object({ total: uint, passed: uint, failed: uint, warned: uint, errored: uint })),
      models: v.array(HistoryModel),
    }),
  ),
  count: uint,
});

export const ModelHistoryOutput = v.object({
  ...envelopeFields,
  model: v.string(),
  executions: v.array(
    v.object({
      run_id: v.string(),
      started_at: v.string(),
      finished_at: v.nullable(v.string()),
      duration_ms: uint,
      rows_affected: nullableUint,
      status: v.string(),
      sql_hash: v.string(),
      target: v.string(),
      error: v.nullable(v.string()),
    }),
  ),
  count: uint,
});

export const StateOutput = v.object({
  ...envelopeFields,
  state_path: v.string(),
  watermarks: v.array(
    v.object({
      table: v.string(),
      model: v.string(),
      column: v.string(),
      /** The watermark as an RFC 3339 timestamp (UTC assumed for naive values). */
      last_value: v.string(),
      /** The stored value exactly as compared in SQL. */
      value: v.string(),
      updated_at: v.string(),
      run_id: v.nullable(v.string()),
    }),
  ),
});

const Verdict = v.object({
  verdict: v.picklist(["identical", "diverged", "not_comparable"]),
  reason: v.nullable(v.string()),
  recorded: v.nullable(FingerprintSchema),
  replayed: v.nullable(FingerprintSchema),
  replay_target: v.nullable(v.string()),
  error: v.nullable(v.string()),
  /** The model's recorded data tests, run again on the replayed table. */
  tests: v.optional(
    v.array(
      v.object({
        name: v.string(),
        recorded_status: v.string(),
        recorded_failing_rows: nullableUint,
        status: v.picklist(["pass", "fail", "error"]),
        failing_rows: nullableUint,
        error: v.nullable(v.string()),
      }),
    ),
  ),
});

export const ReplayModelSchema = v.object({
  model_name: v.string(),
  status: v.string(),
  target: v.string(),
  strategy: v.string(),
  started_at: v.string(),
  finished_at: v.string(),
  duration_ms: uint,
  sql_hash: v.string(),
  rows_affected: v.optional(uint),
  bytes_written: v.optional(uint),
  fingerprint: v.nullable(FingerprintSchema),
  reads: v.array(ReadSchema),
  error: v.nullable(v.string()),
  sql: v.optional(v.array(v.string())),
  replay: v.optional(Verdict),
  /** The model's data test results recorded in the run. */
  tests: v.optional(v.array(RunTestResult)),
});

export const ReplayOutput = v.object({
  ...envelopeFields,
  run_id: v.string(),
  status: v.string(),
  trigger: v.string(),
  scope: v.string(),
  started_at: v.string(),
  finished_at: v.string(),
  config_hash: v.string(),
  adapter_type: v.string(),
  models: v.array(ReplayModelSchema),
  execute: v.optional(
    v.object({
      schema: v.string(),
      kept: v.boolean(),
      identical: uint,
      diverged: uint,
      not_comparable: uint,
    }),
  ),
});

export const schemas = {
  run: RunOutput,
  history: HistoryOutput,
  model_history: ModelHistoryOutput,
  state: StateOutput,
  replay: ReplayOutput,
};
