/** `rocky lineage --select …`: the column lineage of a set of models, as one subgraph. */
import type { KindedEdge, LineageEdge, SemanticGraph } from "../graph/semantic.ts";

export interface SelectionLineage {
  /** The selected models, in DAG order. */
  selected: string[];
  /** Per selected model: its columns, and the selected models and sources it reads. */
  models: { name: string; columns: string[]; reads: string[]; unavailable?: string }[];
  /**
   * Edges into the selected models from each other and from external sources, in graph
   * order; with `indirect`, each marked with its kind, the indirect ones after the value ones.
   */
  edges: (LineageEdge | KindedEdge)[];
}

export function selectionLineage(
  graph: SemanticGraph,
  selected: readonly string[],
  indirect = false,
): SelectionLineage {
  const inSet = new Set(selected.map((s) => s.toLowerCase()));
  // A source is never selectable, so edges from it are part of the picture of what the models read.
  const shown = (model: string) => inSet.has(model.toLowerCase()) || graph.table(model)?.kind === "source";
  const edges: (LineageEdge | KindedEdge)[] = [];
  const indirectEdges: KindedEdge[] = [];
  const models: SelectionLineage["models"] = [];
  for (const name of selected) {
    const t = graph.table(name);
    const into = graph.edgesTargeting(name).filter((e) => shown(e.source.model));
    edges.push(...(indirect ? into.map((e) => ({ ...e, kind: "value" as const })) : into));
    if (indirect) indirectEdges.push(...graph.indirectTargeting(name).filter((e) => shown(e.source.model)));
    models.push({
      name,
      columns: t?.columns ?? [],
      reads: (t?.upstream ?? []).filter(shown),
      ...(t?.unavailable !== undefined ? { unavailable: t.unavailable } : {}),
    });
  }
  return { selected: [...selected], models, edges: [...edges, ...indirectEdges] };
}
