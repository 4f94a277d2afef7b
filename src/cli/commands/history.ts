import { defineCommand } from "citty";
import { findConfig, readStatePath } from "../../config/locate.ts";
import { UsageError } from "../../errors.ts";
import { seconds, textTable } from "../../format.ts";
import { historyPayload, modelHistoryPayload, parseSince } from "../../state/report.ts";
import { openState } from "../../state/store.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";
import { dim, green, red, yellow } from "../style.ts";

const secs = seconds;
const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
const statusColour = (s: string) =>
  s === "success"
    ? green(s)
    : s === "partial_failure" || s === "skipped" || s === "running"
      ? yellow(s)
      : red(s);

const table = (header: string[], rows: string[][]) => textTable(header, rows, dim);

export default defineCommand({
  meta: {
    name: "history",
    description: `Past runs from the state store, newest first, or one model's executions.

Example:
  rocky history
  rocky history --model stg_orders --since 2026-04-01 -o json`,
  },
  args: {
    model: { type: "string", description: "Show this model's executions" },
    since: {
      type: "string",
      description: "Only runs started at or after this date (YYYY-MM-DD or RFC 3339)",
    },
    limit: { type: "string", description: "At most this many entries (default 50)" },
  },
  async run({ args }) {
    const limit = args.limit === undefined ? 50 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`invalid value '${args.limit}' for --limit`);
    const since = args.since !== undefined ? parseSince(args.since) : undefined;
    const g = globals();
    // Only the state path is read from rocky.toml: validating the whole file (valibot) cost
    // a third of this read-only command's start-up (SPEC §12).
    const store = openState(await readStatePath(findConfig(g.config), g.statePath));
    try {
      const opts = { limit, ...(since ? { since } : {}) };
      if (args.model !== undefined) {
        const p = modelHistoryPayload(store, args.model, opts);
        emit(envelope("history", p), () => {
          if (p.count === 0) return `No executions of model '${p.model}' recorded.`;
          const rows = p.executions.map((e) => [
            when(e.started_at),
            secs(e.duration_ms),
            e.rows_affected === null ? "-" : String(e.rows_affected),
            statusColour(e.status),
            e.sql_hash.slice(0, 8),
            e.run_id,
          ]);
          return `${table(["STARTED", "DURATION", "ROWS", "STATUS", "SQL HASH", "RUN"], rows)}\n\nTotal executions: ${p.count}`;
        });
        return;
      }
      const p = historyPayload(store, opts);
      emit(envelope("history", p), () => {
        if (p.count === 0) return "No runs recorded yet. Run 'rocky run' first.";
        const rows = p.runs.map((r) => {
          const ok = r.models.filter((m) => m.status === "success").length;
          return [
            r.run_id,
            when(r.started_at),
            statusColour(r.status),
            r.command,
            r.trigger,
            r.scope,
            `${ok}/${r.models.length}`,
            r.tests ? `${r.tests.passed}/${r.tests.total}` : "-",
            secs(r.duration_ms),
          ];
        });
        return `${table(["RUN ID", "STARTED", "STATUS", "COMMAND", "TRIGGER", "SCOPE", "MODELS OK", "TESTS OK", "DURATION"], rows)}\n\nTotal runs: ${p.count}`;
      });
    } finally {
      store.close();
    }
  },
});
