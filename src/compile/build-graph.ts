/**
 * The semantic graph of a compiled project: models in topological order, each output
 * column with an edge from every column its value is computed from, model-level links
 * from the references and the DAG, and each model's indirect reads.
 */
import type { Dag } from "../graph/dag.ts";
import { SemanticGraph } from "../graph/semantic.ts";
import type { Project } from "../project/types.ts";
import { renderTransform } from "../sql/transform.ts";
import type { TableResolver } from "./resolver.ts";
import type { CompiledModel } from "./types.ts";

export function buildSemanticGraph(
  project: Project,
  dag: Dag,
  byName: Map<string, CompiledModel>,
  resolver: TableResolver,
): SemanticGraph {
  const graph = new SemanticGraph();
  for (const name of dag.order) {
    const c = byName.get(name)!;
    graph.addTable({
      name,
      kind: "model",
      columns: c.columns,
      ...(c.columns === undefined ? { unavailable: c.unavailable ?? "the model could not be analysed" } : {}),
    });
  }
  for (const name of dag.order) {
    const c = byName.get(name)!;
    const dialect = project.byName.get(name)?.dialect;
    for (const ref of c.refs) {
      const t = resolver.tableName(ref.parts, dialect);
      if (t.kind === "source" && !graph.table(t.name))
        graph.addTable({ name: t.name, kind: "source", columns: t.columns });
      if (t.name !== name) graph.link(t.name, name);
    }
    for (const d of dag.upstream.get(name) ?? []) graph.link(d, name);
    // A model in a cycle has no trustworthy columns: it contributes no edges.
    for (const col of c.columns === undefined ? [] : (c.analysis.columns ?? [])) {
      if (col.sources.length === 0) continue;
      const target = graph.addColumn(name, col.name);
      // The graph holds what outputs show (and the lineage snapshot stores): Rocky's string.
      const transform = renderTransform(col.transform);
      for (const src of col.sources) {
        const t = resolver.tableName(src.table, dialect);
        if (t.kind === "source" && !graph.table(t.name))
          graph.addTable({ name: t.name, kind: "source", columns: t.columns });
        graph.addEdgeById(graph.addColumn(t.name, src.column), target, transform);
      }
    }
    if (c.columns !== undefined) {
      graph.addIndirect(
        name,
        (c.analysis.indirect ?? []).map((r) => ({
          source: { model: resolver.tableName(r.table, dialect).name, column: r.column },
          via: r.via,
          outputs: r.outputs ?? [],
        })),
      );
    }
  }
  return graph;
}
