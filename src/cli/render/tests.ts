/** Text of test results: `rocky test` and the test lines under each model of `rocky run`. */
import type { TestResult } from "../../testing/run.ts";
import { type TestOutcome, testPayload } from "../../testing/report.ts";
import { dim, green, red, yellow } from "../style.ts";

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
