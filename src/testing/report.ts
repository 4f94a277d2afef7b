/** `rocky test` output: the JSON payload (schemas/test.schema.json) and the text. */
import { dim, green, red, yellow } from "../cli/style.ts";
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
  };
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

const cell = (v: unknown): string =>
  v === null || v === undefined ? "NULL" : typeof v === "string" ? v : JSON.stringify(v);

/** A few failing rows as `col=value` lines under a result. */
export function sampleLines(r: TestResult, indent = "      "): string[] {
  if (r.status !== "fail" || r.type === "row_count_range") return [];
  return r.sample.map(
    (row) => `${indent}${dim(row.map((v, i) => `${r.sampleColumns[i]}=${cell(v)}`).join("  "))}`,
  );
}

export function resultLine(r: TestResult): string {
  if (r.status === "pass") return `  ${green("✓")} ${r.label}`;
  const mark = r.status === "error" ? red("!") : r.severity === "warning" ? yellow("⚠") : red("✗");
  const what = r.status === "error" ? `could not run: ${r.detail ?? ""}` : (r.detail ?? "");
  return `  ${mark} ${r.label} — ${what}`;
}

export function renderTests(o: TestOutcome): string {
  if (o.results.length === 0) return "No declarative tests found.";
  const p = testPayload(o).declarative;
  const lines = [`Declarative tests: ${p.total} total (scope: ${o.scope})`, ""];
  for (const r of o.results) lines.push(resultLine(r), ...sampleLines(r));
  const colour = p.failed > 0 || p.errored > 0 ? red : p.warned > 0 ? yellow : green;
  lines.push(
    "",
    `  ${colour("Result")}: ${p.passed} passed, ${p.failed} failed, ${p.warned} warned, ${p.errored} errored`,
  );
  return lines.join("\n");
}
