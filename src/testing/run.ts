/**
 * Execute data tests on built tables through the adapter contract: one query per test
 * (src/testing/sql.ts), several at once. Each result keeps what a user and the state need:
 * status, failing-row count, a few failing rows, the SQL and its duration.
 */
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { TestDef } from "./definitions.ts";
import { testQuery } from "./sql.ts";

export type TestStatus = "pass" | "fail" | "error";

export interface PlannedTest {
  model: string;
  test: TestDef;
  /** The table tested. */
  target: TableRef;
  /** A relationships test's other table. */
  parent?: TableRef;
}

export interface TestResult {
  model: string;
  label: string;
  /** `contract`: a model's built columns against its `[contract]` (src/testing/contract.ts). */
  type: TestDef["type"] | "contract";
  column: string | null;
  severity: "error" | "warning";
  status: TestStatus;
  /** Unquoted `catalog.schema.table` tested. */
  table: string;
  failingRows: number | null;
  /** Column names of the sample rows. */
  sampleColumns: string[];
  sample: unknown[][];
  sql: string;
  durationMs: number;
  /** `3 failing rows`, `row count 0 is below min 1`, or the execution error. */
  detail: string | null;
}

const plain = (v: unknown): unknown =>
  typeof v === "bigint"
    ? Number.isSafeInteger(Number(v))
      ? Number(v)
      : String(v)
    : v instanceof Date
      ? v.toISOString()
      : v;

function key(ref: TableRef): string {
  return [ref.catalog, ref.schema, ref.table].filter((p) => p !== undefined).join(".");
}

function detailOf(t: TestDef, failing: number, sample: unknown[][]): string {
  if (t.type === "row_count_range") {
    const n = Number(sample[0]?.[0]);
    if (t.min !== undefined && n < t.min) return `row count ${n} is below min ${t.min}`;
    return `row count ${n} is above max ${t.max}`;
  }
  if (t.type === "unique") return `${failing} duplicated key${failing === 1 ? "" : "s"}`;
  return `${failing} failing row${failing === 1 ? "" : "s"}`;
}

export async function runOneTest(adapter: Adapter, p: PlannedTest): Promise<TestResult> {
  const t = p.test;
  const sql = testQuery(t, adapter.dialect, p.target, p.parent);
  const base = {
    model: p.model,
    label: t.label,
    type: t.type,
    column: t.column ?? null,
    severity: t.severity,
    table: key(p.target),
    sql,
  };
  const t0 = performance.now();
  try {
    const r = await adapter.query(sql);
    const durationMs = Math.round(performance.now() - t0);
    const failing = Number(r.rows[0]?.[0] ?? 0);
    const sample = failing > 0 ? r.rows.map((row) => row.slice(1).map(plain)) : [];
    return {
      ...base,
      status: failing > 0 ? "fail" : "pass",
      failingRows: failing,
      sampleColumns: r.columns.slice(1).map((c) => c.name),
      sample,
      durationMs,
      detail: failing > 0 ? detailOf(t, failing, sample) : null,
    };
  } catch (e) {
    return {
      ...base,
      status: "error",
      failingRows: null,
      sampleColumns: [],
      sample: [],
      durationMs: Math.round(performance.now() - t0),
      detail: (e instanceof Error ? e.message : String(e)).trim(),
    };
  }
}

/** Run every planned test, `threads` at once; results keep the planned order. */
export async function runTests(
  adapter: Adapter,
  planned: PlannedTest[],
  threads: number,
): Promise<TestResult[]> {
  const out: TestResult[] = new Array(planned.length);
  let next = 0;
  const worker = async () => {
    while (next < planned.length) {
      const i = next++;
      out[i] = await runOneTest(adapter, planned[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(threads, planned.length)) }, worker));
  return out;
}

/** An error-severity test that did not pass (failed, or could not run) stops a model. */
export function blocking(r: TestResult): boolean {
  return r.severity === "error" && r.status !== "pass";
}

/** `not_null on orders.id: 3 failing rows` for a model's failure message. */
export function failureSummary(results: TestResult[]): string {
  return results
    .filter(blocking)
    .map((r) =>
      r.type === "contract"
        ? `contract of ${r.model} ${r.status === "error" ? "could not be checked" : "not met"}: ${r.detail ?? ""}`
        : `test ${r.label} ${r.status === "error" ? "could not run" : "failed"}: ${r.detail ?? ""}`,
    )
    .join("; ");
}
