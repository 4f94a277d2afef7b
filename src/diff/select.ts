/** `rocky diff --select`: the report cut down to the selected models (over both sides). */
import type { CompileResult } from "../compile/types.ts";
import { RockyError } from "../errors.ts";
import { type SelectionOptions, selectInProject } from "../graph/selection.ts";
import type { DiffReport } from "./diff.ts";

type Selectors = Pick<SelectionOptions, "models" | "select" | "exclude" | "changed">;

/**
 * Selectors are evaluated on the working tree; a removed model exists only at the base, so
 * it is kept when the same selectors pick it there (a selector that names nothing at the
 * base, such as a new model, is no error on that side).
 */
export function restrictReport(
  report: DiffReport,
  head: CompileResult,
  base: CompileResult,
  selectors: Selectors,
): DiffReport {
  const keep = new Set(selectInProject(head, selectors));
  let atBase = new Set<string>();
  try {
    atBase = new Set(selectInProject(base, selectors));
  } catch (e) {
    if (!(e instanceof RockyError)) throw e;
  }
  const kept = (name: string, removed: boolean) => (removed ? atBase.has(name) : keep.has(name));
  const models = report.models
    .filter((m) => kept(m.model_name, m.status === "removed"))
    .map((m) => ({ ...m, downstream_models: m.downstream_models.filter((d) => keep.has(d)) }));
  const count = (f: (m: (typeof models)[number]) => boolean) => models.filter(f).length;
  const removed = count((m) => m.status === "removed");
  return {
    ...report,
    summary: {
      total_models: keep.size + removed,
      added: count((m) => m.status === "added"),
      removed,
      modified: count((m) => m.status === "modified"),
      unchanged: keep.size + removed - models.length,
      breaking: count((m) => m.classification === "breaking"),
      non_breaking: count((m) => m.classification === "non-breaking"),
      cosmetic: count((m) => m.classification === "cosmetic"),
      columns_changed: models.reduce((n, m) => n + m.columns.length, 0),
    },
    models,
    rebuild: report.rebuild.filter((n) => keep.has(n)),
    impact_edges: report.impact_edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}
