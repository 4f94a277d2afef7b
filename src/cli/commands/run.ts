import { alignColumns, plural, rowCount, seconds } from "../../format.ts";
import { type OpenLineageEmitter, openLineageEmitter } from "../../openlineage/emitter.ts";
import { defineCommand } from "citty";
import { findConfig, loadConfig } from "../../config/load.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import type { ModelResult, RunEvent, RunOutcome } from "../../run/engine.ts";
import { DEFAULT_SHADOW_SUFFIX } from "../../run/isolation.ts";
import { branchIsolation } from "../../branch/run.ts";
import { shadowFlags, threadsFlag } from "../flags.ts";
import { EXCLUDE_HELP, SELECT_HELP, selectionFlags } from "../selection.ts";
import { runPayload } from "../../run/report.ts";
import { resultLine, sampleLines } from "../render/tests.ts";
import { resolveTrigger, runProject } from "../../run/run.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";
import { isTerminal, writeStderr } from "../../runtime/stdio.ts";
import { RunProgress } from "../render/progress.ts";
import { colourOn, dim, green, isInteractive, red, terminalColumns, yellow } from "../style.ts";

const TRIGGERS = ["manual", "ci", "schedule", "sensor"];

// Moved to ../flags.ts (shared by every command with selection flags); re-exported for old importers.
export { repeated } from "../flags.ts";

/** The model's row of the run table: mark and name (every mark is one column wide), target, then what happened. */
function modelCells(m: ModelResult): string[] {
  if (m.status === "success") {
    const rows = m.rows === null ? (m.strategy === "view" ? "view" : "") : rowCount(m.rows);
    return [`${green("✓")} ${m.name}`, m.target, `${rows}  ${dim(seconds(m.durationMs))}`];
  }
  if (m.status === "failed") return [`${red("✗")} ${m.name}`, m.target, red(`failed: ${m.error ?? ""}`)];
  return [`${yellow("-")} ${m.name}`, m.target, yellow(`skipped: ${m.error ?? ""}`)];
}

/** The model's aligned line, then its failed tests and (on a branch) where it read from. */
function modelLine(m: ModelResult, head: string, isolated: boolean): string {
  const lines = [head];
  // Tests that did not pass, with a few failing rows (warnings do not fail the model).
  for (const t of m.tests ?? []) {
    if (t.status !== "pass") lines.push(`    ${resultLine(t).trim()}`, ...sampleLines(t, "        "));
  }
  if (isolated) {
    for (const r of m.reads.filter((x) => x.model !== undefined)) {
      const from =
        r.from !== "isolated"
          ? "production"
          : r.clone === "view"
            ? "the branch's view over production"
            : r.clone === "table"
              ? "the branch's zero-copy clone of production"
              : "isolated copy";
      lines.push(`      ${dim(`reads ${r.model} from ${from} ${r.table}`)}`);
    }
  }
  return lines.join("\n");
}

export interface RenderRunOptions {
  /** One line per model (off when live progress already showed them, or with --quiet). */
  models?: boolean;
  /** Model name → its file, for the failure recap. */
  files?: ReadonlyMap<string, string>;
}

/**
 * The failures and the models they skipped, repeated at the bottom where the eye lands
 * ("Completed with 1 error"): each with its file and the error, indented.
 */
export function renderRecap(o: RunOutcome, files?: ReadonlyMap<string, string>): string[] {
  const failed = o.models.filter((m) => m.status === "failed");
  const skipped = o.models.filter((m) => m.status === "skipped");
  if (failed.length === 0 && skipped.length === 0) return [];
  const interrupted = o.status === "interrupted";
  const parts = [
    ...(failed.length > 0 ? [plural(failed.length, "error")] : []),
    ...(skipped.length > 0 ? [`${skipped.length} ${interrupted ? "not run" : "skipped"}`] : []),
  ];
  const verb = interrupted ? "Interrupted" : "Completed";
  const lines = ["", (failed.length > 0 ? red : yellow)(`${verb} with ${parts.join(" and ")}:`)];
  const where = (name: string) => {
    const f = files?.get(name);
    return f === undefined ? "" : `  ${dim(`${f}:1`)}`;
  };
  for (const m of failed) {
    lines.push("", `  ${red("✗")} ${m.name}${where(m.name)}`);
    const text = (m.error ?? "failed").split("\n");
    const shown = text.slice(0, 12);
    for (const l of shown) lines.push(`      ${l}`);
    if (text.length > shown.length) lines.push(`      ${dim(`… ${text.length - shown.length} more lines`)}`);
  }
  if (skipped.length > 0) {
    lines.push("");
    for (const m of skipped) lines.push(`  ${yellow("-")} ${m.name}${where(m.name)}  ${dim(m.error ?? "")}`);
  }
  return lines;
}

export function renderRun(o: RunOutcome, opts: RenderRunOptions = {}): string {
  const isolated = o.scope !== "production";
  const heads = alignColumns(o.models.map(modelCells), "  ");
  const lines = opts.models === false ? [] : o.models.map((m, i) => modelLine(m, heads[i] ?? "", isolated));
  lines.push(...renderRecap(o, opts.files));
  const count = (s: string) => o.models.filter((m) => m.status === s).length;
  const colour = o.status === "success" ? green : o.status === "partial_failure" ? yellow : red;
  if (lines.length > 0) lines.push("");
  lines.push(
    `${colour(`Run ${o.runId} ${o.status}`)}: ${count("success")} succeeded, ${count("failed")} failed, ${count("skipped")} skipped in ${seconds(o.durationMs)} (scope: ${o.scope})`,
  );
  return lines.join("\n");
}

export default defineCommand({
  meta: {
    name: "run",
    description: `Execute the project's models on the warehouse, in DAG order, and record the run.

Independent models run in parallel; a failing model skips its descendants and the rest
goes on. Compile errors stop the run before any SQL. Every run is recorded in the state
store (see 'rocky history', 'rocky replay'). Ctrl-C finishes in-flight models, records
the run as interrupted and exits 130.

Example:
  rocky run
  rocky run --select +fct_orders --threads 4
  rocky run --select tag:finance,models/marts --exclude fct_legacy
  rocky run --quiet
  rocky run --shadow --model stg_orders -o json
  rocky run --branch fix-price --model stg_orders
  rocky run --changed main --branch pr-123      # what 'rocky diff main' says to rebuild`,
  },
  args: {
    base: {
      type: "positional",
      required: false,
      description:
        "With --changed: the git revision to compare with (default: merge base with the default branch)",
    },
    model: { type: "string", description: "Run only this model (repeatable)" },
    select: { type: "string", description: SELECT_HELP },
    exclude: { type: "string", description: EXCLUDE_HELP },
    threads: { type: "string", description: "Models executed at once (default: the adapter's)" },
    quiet: {
      type: "boolean",
      alias: "q",
      description: "Summary only: no line per model (failures are still listed)",
    },
    "fail-fast": { type: "boolean", description: "Stop at the first failed model" },
    "full-refresh": {
      type: "boolean",
      description: "Rebuild incremental, merge and delete_insert models from scratch",
    },
    shadow: {
      type: "boolean",
      description: "Write every model to a shadow target; production is not touched",
    },
    "shadow-suffix": {
      type: "string",
      description: `Shadow table suffix (default ${DEFAULT_SHADOW_SUFFIX}); implies --shadow`,
    },
    "shadow-schema": {
      type: "string",
      description: "Write shadow tables to this schema instead of suffixing; implies --shadow",
    },
    trigger: {
      type: "string",
      description: "manual | ci | schedule | sensor (default: ci when CI is set, else manual)",
    },
    branch: {
      type: "string",
      description: "Run in a named branch's schemas (see 'rocky branch'); conflicts with --shadow*",
    },
    changed: {
      type: "boolean",
      description:
        "--changed [BASE]: run the models 'rocky diff BASE' says to rebuild (changed models and the downstream models reading a changed column)",
    },
    openlineage: {
      type: "string",
      description:
        "Emit OpenLineage START/COMPLETE/FAIL events per model to FILE (one per line) or an http(s) URL (default: [openlineage] in rocky.toml)",
    },
    tests: {
      type: "boolean",
      default: true,
      description: "Run each model's [[tests]] right after building it (--no-tests skips them)",
    },
  },
  async run({ args, rawArgs }) {
    if (args.trigger !== undefined && !TRIGGERS.includes(args.trigger)) {
      throw new UsageError(
        `invalid value '${args.trigger}' for --trigger`,
        `use one of ${TRIGGERS.join(", ")}`,
      );
    }
    const threads = threadsFlag(args.threads);
    const shadow = shadowFlags(args);
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const trigger = resolveTrigger(args.trigger);
    const openlineage = args.openlineage ?? config.openlineage;

    // Live progress for a person watching: never in JSON mode, nor when stderr is piped.
    const progress =
      g.output !== "json" && isInteractive()
        ? new RunProgress({
            write: writeStderr,
            columns: terminalColumns,
            colour: colourOn(2),
            redraw: process.env.TERM !== "dumb",
            quiet: args.quiet === true,
          })
        : undefined;
    // First Ctrl-C/SIGTERM: drain in-flight models. Second: cancel their statements too.
    const drain = new AbortController();
    const cancel = new AbortController();
    const notify = (notice: string) => (progress ? progress.note(notice) : log(notice));
    const onSignal = () => {
      if (!drain.signal.aborted) {
        notify("interrupt: finishing in-flight models, then stopping (press Ctrl-C again to cancel them)");
        drain.abort();
      } else if (!cancel.signal.aborted) {
        notify("cancelling in-flight models… (Ctrl-C once more to quit at once)");
        cancel.abort();
      } else {
        // A driver that ignores cancellation must not trap the user; the writer lock of a
        // dead process is taken over by the next run (src/state/liveness.ts).
        log("quit without waiting for the warehouse");
        process.exit(130);
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const files = new Map<string, string>();
    const selection = await selectionFlags(rawArgs, g.config);
    let models = selection.models ?? [];
    const select = selection.select ?? [];
    if (args.base && !args.changed)
      throw new UsageError(
        `unexpected argument '${args.base}' for 'rocky run'`,
        "a revision goes after --changed",
      );
    if (args.changed) {
      const { changedSelection } = await import("../../diff/changed.ts");
      const chosen = await changedSelection(rawArgs, g.config, models.length > 0 || select.length > 0, log);
      if (chosen === undefined) {
        progress?.finish();
        return;
      }
      models = chosen;
    }
    let outcome: RunOutcome;
    let lineage: OpenLineageEmitter | undefined;
    try {
      outcome = await runProject({
        config,
        models,
        select,
        exclude: selection.exclude ?? [],
        ...(selection.changed ? { changed: selection.changed } : {}),
        ...(threads !== undefined ? { threads } : {}),
        failFast: args["fail-fast"] === true,
        fullRefresh: args["full-refresh"] === true,
        ...(shadow ? { shadow } : {}),
        ...(args.branch !== undefined
          ? { isolation: branchIsolation(args.branch), scope: `branch:${args.branch}` }
          : {}),
        trigger,
        tests: args.tests !== false && !rawArgs.includes("--no-tests"),
        signal: drain.signal,
        cancelSignal: cancel.signal,
        onCompiled: (compiled) => {
          for (const m of compiled.project.models) files.set(m.name, m.relPath);
          if (openlineage !== undefined) {
            const block = config.adapters.get("default") ?? [...config.adapters.values()][0];
            lineage = openLineageEmitter(openlineage, compiled, block?.type ?? "unknown");
          }
          progress?.setPhase("connecting");
        },
        ...(progress || openlineage !== undefined
          ? {
              onEvent: (e: RunEvent) => {
                progress?.onEvent(e);
                lineage?.onEvent(e);
              },
            }
          : {}),
      });
    } catch (e) {
      progress?.finish();
      throw e;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    progress?.finish(outcome.models);
    // Lineage delivery is a side channel: a down endpoint warns, it does not fail the run.
    await lineage?.flush().catch((e: Error) => log(`warning: ${e.message}`));
    // Per-model lines once: the progress already showed them on this terminal.
    const shownLive = progress !== undefined && isTerminal(1);
    const listModels = args.quiet !== true && !(shownLive && outcome.scope === "production");
    emit(envelope("run", runPayload(outcome, { trigger })), () =>
      renderRun(outcome, { models: listModels, files }),
    );
    if (outcome.status === "interrupted") throw new ExitCode(130);
    if (outcome.status !== "success") throw new ExitCode(1);
  },
});
