import { defineCommand } from "citty";
import { findConfig, loadConfig } from "../../config/load.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import type { ModelResult, RunEvent, RunOutcome } from "../../run/engine.ts";
import { DEFAULT_SHADOW_SUFFIX } from "../../run/isolation.ts";
import { branchIsolation, checkBranchFlags } from "../../branch/run.ts";
import { runPayload } from "../../run/report.ts";
import { resultLine, sampleLines } from "../../testing/report.ts";
import { resolveTrigger, runProject } from "../../run/run.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";
import { dim, green, isInteractive, red, yellow } from "../style.ts";

const TRIGGERS = ["manual", "ci", "schedule", "sensor"];

/** citty keeps only the last value of a repeated flag; `--model a --model b` must keep both. */
export function repeated(rawArgs: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${flag}` && rawArgs[i + 1] !== undefined) out.push(rawArgs[++i]!);
    else if (a.startsWith(`--${flag}=`)) out.push(a.slice(flag.length + 3));
  }
  return out;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

function modelLine(m: ModelResult, width: number, targetWidth: number, isolated: boolean): string {
  const name = m.name.padEnd(width);
  const target = m.target.padEnd(targetWidth);
  const lines: string[] = [];
  if (m.status === "success") {
    const rows =
      m.rows === null ? (m.strategy === "view" ? "view" : "") : `${m.rows.toLocaleString("en-US")} rows`;
    lines.push(`  ${green("✓")} ${name}  ${target}  ${rows}  ${dim(secs(m.durationMs))}`);
  } else if (m.status === "failed") {
    lines.push(`  ${red("✗")} ${name}  ${target}  ${red(`failed: ${m.error ?? ""}`)}`);
  } else {
    lines.push(`  ${yellow("-")} ${name}  ${target}  ${yellow(`skipped: ${m.error ?? ""}`)}`);
  }
  // Tests that did not pass, with a few failing rows (warnings do not fail the model).
  for (const t of m.tests ?? []) {
    if (t.status !== "pass") lines.push(`    ${resultLine(t).trim()}`, ...sampleLines(t, "        "));
  }
  if (isolated) {
    for (const r of m.reads.filter((x) => x.model !== undefined)) {
      const from = r.from === "isolated" ? "isolated copy" : "production";
      lines.push(`      ${dim(`reads ${r.model} from ${from} ${r.table}`)}`);
    }
  }
  return lines.join("\n");
}

export function renderRun(o: RunOutcome): string {
  const width = Math.max(0, ...o.models.map((m) => m.name.length));
  const isolated = o.scope !== "production";
  const targetWidth = Math.max(0, ...o.models.map((m) => m.target.length));
  const lines = o.models.map((m) => modelLine(m, width, targetWidth, isolated));
  const count = (s: string) => o.models.filter((m) => m.status === s).length;
  const colour = o.status === "success" ? green : o.status === "partial_failure" ? yellow : red;
  lines.push(
    "",
    `${colour(`Run ${o.runId} ${o.status}`)}: ${count("success")} succeeded, ${count("failed")} failed, ${count("skipped")} skipped in ${secs(o.durationMs)} (scope: ${o.scope})`,
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
  rocky run --shadow --model stg_orders -o json
  rocky run --branch fix-price --model stg_orders`,
  },
  args: {
    model: { type: "string", description: "Run only this model (repeatable)" },
    select: {
      type: "string",
      description: "name, +name (with ancestors) or name+ (with descendants); repeatable",
    },
    threads: { type: "string", description: "Models executed at once (default: the adapter's)" },
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
    let threads: number | undefined;
    if (args.threads !== undefined) {
      threads = Number(args.threads);
      if (!Number.isInteger(threads) || threads < 1)
        throw new UsageError(
          `invalid value '${args.threads}' for --threads`,
          "use a whole number of at least 1",
        );
    }
    checkBranchFlags({
      ...(args.branch !== undefined ? { branch: args.branch } : {}),
      shadow: args.shadow === true || args["shadow-suffix"] !== undefined,
      ...(args["shadow-schema"] !== undefined ? { shadowSchema: args["shadow-schema"] } : {}),
    });
    if (args["shadow-suffix"] !== undefined && args["shadow-schema"] !== undefined) {
      throw new UsageError(
        "--shadow-suffix and --shadow-schema conflict",
        "a shadow run either suffixes tables or moves them to another schema",
      );
    }
    const shadow =
      args.shadow || args["shadow-suffix"] !== undefined || args["shadow-schema"] !== undefined
        ? {
            ...(args["shadow-suffix"] !== undefined ? { suffix: args["shadow-suffix"] } : {}),
            ...(args["shadow-schema"] !== undefined ? { schema: args["shadow-schema"] } : {}),
          }
        : undefined;
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const trigger = resolveTrigger(args.trigger);

    // First Ctrl-C/SIGTERM: drain in-flight models. Second: cancel their statements too.
    const drain = new AbortController();
    const cancel = new AbortController();
    const onSignal = () => {
      if (!drain.signal.aborted) {
        log("interrupt: finishing in-flight models, then stopping (again to cancel them)");
        drain.abort();
      } else cancel.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const progress = g.output !== "json" && isInteractive();
    const onEvent = progress
      ? (e: RunEvent) => {
          if (e.type === "done")
            process.stderr.write(`\r\u001b[2K[${e.done}/${e.total}] ${e.result.name} ${e.result.status}`);
        }
      : undefined;
    let outcome: RunOutcome;
    try {
      outcome = await runProject({
        config,
        models: repeated(rawArgs, "model"),
        select: repeated(rawArgs, "select"),
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
        ...(onEvent ? { onEvent } : {}),
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (progress) process.stderr.write("\r\u001b[2K");
    }
    emit(envelope("run", runPayload(outcome, { trigger })), () => renderRun(outcome));
    if (outcome.status === "interrupted") throw new ExitCode(130);
    if (outcome.status !== "success") throw new ExitCode(1);
  },
});
