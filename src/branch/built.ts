/** Which models a branch has built: its recorded tables/views matched to the project's models. */
import type { Dialect, TableRef } from "../adapter/types.ts";
import { RockyError, didYouMean } from "../errors.ts";
import type { Model } from "../project/types.ts";
import { type BranchObjectKind, type BranchRecord, listObjects } from "../state/branches.ts";
import type { StateStore } from "../state/store.ts";
import { objectRef } from "./objects.ts";
import { branchTarget, productionTarget, tableKey } from "./names.ts";

export interface BuiltModel {
  model: Model;
  production: TableRef;
  branch: TableRef;
  kind: Extract<BranchObjectKind, "table" | "view">;
}

/** Models (in the given order) whose branch copy was built by a branch run, not cloned. */
export function builtModels(
  store: StateStore,
  branch: BranchRecord,
  models: readonly Model[],
  dialect: Dialect,
): BuiltModel[] {
  const built = new Map<string, "table" | "view">();
  for (const o of listObjects(store, branch.name)) {
    if (o.kind === "table" || o.kind === "view") built.set(tableKey(objectRef(o)), o.kind);
  }
  const out: BuiltModel[] = [];
  for (const model of models) {
    const production = productionTarget(model, dialect);
    const target = branchTarget(production, branch.schema_prefix, dialect);
    const kind = built.get(tableKey(target));
    if (kind) out.push({ model, production, branch: target, kind });
  }
  return out;
}

/** `--model` filters: each must name a model of the project; then only built ones are kept. */
export function filterModels(
  built: BuiltModel[],
  names: readonly string[],
  all: readonly Model[],
): BuiltModel[] {
  if (names.length === 0) return built;
  const wanted = new Set<string>();
  for (const n of names) {
    const m = all.find((x) => x.name.toLowerCase() === n.toLowerCase());
    if (!m)
      throw new RockyError(`unknown model '${n}'`, {
        code: "not_found",
        ...(didYouMean(
          n,
          all.map((x) => x.name),
        )
          ? {
              hint: didYouMean(
                n,
                all.map((x) => x.name),
              )!,
            }
          : {}),
      });
    wanted.add(m.name);
  }
  return built.filter((b) => wanted.has(b.model.name));
}
