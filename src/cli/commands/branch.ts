/**
 * `rocky branch create|list|show|delete|compare|promote`. Flags and rendering only: the
 * work lives in src/branch. Warehouse code is imported inside the sub-commands that need
 * it, so `branch list` and `branch show` start without DuckDB or a cloud SDK.
 */
import { defineCommand } from "citty";
import type { LoadedConfig } from "../../config/load.ts";
import { findConfig, readStatePath } from "../../config/locate.ts";
import { didYouMean, ExitCode, RockyError, UsageError } from "../../errors.ts";
import { branchEntry, describeObject } from "../../branch/objects.ts";
import { renderCreate, renderDelete, renderList, renderShow } from "../../branch/render.ts";
import {
  type BranchRecord,
  branchActivity,
  getBranch,
  leftoverObjects,
  listBranches,
  listObjects,
} from "../../state/branches.ts";
import { openState, type StateStore } from "../../state/store.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";

/** The project when there is one; `--state-path` alone is enough for the state-only commands. */
async function project(required: boolean): Promise<{ config?: LoadedConfig; statePath: string }> {
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

function needProject(p: { config?: LoadedConfig }): LoadedConfig {
  if (!p.config) throw new RockyError("this command needs a project (rocky.toml)");
  return p.config;
}

/** `no branch named 'x'`, with a did-you-mean or the existing branches as the hint. */
function unknownBranch(store: StateStore, name: string): RockyError {
  const names = listBranches(store).map((b) => b.name);
  return new RockyError(`no branch named '${name}'`, {
    hint:
      didYouMean(name, names) ??
      (names.length > 0
        ? `existing branches: ${names.join(", ")}`
        : `no branches yet; create it with 'rocky branch create ${name}'`),
    code: "not_found",
  });
}

function requireBranch(store: StateStore, name: string): BranchRecord {
  const rec = getBranch(store, name);
  if (!rec) throw unknownBranch(store, name);
  return rec;
}

/**
 * Commands that write to the warehouse (create --clone, delete --drop, promote) open the
 * store with the single-writer lock, so they cannot drop or replace tables under a
 * running `rocky run`; the others only make short writes or read.
 */
async function withStore<T>(
  path: string,
  opts: Parameters<typeof openState>[1],
  fn: (s: StateStore) => Promise<T>,
): Promise<T> {
  const store = openState(path, opts);
  try {
    return await fn(store);
  } finally {
    store.close();
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
  const [{ currentBranch }, { safeBranchName }] = await Promise.all([
    import("../../diff/git.ts"),
    import("../../branch/names.ts"),
  ]);
  const gitName = currentBranch(root ?? process.cwd());
  const safe = safeBranchName(gitName);
  if (safe !== gitName) log(`git branch '${gitName}' is rocky branch '${safe}'`);
  return safe;
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
    const [{ createBranch, cloneProduction }, { validateBranchName }] = await Promise.all([
      import("../../branch/create.ts"),
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
    // With a project, collisions are checked with the warehouse's real schema rules.
    let dialect: import("../../adapter/types.ts").Dialect | undefined;
    let models: import("../../project/types.ts").Model[] = [];
    if (p.config && p.config.adapters.size > 0) {
      const [{ loadDialect }, { loadProject }] = await Promise.all([
        import("../../branch/context.ts"),
        import("../../project/load.ts"),
      ]);
      dialect = await loadDialect(p.config);
      // Without --clone a project whose models do not load yet still gets its branch.
      const loading = loadProject(p.config).then((pr) => pr.models);
      models = args.clone ? await loading : await loading.catch(() => []);
    }
    const result = await withStore(
      p.statePath,
      args.clone ? { lock: { command: "branch create" } } : { write: true, command: "branch create" },
      async (store) => {
        const rec = createBranch(store, {
          name,
          ...(args.description === undefined ? {} : { description: args.description }),
          createdBy: process.env.USER || "unknown",
          ...(ttlMs === undefined ? {} : { ttlMs }),
          ...(dialect ? { dialect } : {}),
          models,
          productionSchemas: [
            ...new Set(models.map((m) => m.target.schema ?? dialect?.defaultSchema ?? "main")),
          ],
        });
        if (!args.clone) return { rec, cloned: undefined };
        const { connectAdapter } = await import("../../branch/context.ts");
        const adapter = await connectAdapter(needProject(p));
        try {
          return { rec, cloned: await cloneProduction(store, adapter, rec, models) };
        } finally {
          await adapter.close();
        }
      },
    );
    emit(
      envelope("branch create", {
        branch: branchEntry(result.rec),
        objects: (result.cloned ?? []).map(describeObject),
      }),
      () => renderCreate(result.rec, result.cloned),
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
    const { records, leftovers, activity } = await withStore(await statePathOnly(), {}, async (s) => ({
      records: listBranches(s),
      leftovers: leftoverObjects(s),
      activity: branchActivity(s),
    }));
    const now = Date.now();
    const entries = records.map((r) => ({
      ...branchEntry(r),
      age_seconds: Math.max(0, Math.floor((now - Date.parse(r.created_at)) / 1000)),
      expired: r.expires_at !== null && Date.parse(r.expires_at) <= now,
      objects: activity.get(r.name)?.objects ?? 0,
      last_run: activity.get(r.name)?.last_run ?? null,
    }));
    emit(envelope("branch list", { branches: entries, total: records.length, leftovers }), () =>
      renderList(entries, leftovers),
    );
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
    const { rec, objects } = await withStore(await statePathOnly(), {}, async (s) => ({
      rec: requireBranch(s, args.name),
      objects: listObjects(s, args.name),
    }));
    emit(envelope("branch show", { branch: branchEntry(rec), objects: objects.map(describeObject) }), () =>
      renderShow(rec, objects),
    );
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
    const { deleteBranchAndObjects } = await import("../../branch/delete.ts");
    const result = await withStore(
      p.statePath,
      drop ? { lock: { command: "branch delete" } } : { write: true, command: "branch delete" },
      async (store) => {
        // A deleted branch's leftover objects can still be dropped; a name with neither
        // a record nor objects is a typo, not a success.
        if (!getBranch(store, args.name) && listObjects(store, args.name).length === 0)
          throw unknownBranch(store, args.name);
        if (!drop) return deleteBranchAndObjects(store, args.name, undefined);
        const { connectAdapter } = await import("../../branch/context.ts");
        const adapter = await connectAdapter(needProject(p));
        try {
          return await deleteBranchAndObjects(store, args.name, adapter);
        } finally {
          await adapter.close();
        }
      },
    );
    emit(
      envelope("branch delete", {
        name: result.name,
        removed: result.removed,
        dropped: result.dropped.map(describeObject),
        left: result.left.map(describeObject),
        errors: result.errors.map((e) => ({ object: describeObject(e.object).object, error: e.error })),
      }),
      () => renderDelete(result, drop),
    );
    if (result.errors.length > 0) throw new ExitCode(1);
  },
});

/** Project compiled, models in DAG order, adapter connected: what compare and promote start from. */
async function warehouseContext(config: LoadedConfig) {
  const [{ loadProject }, { compileProject }, { connectAdapter }] = await Promise.all([
    import("../../project/load.ts"),
    import("../../compile/compile.ts"),
    import("../../branch/context.ts"),
  ]);
  const compiled = await compileProject(await loadProject(config));
  const models = compiled.dag.order.map((n) => compiled.project.byName.get(n)!);
  const adapter = await connectAdapter(config);
  return { compiled, models, adapter, compileProject };
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
    const [{ builtModels, filterModels }, { compareBranch }, { renderCompare }, { blastResolver }] =
      await Promise.all([
        import("../../branch/built.ts"),
        import("../../branch/compare.ts"),
        import("../../branch/render.ts"),
        import("../../branch/blast.ts"),
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
    const maxRaw = args["max-changed-pct"];
    const maxChangedPct = maxRaw === undefined ? undefined : Number(maxRaw);
    if (maxChangedPct !== undefined && !(Number.isFinite(maxChangedPct) && maxChangedPct >= 0))
      throw new UsageError(`--max-changed-pct expects a percentage >= 0, got '${maxRaw}'`);
    const ctx = await warehouseContext(config);
    try {
      const result = await withStore(config.statePath, {}, async (store) => {
        const rec = requireBranch(store, args.name);
        const built = filterModels(
          builtModels(store, rec, ctx.models, ctx.adapter.dialect),
          filter,
          ctx.models,
        );
        const blast = blastResolver(ctx.compiled, (models) =>
          ctx.compileProject({
            ...ctx.compiled.project,
            models,
            byName: new Map(models.map((m) => [m.name, m])),
          }),
        );
        return compareBranch(ctx.adapter, rec.name, built, blast, filter, {
          ...(key ? { key } : {}),
          ...(maxChangedPct === undefined ? {} : { maxChangedPct }),
        });
      });
      emit(envelope("branch compare", result), () => renderCompare(result));
      if (args["fail-on-change"] && result.overall_verdict !== "identical") throw new ExitCode(1);
      if (result.threshold_failures.length > 0) throw new ExitCode(1);
    } finally {
      await ctx.adapter.close();
    }
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
    const maxRaw = args["max-changed-pct"];
    const maxFlag = maxRaw === undefined ? undefined : Number(maxRaw);
    if (maxFlag !== undefined && !(Number.isFinite(maxFlag) && maxFlag >= 0))
      throw new UsageError(`--max-changed-pct expects a percentage >= 0, got '${maxRaw}'`);
    const config = needProject(await project(true));
    const maxChangedPct = maxFlag ?? config.branch.promoteMaxChangedPct;
    const filter = await models(rawArgs);
    const { applyPromoteGate, gatedModels } = await import("../../testing/gate.ts");
    const { parseProjectTests } = await import("../../testing/checks.ts");
    const { compareGate } = await import("../../branch/compare-gate.ts");
    const gated = (c: typeof ctx) =>
      gatedModels(c.models, parseProjectTests(c.compiled.project, c.compiled.models).tests);
    const [{ builtModels, filterModels }, { promoteBranch }, { renderPromote }, { tableKey }] =
      await Promise.all([
        import("../../branch/built.ts"),
        import("../../branch/promote.ts"),
        import("../../branch/render.ts"),
        import("../../run/engine.ts"),
      ]);
    const { resolveTrigger } = await import("../../run/run.ts");
    const ctx = await warehouseContext(config);
    if (args["dry-run"]) {
      const { promoteDryRun, renderDryRun } = await import("../../testing/gate.ts");
      try {
        const p = await withStore(config.statePath, {}, async (store) => {
          const rec = requireBranch(store, args.name);
          const d = ctx.adapter.dialect;
          const built = filterModels(builtModels(store, rec, ctx.models, d), filter, ctx.models).map((b) => ({
            ...b,
            from: d.qualify(b.branch),
            to: d.qualify(b.production),
          }));
          const compare =
            maxChangedPct === undefined
              ? undefined
              : { maxChangedPct, refusals: await compareGate(ctx.adapter, rec.name, built, maxChangedPct) };
          return promoteDryRun(store, rec.name, built, gated(ctx), args.force === true, compare);
        });
        emit(envelope("branch promote", p), () => renderDryRun(p));
        if (!p.would_promote) throw new ExitCode(1);
        return;
      } finally {
        await ctx.adapter.close();
      }
    }
    try {
      const result = await withStore(
        config.statePath,
        { lock: { command: "branch promote" } },
        async (store) => {
          const rec = requireBranch(store, args.name);
          const built = filterModels(
            builtModels(store, rec, ctx.models, ctx.adapter.dialect),
            filter,
            ctx.models,
          );
          if (built.length === 0) {
            throw new RockyError(`branch '${rec.name}' has built nothing to promote`, {
              hint: `run 'rocky run --branch ${rec.name}' first`,
            });
          }
          // The gates (src/testing/gate.ts): every promoted model passed its tests on the
          // branch and, with a threshold, did not change more than it allows.
          const extra =
            maxChangedPct === undefined ? [] : await compareGate(ctx.adapter, rec.name, built, maxChangedPct);
          const afterPromote = applyPromoteGate(
            store,
            rec.name,
            built.map((b) => b.model.name),
            gated(ctx),
            {
              force: args.force === true,
              ...(args.reason ? { reason: args.reason } : {}),
              notice: log,
              extra,
            },
          );
          const promoted = await promoteBranch(store, ctx.adapter, rec, built, {
            trigger: resolveTrigger(undefined),
            configHash: config.hash,
            compiled: ctx.compiled.models,
            models: ctx.models,
            downstream: ctx.compiled.dag.downstream,
            watermarkKey: tableKey,
            keepPromotions: config.branch.keepPromotions,
          });
          afterPromote(promoted.run_id);
          return promoted;
        },
      );
      emit(envelope("branch promote", result), () => renderPromote(result));
      if (result.status !== "success") throw new ExitCode(1);
    } finally {
      await ctx.adapter.close();
    }
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
    const [{ rollbackPromote }, { renderRollback }, { tableKey }, { resolveTrigger }, { connectAdapter }] =
      await Promise.all([
        import("../../branch/rollback.ts"),
        import("../../branch/render.ts"),
        import("../../run/engine.ts"),
        import("../../run/run.ts"),
        import("../../branch/context.ts"),
      ]);
    const result = await withStore(
      config.statePath,
      { lock: { command: "branch rollback" } },
      async (store) => {
        // Refuse an unknown promote before connecting to the warehouse.
        const { resolvePromote } = await import("../../branch/rollback.ts");
        resolvePromote(store, args.promote ?? "latest");
        const adapter = await connectAdapter(config);
        try {
          return await rollbackPromote(store, adapter, args.promote ?? "latest", {
            trigger: resolveTrigger(undefined),
            configHash: config.hash,
            watermarkKey: tableKey,
          });
        } finally {
          await adapter.close();
        }
      },
    );
    emit(envelope("branch rollback", result), () => renderRollback(result));
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
    const [{ gcBranches }, { renderGc }] = await Promise.all([
      import("../../branch/gc.ts"),
      import("../../branch/render.ts"),
    ]);
    const result = await withStore(
      p.statePath,
      dryRun ? {} : { lock: { command: "branch gc" } },
      async (store) =>
        gcBranches(store, {
          dryRun,
          ...(olderThanMs === undefined ? {} : { olderThanMs }),
          adapter: async () => {
            const { connectAdapter } = await import("../../branch/context.ts");
            return connectAdapter(needProject(p));
          },
        }),
    );
    const obj = (o: import("../../state/branches.ts").BranchObject) => describeObject(o);
    const failed = result.branches.filter((b) => b.status === "failed").length;
    emit(
      envelope("branch gc", {
        gc_id: result.gc_id,
        dry_run: result.dry_run,
        now: result.now,
        ...(args["older-than"] === undefined ? {} : { older_than: String(args["older-than"]) }),
        branches: result.branches.map((b) => ({
          name: b.name,
          created_at: b.created_at,
          expires_at: b.expires_at,
          reason: b.reason,
          status: b.status,
          dropped: b.dropped.map(obj),
          failed: b.failed.map((f) => ({ object: f.object ? obj(f.object).object : null, error: f.error })),
          left: b.left.map(obj),
        })),
        collected: result.branches.filter((b) => b.status === "collected").length,
        failed,
      }),
      () => renderGc(result),
    );
    if (failed > 0) throw new ExitCode(1);
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
