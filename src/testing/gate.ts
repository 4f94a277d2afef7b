/**
 * The test gate of `branch promote` (SPEC §17): a promoted model that has tests must have
 * passed them on the branch. What counts is the newest test results for the model in the
 * branch's scope that are not older than the branch's latest execution of the model (its
 * `rocky run --branch`, or a later `rocky test --branch`). No results (the run used
 * `--no-tests`, or the model has not run since its tests were added) refuses too.
 * `--force --reason TEXT` overrides; the override is recorded.
 */
import { RockyError } from "../errors.ts";
import { nowIso, type StateStore } from "../state/store.ts";
import type { TestDef } from "./definitions.ts";

export interface GateRefusal {
  model: string;
  reason: string;
  /** Which gate refused: the tests (default) or the compare threshold (src/branch/compare-gate.ts). */
  gate?: "tests" | "compare";
}

/**
 * The models the test gate applies to: those with valid tests, and those with a
 * `[contract]` (its results are recorded with the tests; an empty list gates it too).
 */
export function gatedModels(
  models: readonly { name: string; contract?: unknown }[],
  tests: ReadonlyMap<string, TestDef[]>,
): Map<string, TestDef[]> {
  const out = new Map(tests);
  for (const m of models) if (m.contract !== undefined && !out.has(m.name)) out.set(m.name, []);
  return out;
}

interface Row {
  run_id: string;
  label: string;
  severity: string;
  status: string;
  failing_rows: number | null;
  detail: string | null;
}

/** Why each promoted model with tests may not be promoted (empty: the gate passes). */
export function testGate(
  store: StateStore,
  branch: string,
  models: readonly string[],
  tests: ReadonlyMap<string, TestDef[]>,
): GateRefusal[] {
  const scope = `branch:${branch}`;
  const out: GateRefusal[] = [];
  for (const model of models) {
    if (!tests.has(model)) continue;
    const exec = store.db
      .query(
        `SELECT m.run_id, coalesce(m.started_at, r.started_at) AS started_at FROM model_runs m JOIN runs r ON r.run_id = m.run_id
         WHERE r.scope = ? AND m.model_name = ? AND m.status <> 'skipped' ORDER BY r.started_at DESC LIMIT 1`,
      )
      .get(scope, model) as { run_id: string; started_at: string } | null;
    if (!exec) {
      out.push({ model, reason: "the branch has no run of it" });
      continue;
    }
    const latest = store.db
      .query(
        `SELECT run_id FROM test_results WHERE scope = ? AND model_name = ? AND (run_id = ? OR executed_at >= ?)
         ORDER BY executed_at DESC LIMIT 1`,
      )
      .get(scope, model, exec.run_id, exec.started_at) as { run_id: string } | null;
    if (!latest) {
      out.push({ model, reason: `its tests did not run in the branch's latest run of it (${exec.run_id})` });
      continue;
    }
    const rows = store.db
      .query(
        "SELECT run_id, label, severity, status, failing_rows, detail FROM test_results WHERE run_id = ? AND model_name = ? ORDER BY seq",
      )
      .all(latest.run_id, model) as Row[];
    const bad = rows.filter((r) => r.severity === "error" && r.status !== "pass");
    if (bad.length > 0)
      out.push({
        model,
        reason: `${bad.map((r) => `${r.label} ${r.status === "error" ? "could not run" : "failed"}${r.detail ? ` (${r.detail})` : ""}`).join(", ")} in ${latest.run_id}`,
      });
  }
  return out;
}

/** The refusal as an error a user can act on. */
export function gateError(branch: string, refusals: GateRefusal[]): RockyError {
  const n = refusals.length;
  const models = `${n} model${n === 1 ? "" : "s"}`;
  const onlyTests = refusals.every((r) => r.gate !== "compare");
  const onlyCompare = refusals.every((r) => r.gate === "compare");
  const what = onlyTests
    ? `${models} did not pass ${n === 1 ? "its" : "their"} tests on the branch`
    : onlyCompare
      ? `${models} changed more than the promote threshold allows`
      : `${models} did not pass the test or compare gate`;
  const fix = [
    ...(onlyCompare ? [] : [`fix and 'rocky run --branch ${branch}' (or 'rocky test --branch ${branch}')`]),
    ...(onlyTests
      ? []
      : [
          `check the changes with 'rocky branch compare ${branch}', raise the threshold (--max-changed-pct N or [branch] promote_max_changed_pct)`,
        ]),
  ];
  return new RockyError(
    `branch '${branch}' cannot be promoted: ${what}\n${refusals.map((r) => `  ${r.model}: ${r.reason}`).join("\n")}`,
    { hint: `${fix.join(", or ")}, or override with --force --reason "..."`, code: "error" },
  );
}

export function recordOverride(
  store: StateStore,
  o: { runId: string; branch: string; forcedBy: string; reason: string; refusals: GateRefusal[] },
): void {
  store.db
    .query(
      "INSERT OR REPLACE INTO promote_overrides(run_id, branch, forced_by, forced_at, reason, refusals) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run(o.runId, o.branch, o.forcedBy, nowIso(), o.reason, JSON.stringify(o.refusals));
}

/**
 * The gate as `branch promote` applies it: throws when it refuses and `force` is not set;
 * otherwise returns what to do once the promote is recorded (record the override).
 */
export function applyPromoteGate(
  store: StateStore,
  branch: string,
  models: readonly string[],
  tests: ReadonlyMap<string, TestDef[]>,
  opts: { force: boolean; reason?: string; notice: (line: string) => void; extra?: GateRefusal[] },
): (promoteRunId: string) => void {
  const refusals = [...testGate(store, branch, models, tests), ...(opts.extra ?? [])];
  if (refusals.length === 0) return () => undefined;
  if (!opts.force) throw gateError(branch, refusals);
  const forcedBy = process.env.USER || "unknown";
  opts.notice(
    `warning: promoting '${branch}' over its ${refusals.every((r) => r.gate !== "compare") ? "test gate" : "gates"} (--force by ${forcedBy}: ${opts.reason}):\n${refusals.map((r) => `  ${r.model}: ${r.reason}`).join("\n")}`,
  );
  return (runId) => recordOverride(store, { runId, branch, forcedBy, reason: opts.reason ?? "", refusals });
}

/** `branch promote --dry-run`: what would be published and what the test gate says; nothing is written. */
export function promoteDryRun(
  store: StateStore,
  branch: string,
  built: readonly { model: { name: string }; kind: "table" | "view"; from: string; to: string }[],
  tests: ReadonlyMap<string, TestDef[]>,
  force: boolean,
  compare: { maxChangedPct: number; refusals: GateRefusal[] } | undefined = undefined,
) {
  const refusals = [
    ...testGate(
      store,
      branch,
      built.map((b) => b.model.name),
      tests,
    ),
    ...(compare?.refusals ?? []),
  ];
  return {
    branch,
    dry_run: true as const,
    targets: built.map((b) => ({ model: b.model.name, from: b.from, to: b.to, kind: b.kind })),
    gate: { passed: refusals.length === 0, refusals },
    /** The compare gate's threshold; null: not configured. */
    compare_threshold_pct: compare?.maxChangedPct ?? null,
    would_promote: refusals.length === 0 || force,
  };
}

export type PromoteDryRun = ReturnType<typeof promoteDryRun>;
