/** `rocky test` output: the JSON payload (schemas/test.schema.json) and the text. */
import type { Payload } from "../output/common.ts";
import type { TestOutput } from "../output/schemas/test.ts";
import type { TestResult } from "./run.ts";

export interface TestOutcome {
  scope: string;
  testRunId: string | null;
  durationMs: number;
  results: TestResult[];
}

export function testPayload(o: TestOutcome) {
  const r = o.results;
  return {
    total: 0,
    passed: 0,
    failed: 0,
    failures: [] as { name: string; error: string }[],
    declarative: {
      total: r.length,
      passed: r.filter((x) => x.status === "pass").length,
      failed: r.filter((x) => x.status === "fail" && x.severity === "error").length,
      warned: r.filter((x) => x.status === "fail" && x.severity === "warning").length,
      errored: r.filter((x) => x.status === "error").length,
      results: r.map((x) => ({
        model: x.model,
        table: x.table,
        test_type: x.type,
        column: x.column,
        status: x.status,
        severity: x.severity,
        detail: x.detail,
        sql: x.sql,
        name: x.label,
        failing_rows: x.failingRows,
        sample: { columns: x.sampleColumns, rows: x.sample },
        duration_ms: x.durationMs,
      })),
    },
    scope: o.scope,
    test_run_id: o.testRunId,
    duration_ms: o.durationMs,
  } satisfies Payload<typeof TestOutput>;
}

/** A result as `rocky run -o json` lists it under its model. */
export function runTestJson(x: TestResult) {
  return {
    name: x.label,
    test_type: x.type,
    column: x.column,
    severity: x.severity,
    status: x.status,
    failing_rows: x.failingRows,
    detail: x.detail,
    sample: { columns: x.sampleColumns, rows: x.sample },
    sql: x.sql,
    duration_ms: x.durationMs,
  };
}
