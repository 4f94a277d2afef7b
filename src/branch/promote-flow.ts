/**
 * `rocky branch promote NAME` from start to finish: compile, connect, pick the built
 * models, apply the test and compare gates, then publish (or, dry, say what would be).
 */
import type { LoadedConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";
import type { Payload } from "../output/common.ts";
import type { BranchPromoteOutput } from "../output/schemas/branch.ts";
import type { PromoteDryRunOutput } from "../output/schemas/test.ts";
import { type WarehouseContext, warehouseContext } from "./context.ts";
import type { PromoteResult } from "./promote.ts";
import { requireBranch, withStore } from "./session.ts";

export interface PromoteRequest {
  name: string;
  /** Only these models; empty: every built one. */
  models: readonly string[];
  force: boolean;
  reason?: string;
  /** The flag; undefined falls back to [branch] promote_max_changed_pct. */
  maxChangedPct?: number;
  /** Where the gate's override notice goes (stderr in the CLI). */
  notice: (line: string) => void;
}

async function gated(ctx: WarehouseContext) {
  const [{ gatedModels }, { parseProjectTests }] = await Promise.all([
    import("../testing/gate.ts"),
    import("../testing/checks.ts"),
  ]);
  return gatedModels(ctx.models, parseProjectTests(ctx.compiled.project, ctx.compiled.models).tests);
}

/** What would be published and what the gates say; writes nothing. */
export async function promoteDryRunNamed(config: LoadedConfig, req: PromoteRequest) {
  const maxChangedPct = req.maxChangedPct ?? config.branch.promoteMaxChangedPct;
  const [{ builtModels, filterModels }, { compareGate }, { promoteDryRun }] = await Promise.all([
    import("./built.ts"),
    import("./compare-gate.ts"),
    import("../testing/gate.ts"),
  ]);
  const ctx = await warehouseContext(config);
  try {
    return await withStore(config.statePath, {}, async (store) => {
      const rec = requireBranch(store, req.name);
      const d = ctx.adapter.dialect;
      const built = filterModels(builtModels(store, rec, ctx.models, d), req.models, ctx.models).map((b) => ({
        ...b,
        from: d.qualify(b.branch),
        to: d.qualify(b.production),
      }));
      const compare =
        maxChangedPct === undefined
          ? undefined
          : { maxChangedPct, refusals: await compareGate(ctx.adapter, rec.name, built, maxChangedPct) };
      return promoteDryRun(store, rec.name, built, await gated(ctx), req.force, compare);
    });
  } finally {
    await ctx.adapter.close();
  }
}

export async function promoteNamed(config: LoadedConfig, req: PromoteRequest): Promise<PromoteResult> {
  const maxChangedPct = req.maxChangedPct ?? config.branch.promoteMaxChangedPct;
  const [
    { builtModels, filterModels },
    { promoteBranch },
    { compareGate },
    { applyPromoteGate },
    { tableKey },
  ] = await Promise.all([
    import("./built.ts"),
    import("./promote.ts"),
    import("./compare-gate.ts"),
    import("../testing/gate.ts"),
    import("../run/engine.ts"),
  ]);
  const { resolveTrigger } = await import("../run/run.ts");
  const ctx = await warehouseContext(config);
  try {
    return await withStore(config.statePath, { lock: { command: "branch promote" } }, async (store) => {
      const rec = requireBranch(store, req.name);
      const built = filterModels(
        builtModels(store, rec, ctx.models, ctx.adapter.dialect),
        req.models,
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
        await gated(ctx),
        { force: req.force, ...(req.reason ? { reason: req.reason } : {}), notice: req.notice, extra },
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
    });
  } finally {
    await ctx.adapter.close();
  }
}

/** The `branch promote` payload: the result as it is, checked against its schema. */
export const promotePayload = (r: PromoteResult) => r satisfies Payload<typeof BranchPromoteOutput>;

/** The `branch promote --dry-run` payload, likewise. */
export const promoteDryRunPayload = (r: Awaited<ReturnType<typeof promoteDryRunNamed>>) =>
  r satisfies Payload<typeof PromoteDryRunOutput>;
