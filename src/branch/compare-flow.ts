/**
 * `rocky branch compare NAME` from start to finish: compile, connect, pick the models the
 * branch built, and compare each with production (with the blast radius of its changes).
 */
import type { LoadedConfig } from "../config/load.ts";
import type { Payload } from "../output/common.ts";
import type { BranchCompareOutput } from "../output/schemas/branch.ts";
import type { CompareResult } from "./compare.ts";
import { warehouseContext } from "./context.ts";
import { requireBranch, withStore } from "./session.ts";

export interface CompareRequest {
  name: string;
  /** Only these models; empty: every built one. */
  models: readonly string[];
  key?: string[];
  maxChangedPct?: number;
}

export async function compareNamed(config: LoadedConfig, req: CompareRequest): Promise<CompareResult> {
  const [{ builtModels, filterModels }, { compareBranch }, { blastResolver }] = await Promise.all([
    import("./built.ts"),
    import("./compare.ts"),
    import("./blast.ts"),
  ]);
  const ctx = await warehouseContext(config);
  try {
    return await withStore(config.statePath, {}, async (store) => {
      const rec = requireBranch(store, req.name);
      const built = filterModels(
        builtModels(store, rec, ctx.models, ctx.adapter.dialect),
        req.models,
        ctx.models,
      );
      const blast = blastResolver(ctx.compiled, (models) =>
        ctx.compileProject({
          ...ctx.compiled.project,
          models,
          byName: new Map(models.map((m) => [m.name, m])),
        }),
      );
      return compareBranch(ctx.adapter, rec.name, built, blast, req.models, {
        ...(req.key ? { key: req.key } : {}),
        ...(req.maxChangedPct === undefined ? {} : { maxChangedPct: req.maxChangedPct }),
      });
    });
  } finally {
    await ctx.adapter.close();
  }
}

/** The `branch compare` payload: the result as it is, checked against its schema. */
export const comparePayload = (r: CompareResult) => r satisfies Payload<typeof BranchCompareOutput>;
