/**
 * JSON of `rocky test`: Rocky 1.10's test.schema.json (its `declarative` block carries
 * the results; the top-level counts are its local-mode ones, always 0 here) plus ours:
 * per result the label, failing-row count, a sample and the duration; the scope and the id
 * the results are recorded under.
 */
import * as v from "valibot";
import { envelopeFields } from "../common.ts";

const uint = v.pipe(v.number(), v.integer(), v.minValue(0));

export const DeclarativeTestResult = v.object({
  model: v.string(),
  /** Fully-qualified table tested (catalog.schema.table, unquoted). */
  table: v.string(),
  test_type: v.string(),
  column: v.nullable(v.string()),
  status: v.picklist(["pass", "fail", "error"]),
  severity: v.picklist(["error", "warning"]),
  /** `3 failing rows`, `row count 0 is below min 1`, or the execution error. */
  detail: v.nullable(v.string()),
  sql: v.string(),
  // Ours:
  name: v.string(),
  failing_rows: v.nullable(uint),
  sample: v.object({ columns: v.array(v.string()), rows: v.array(v.array(v.unknown())) }),
  duration_ms: uint,
});

/** One test of a model in `rocky run -o json` (models[].tests). */
export const RunTestResult = v.object({
  name: v.string(),
  test_type: v.string(),
  column: v.nullable(v.string()),
  severity: v.picklist(["error", "warning"]),
  status: v.picklist(["pass", "fail", "error"]),
  failing_rows: v.nullable(uint),
  detail: v.nullable(v.string()),
  sample: v.object({ columns: v.array(v.string()), rows: v.array(v.array(v.unknown())) }),
  sql: v.string(),
  duration_ms: uint,
});

export const TestOutput = v.object({
  ...envelopeFields,
  total: uint,
  passed: uint,
  failed: uint,
  failures: v.array(v.object({ name: v.string(), error: v.string() })),
  declarative: v.object({
    total: uint,
    passed: uint,
    failed: uint,
    warned: uint,
    errored: uint,
    results: v.array(DeclarativeTestResult),
  }),
  // Ours:
  scope: v.string(),
  /** Id the results are stored under in the state (`test_results`), null when not recorded. */
  test_run_id: v.nullable(v.string()),
  duration_ms: uint,
});

/** `rocky branch promote --dry-run`: what would be published and the test gate's verdict. */
export const PromoteDryRunOutput = v.object({
  ...envelopeFields,
  branch: v.string(),
  dry_run: v.literal(true),
  targets: v.array(
    v.object({ model: v.string(), from: v.string(), to: v.string(), kind: v.picklist(["table", "view"]) }),
  ),
  gate: v.object({
    passed: v.boolean(),
    refusals: v.array(
      v.object({
        model: v.string(),
        reason: v.string(),
        /** Which gate refused; absent: the tests. */
        gate: v.optional(v.picklist(["tests", "compare"])),
      }),
    ),
  }),
  /** `--max-changed-pct` / `[branch] promote_max_changed_pct`; null when the compare gate is off. */
  compare_threshold_pct: v.optional(v.nullable(v.number())),
  /** False when the gate refuses and --force was not given (exit 1). */
  would_promote: v.boolean(),
});

export const schemas = { test: TestOutput, branch_promote_dry_run: PromoteDryRunOutput };
