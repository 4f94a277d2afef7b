/**
 * The compare gate of `branch promote` (SPEC §17): with a threshold (`--max-changed-pct`
 * on promote, else `[branch] promote_max_changed_pct`), each promoted table is compared
 * with production as `branch compare` does (keyed where a key is declared) and a model
 * whose share of added, removed or changed rows is above it refuses the promote.
 */
import type { Adapter } from "../adapter/types.ts";
import type { GateRefusal } from "../testing/gate.ts";
import type { BuiltModel } from "./built.ts";
import { compareBranch } from "./compare.ts";

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export async function compareGate(
  adapter: Adapter,
  branch: string,
  built: readonly BuiltModel[],
  maxChangedPct: number,
): Promise<GateRefusal[]> {
  const tables = built.filter((b) => b.kind === "table");
  if (tables.length === 0) return [];
  const result = await compareBranch(adapter, branch, tables, undefined, [], { maxChangedPct });
  const byModel = new Map(result.results.map((r) => [r.model, r]));
  return result.threshold_failures.map((f) => {
    const r = byModel.get(f.model);
    const how = r?.keyed
      ? `${r.keyed.rows_added} added, ${r.keyed.rows_removed} removed, ${r.keyed.rows_changed} changed on ${r.keyed.key.join(", ")}`
      : `${r?.rows_only_in_branch ?? 0} rows only in the branch, ${r?.rows_only_in_production ?? 0} only in production`;
    return {
      model: f.model,
      gate: "compare" as const,
      reason: `${fmt(f.changed_pct)}% of its production rows differ (${how}), above the promote threshold of ${fmt(f.max_changed_pct)}%`,
    };
  });
}
