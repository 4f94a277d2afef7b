/** Which models a run executes: all, `--model NAME` (repeatable), `--select name|+name|name+`. */
import { didYouMean, RockyError } from "../errors.ts";
import { type Dag, reachable } from "../graph/dag.ts";

export interface SelectionOptions {
  models?: string[];
  select?: string[];
}

function unknown(name: string, dag: Dag, flag: string): never {
  throw new RockyError(`${flag}: no model named '${name}'`, {
    code: "not_found",
    hint: didYouMean(name, dag.order) ?? "see 'rocky dag' for the models of this project",
  });
}

/** The selected model names, in DAG order. No flags: every model. */
export function selectModels(dag: Dag, opts: SelectionOptions): string[] {
  const models = opts.models ?? [];
  const select = (opts.select ?? []).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s.length > 0);
  if (models.length === 0 && select.length === 0) return [...dag.order];
  const known = new Set(dag.order);
  const chosen = new Set<string>();
  for (const m of models) {
    if (!known.has(m)) unknown(m, dag, "--model");
    chosen.add(m);
  }
  for (const s of select) {
    const up = s.startsWith("+");
    const down = s.endsWith("+");
    const name = s.slice(up ? 1 : 0, down ? -1 : undefined);
    if (!known.has(name)) unknown(name, dag, "--select");
    chosen.add(name);
    if (up) for (const a of reachable(dag, name, "upstream")) chosen.add(a);
    if (down) for (const d of reachable(dag, name, "downstream")) chosen.add(d);
  }
  return dag.order.filter((n) => chosen.has(n));
}
