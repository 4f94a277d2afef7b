import { defineCommand } from "citty";
import { findConfig, loadConfig } from "../../config/load.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { type ReplayPayload, replayPayload } from "../../replay/show.ts";
import { openState } from "../../state/store.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";
import { dim, green, red, yellow } from "../style.ts";

function renderReplay(p: ReplayPayload, showSql: boolean): string {
  const lines = [
    `run:          ${p.run_id}`,
    `status:       ${p.status}`,
    `trigger:      ${p.trigger}`,
    `scope:        ${p.scope}`,
    `started_at:   ${p.started_at}`,
    `finished_at:  ${p.finished_at}`,
    `config_hash:  ${p.config_hash}`,
    `models (${p.models.length}):`,
  ];
  for (const m of p.models) {
    const parts = [`  ${m.model_name}`, m.status, m.target, `sql_hash=${m.sql_hash.slice(0, 12) || "-"}`];
    if (m.rows_affected !== undefined) parts.push(`rows=${m.rows_affected}`);
    if (m.bytes_written !== undefined) parts.push(`bytes_written=${m.bytes_written}`);
    parts.push(`duration_ms=${m.duration_ms}`);
    lines.push(parts.join("  "));
    if (m.error) lines.push(`    ${red(`error: ${m.error}`)}`);
    for (const t of m.tests ?? []) {
      const sev = t.severity === "warning" ? " (warning)" : "";
      const detail = t.detail && t.status !== "pass" ? ` — ${t.detail}` : "";
      lines.push(`    test ${t.name}: ${t.status}${sev}${detail}`);
    }
    if (m.replay) {
      const v = m.replay.verdict;
      const c = v === "identical" ? green : v === "diverged" ? red : yellow;
      lines.push(`    replay: ${c(v)}${m.replay.reason ? dim(` (${m.replay.reason})`) : ""}`);
      if (m.replay.error) lines.push(`    ${dim(m.replay.error)}`);
      for (const t of m.replay.tests ?? []) {
        const same = t.status === t.recorded_status && t.failing_rows === t.recorded_failing_rows;
        lines.push(
          `    replayed test ${t.name}: ${t.status}${t.failing_rows !== null ? ` (${t.failing_rows} failing)` : ""}, recorded ${t.recorded_status}${same ? "" : yellow(" (differs)")}`,
        );
      }
    }
    if (showSql && m.sql) {
      for (const s of m.sql) lines.push(...`${s};`.split("\n").map((l) => `    ${l}`), "");
    }
  }
  if (p.execute) {
    const e = p.execute;
    lines.push(
      "",
      `Replayed into schema ${e.schema} (${e.kept ? "kept" : "dropped"}): ${e.identical} identical, ${e.diverged} diverged, ${e.not_comparable} not comparable`,
    );
  }
  return lines.join("\n");
}

export default defineCommand({
  meta: {
    name: "replay",
    description: `Show exactly what a recorded run did, or re-execute its recorded SQL.

Without --execute, only the state store is read. With --execute, the SQL recorded for
each model (not today's files) runs again into an isolated replay__<run_id> schema and
each output fingerprint is compared with the recorded one: identical, diverged, or
not_comparable with the reason. Production is never written. Exits 1 when a model diverged.

Example:
  rocky replay latest
  rocky replay run-20260420-101502-123 --model stg_orders --sql
  rocky replay latest --execute`,
  },
  args: {
    run: { type: "positional", required: true, description: "A run id, or 'latest'" },
    model: { type: "string", description: "Only this model" },
    sql: { type: "boolean", description: "Print the recorded SQL statements" },
    execute: {
      type: "boolean",
      description: "Re-run the recorded SQL into replay__<run_id> and compare fingerprints",
    },
    keep: { type: "boolean", description: "With --execute: keep the replay schema instead of dropping it" },
  },
  async run({ args }) {
    if (args.keep && !args.execute) throw new UsageError("--keep only applies with --execute");
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const store = openState(config.statePath);
    let payload: ReplayPayload;
    try {
      payload = replayPayload(store, String(args.run), {
        ...(args.model !== undefined ? { model: args.model } : {}),
        sql: args.sql === true,
      });
      if (args.execute) {
        // Only --execute needs the warehouse: import it (and its driver) here.
        const [{ executeReplay }, { getRun, modelRuns }] = await Promise.all([
          import("../../replay/execute.ts"),
          import("../../state/runs.ts"),
        ]);
        const run = getRun(store, payload.run_id)!;
        const all = modelRuns(store, run.run_id);
        const selected = all.filter((m) => payload.models.some((x) => x.model_name === m.model_name));
        const ex = await executeReplay(store, config, run, all, selected, { keep: args.keep === true });
        const counts = { identical: 0, diverged: 0, not_comparable: 0 };
        payload = {
          ...payload,
          models: payload.models.map((m) => {
            const r = ex.results.get(m.model_name);
            if (r) counts[r.verdict]++;
            return r ? { ...m, replay: r } : m;
          }),
          execute: { schema: ex.schema, kept: ex.kept, ...counts },
        };
      }
    } finally {
      store.close();
    }
    const final = payload;
    emit(envelope("replay", final), () => renderReplay(final, args.sql === true));
    if (final.execute && final.execute.diverged > 0) throw new ExitCode(1);
  },
});
