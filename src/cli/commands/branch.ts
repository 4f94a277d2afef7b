/**
 * `rocky branch create|list|show|delete|compare|promote`. Flags and rendering only: the
 * work lives in src/branch. Warehouse code is imported inside the sub-commands that need
 * it, so `branch list` and `branch show` start without DuckDB or a cloud SDK.
 */
import { defineCommand } from "citty";
import { findConfig, readStatePath } from "../../config/locate.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { branchPayload, listEntries, listPayload, showBranch } from "../../branch/list-flow.ts";
import { renderCreate, renderDelete, renderList, renderShow } from "../render/branch.ts";
import { type BranchProject, needProject } from "../../branch/session.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";

/** The project when there is one; `--state-path` alone is enough for the state-only commands. */
async function project(required: boolean): Promise<BranchProject> {
  const g = globals();
  try {
    // Imported here: the config schemas (valibot) are not needed by `list` and `show`.
    const { loadConfig } = await import("../../config/load.ts");
    const config = await loadConfig(findConfig(g.config), g.statePath);
    return { config, statePath: config.statePath };
  } catch (e) {
    if (!required && g.config === undefined && g.statePath !== undefined) {
      const { resolve } = await import("node:path");
      return { statePath: resolve(g.statePath) };
    }
    throw e;
  }
}

/**
 * Where the state file is, for the read-only `list` and `show`: only `[state] path` is read
 * from rocky.toml (see config/locate.ts), which keeps their start-up lean.
 */
async function statePathOnly(): Promise<string> {
  const g = globals();
  try {
    return await readStatePath(findConfig(g.config), g.statePath);
  } catch (e) {
    if (g.config === undefined && g.statePath !== undefined) {
      const { resolve } = await import("node:path");
      return resolve(g.statePath);
    }
    throw e;
  }
}

/** `branch create NAME` or `branch create --from-git` (the current git branch, mapped to a safe name). */
async function branchNameArg(name: unknown, fromGit: boolean, root: string | undefined): Promise<string> {
  // An explicit "" is a NAME (refused by the name rules, as Rocky does); only an absent one is missing.
  const given = typeof name === "string";
  if (given && fromGit)
    throw new UsageError("give a branch NAME or --from-git, not both", "e.g. rocky branch create --from-git");
  if (given) return name;
  if (!fromGit)
    throw new UsageError("missing branch NAME", "e.g. rocky branch create fix-price, or --from-git");
  const { nameFromGit } = await import("../../branch/create-flow.ts");
  return nameFromGit(root ?? process.cwd(), log);
}

const create = defineCommand({
  meta: {
    name: "create",
    description:
      "Create a named branch. Writes nothing to the warehouse unless --clone.\n\nExample:\n  rocky branch create fix-price --description 'reprice orders'\n  rocky branch create --from-git      # on git branch feature/fix-price: feature__fix-price",
  },
  args: {
    name: {
      type: "positional",
      required: false,
      description: "branch name ([A-Za-z0-9_.-], at most 64 bytes)",
    },
    "from-git": {
      type: "boolean",
      description: "name the branch after the current git branch, '/' as '__' (feature/x: feature__x)",
    },
    description: { type: "string", description: "what the branch is for" },
    ttl: {
      type: "string",
      description:
        "expire after this long (e.g. 7d, 12h); default [branch] ttl; 'rocky branch gc' collects it",
    },
    clone: {
      type: "boolean",
      description:
        "start with a zero-copy copy of every production table (DuckDB: views; Snowflake/Databricks/BigQuery: native clones)",
    },
  },
  async run({ args }) {
    const p = await project(Boolean(args.clone));
    const [{ createNamed }, { validateBranchName }] = await Promise.all([
      import("../../branch/create-flow.ts"),
      import("../../branch/names.ts"),
    ]);
    const name = await branchNameArg(args.name, args["from-git"] === true, p.config?.root);
    validateBranchName(name);
    let ttlMs = p.config?.branch.ttlMs;
    if (args.ttl !== undefined) {
      const { parseDuration, DURATION_HELP } = await import("../../config/duration.ts");
      ttlMs = parseDuration(String(args.ttl));
      if (ttlMs === undefined) throw new UsageError(`--ttl expects ${DURATION_HELP}, got '${args.ttl}'`);
    }
    const result = await createNamed(p, {
      name,
      ...(args.description === undefined ? {} : { description: args.description }),
      createdBy: process.env.USER || "unknown",
      ...(ttlMs === undefined ? {} : { ttlMs }),
      clone: Boolean(args.clone),
    });
    emit(envelope("branch create", branchPayload(result.rec, result.cloned ?? [])), () =>
      renderCreate(result.rec, result.cloned),
    );
  },
});

const list = defineCommand({
  meta: {
    name: "list",
    description: "List branches, sorted by name.\n\nExample:\n  rocky branch list -o json",
  },
  args: {},
  async run() {
    const list = await listEntries(await statePathOnly());
    emit(envelope("branch list", listPayload(list)), () => renderList(list.entries, list.leftovers));
  },
});

const show = defineCommand({
  meta: {
    name: "show",
    description:
      "Show a branch and the warehouse objects it holds.\n\nExample:\n  rocky branch show fix-price",
  },
  args: { name: { type: "positional", required: true, description: "branch name" } },
  async run({ args }) {
    const { rec, objects } = await showBranch(await statePathOnly(), args.name);
    emit(envelope("branch show", branchPayload(rec, objects)), () => renderShow(rec, objects));
  },
});

const del = defineCommand({
  meta: {
    name: "delete",
    description:
      "Delete a branch. With --drop, also drop every warehouse object it created; without, report what is left. Safe to re-run after a partial failure; an unknown name is an error.\n\nExample:\n  rocky branch delete fix-price --drop",
  },
  args: {
    name: { type: "positional", required: true, description: "branch name" },
    drop: { type: "boolean", description: "drop the branch's tables, views and schemas from the warehouse" },
  },
  async run({ args }) {
    const drop = Boolean(args.drop);
    const p = await project(drop);
    const { deleteNamed, deletePayload } = await import("../../branch/delete-flow.ts");
    const result = await deleteNamed(p, args.name, drop);
    emit(envelope("branch delete", deletePayload(result)), () => renderDelete(result, drop));
    if (result.errors.length > 0) throw new ExitCode(1);
  },
});

/** `--max-changed-pct`: a percentage >= 0, or absent. */
function percent(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(Number.isFinite(n) && n >= 0))
    throw new UsageError(`--max-changed-pct expects a percentage >= 0, got '${raw}'`);
  return n;
}

const modelArg = {
  type: "string",
  description: "only this model (repeatable)",
} as const;

/** citty keeps only the last `--model`; every one counts (same parser as `rocky run`). */
async function models(rawArgs: string[]): Promise<string[]> {
  const { repeated } = await import("./run.ts");
  return repeated(rawArgs, "model");
}

const compare = defineCommand({
  meta: {
    name: "compare",
    description:
      "Compare each model the branch built with production: columns, row counts, rows only on one side, and the downstream columns a removed or retyped column reaches. Exit 0 even when changed unless --fail-on-change.\n\nExample:\n  rocky branch compare fix-price --model fct_orders",
  },
  args: {
    name: { type: "positional", required: true, description: "branch name" },
    model: modelArg,
    key: {
      type: "string",
      description:
        "match rows on these columns (comma-separated); default: the model's unique_key, else its grain",
    },
    "max-changed-pct": {
      type: "string",
      description:
        "exit 1 when a model has more than this % of its production rows added, removed or changed",
    },
    "fail-on-change": { type: "boolean", description: "exit 1 when any model differs (for CI)" },
  },
  async run({ args, rawArgs }) {
    const config = needProject(await project(true));
    const [{ compareNamed, comparePayload }, { renderCompare }] = await Promise.all([
      import("../../branch/compare-flow.ts"),
      import("../render/branch.ts"),
    ]);
    const filter = await models(rawArgs);
    const key =
      args.key === undefined
        ? undefined
        : String(args.key)
            .split(",")
            .map((k) => k.trim())
            .filter((k) => k !== "");
    if (key !== undefined && key.length === 0) throw new UsageError("--key needs at least one column");
    const maxChangedPct = percent(args["max-changed-pct"]);
    const result = await compareNamed(config, {
      name: args.name,
      models: filter,
      ...(key ? { key } : {}),
      ...(maxChangedPct === undefined ? {} : { maxChangedPct }),
    });
    emit(envelope("branch compare", comparePayload(result)), () => renderCompare(result));
    if (args["fail-on-change"] && result.overall_verdict !== "identical") throw new ExitCode(1);
    if (result.threshold_failures.length > 0) throw new ExitCode(1);
  },
});

const promote = defineCommand({
  meta: {
    name: "promote",
    description:
      "Publish the tables the branch built to their production targets, in one transaction where the warehouse allows it (DuckDB), recorded as a run.\n\nExample:\n  rocky branch promote fix-price",
  },
  args: {
    name: { type: "positional", required: true, description: "branch name" },
    model: modelArg,
    force: {
      type: "boolean",
      description:
        "promote even when a model's tests failed or did not run on the branch, or its changes exceed --max-changed-pct (needs --reason)",
    },
    reason: { type: "string", description: "why the gates are overridden (recorded with --force)" },
    "dry-run": {
      type: "boolean",
      description: "show what would be published and what the test gate says; write nothing",
    },
    "max-changed-pct": {
      type: "string",
      description:
        "refuse when a promoted table has more than this % of its production rows added, removed or changed (default [branch] promote_max_changed_pct; none: no compare gate)",
    },
  },
  async run({ args, rawArgs }) {
    if (args.force && !args.reason?.trim())
      throw new UsageError(
        "--force needs --reason TEXT",
        "say why the test gate is overridden; it is recorded",
      );
    const maxChangedPct = percent(args["max-changed-pct"]);
    const config = needProject(await project(true));
    const req = {
      name: args.name,
      models: await models(rawArgs),
      force: args.force === true,
      ...(args.reason ? { reason: args.reason } : {}),
      ...(maxChangedPct === undefined ? {} : { maxChangedPct }),
      notice: log,
    };
    const { promoteDryRunNamed, promoteDryRunPayload, promoteNamed, promotePayload } = await import(
      "../../branch/promote-flow.ts"
    );
    if (args["dry-run"]) {
      const { renderDryRun } = await import("../render/branch.ts");
      const p = await promoteDryRunNamed(config, req);
      emit(envelope("branch promote", promoteDryRunPayload(p)), () => renderDryRun(p));
      if (!p.would_promote) throw new ExitCode(1);
      return;
    }
    const { renderPromote } = await import("../render/branch.ts");
    const result = await promoteNamed(config, req);
    emit(envelope("branch promote", promotePayload(result)), () => renderPromote(result));
    if (result.status !== "success") throw new ExitCode(1);
  },
});

const rollback = defineCommand({
  meta: {
    name: "rollback",
    description:
      "Undo a promote: put back the production tables it replaced (kept for the last [branch] keep_promotions promotes, default 3) and drop the ones it created, in one transaction where the warehouse allows it (DuckDB), recorded as a run.\n\nExample:\n  rocky branch rollback latest",
  },
  args: {
    promote: {
      type: "positional",
      required: false,
      description:
        "the promote's run id (from 'rocky branch promote' or 'rocky history'), or latest (default)",
    },
  },
  async run({ args }) {
    const config = needProject(await project(true));
    const [{ rollbackNamed, rollbackPayload }, { renderRollback }] = await Promise.all([
      import("../../branch/rollback-flow.ts"),
      import("../render/branch.ts"),
    ]);
    const result = await rollbackNamed(config, args.promote ?? "latest");
    emit(envelope("branch rollback", rollbackPayload(result)), () => renderRollback(result));
    if (result.status !== "success") throw new ExitCode(1);
  },
});

const gc = defineCommand({
  meta: {
    name: "gc",
    description:
      "Collect expired branches (--ttl / [branch] ttl) and, with --older-than, branches created longer ago than that: drop the objects the state recorded for each (never anything else, never production), then the branch. Best effort per branch: a failure is reported, the others go on, exit 1. Recorded in the state (branch_gc_log).\n\nExample:\n  rocky branch gc --older-than 30d --dry-run",
  },
  args: {
    "dry-run": { type: "boolean", description: "show what would be dropped; change nothing" },
    "older-than": { type: "string", description: "also collect branches older than this (e.g. 30d)" },
  },
  async run({ args }) {
    const dryRun = Boolean(args["dry-run"]);
    let olderThanMs: number | undefined;
    if (args["older-than"] !== undefined) {
      const { parseDuration, DURATION_HELP } = await import("../../config/duration.ts");
      olderThanMs = parseDuration(String(args["older-than"]));
      if (olderThanMs === undefined)
        throw new UsageError(`--older-than expects ${DURATION_HELP}, got '${args["older-than"]}'`);
    }
    const p = await project(!dryRun);
    const [{ gcNamed, gcPayload }, { renderGc }] = await Promise.all([
      import("../../branch/gc-flow.ts"),
      import("../render/branch.ts"),
    ]);
    const result = await gcNamed(p, { dryRun, ...(olderThanMs === undefined ? {} : { olderThanMs }) });
    const payload = gcPayload(
      result,
      args["older-than"] === undefined ? undefined : String(args["older-than"]),
    );
    emit(envelope("branch gc", payload), () => renderGc(result));
    if (payload.failed > 0) throw new ExitCode(1);
  },
});

export default defineCommand({
  meta: {
    name: "branch",
    description:
      "Named virtual branches: isolated copies of your models, compared with and promoted to production.\n\nExample:\n  rocky branch create fix-price && rocky run --branch fix-price && rocky branch compare fix-price",
  },
  subCommands: { create, list, show, delete: del, compare, promote, rollback, gc },
});
