/**
 * `rocky dag`: the model DAG in Rocky 1.10's unified-DAG shape. Every model is a
 * `transformation:<name>` node; every declared test a `test:<model>::<type>_<column|index>`
 * node with a `check` edge from its model; layers follow the model DAG (a test runs
 * in the layer after its model).
 */
import type { Payload } from "../output/common.ts";
import type { DagOutput } from "../output/schemas/compile.ts";
import { defaultLocation, resolvedTarget } from "./location.ts";
import type { CompileResult } from "./types.ts";

export const nodeId = (model: string) => `transformation:${model}`;

export function dagPayload(result: CompileResult, withColumnLineage: boolean) {
  const defaults = defaultLocation(result.project.config);
  const layerOf = new Map<string, number>();
  result.dag.layers.forEach((l, i) => {
    for (const n of l) layerOf.set(n, i);
  });
  const nodes: {
    id: string;
    kind: "transformation" | "test";
    label: string;
    target?: { catalog: string; schema: string; table: string };
    strategy?: (typeof result.project.models)[number]["strategy"];
    depends_on: string[];
    layer: number;
  }[] = [];
  const edges: { from: string; to: string; edge_type: "data" | "check" }[] = [];
  const layers: string[][] = result.dag.layers.map(() => []);
  for (const name of result.dag.order) {
    const m = result.project.byName.get(name)!;
    const layer = layerOf.get(name)!;
    const deps = (result.dag.upstream.get(name) ?? []).map(nodeId);
    nodes.push({
      id: nodeId(name),
      kind: "transformation",
      label: name,
      target: resolvedTarget(m, defaults),
      strategy: m.strategy,
      depends_on: deps,
      layer,
    });
    layers[layer]!.push(nodeId(name));
    for (const d of deps) edges.push({ from: d, to: nodeId(name), edge_type: "data" });
  }
  for (const name of result.dag.order) {
    const m = result.project.byName.get(name)!;
    m.tests.forEach((t, i) => {
      const id = `test:${name}::${t.type}_${t.column ?? i}`;
      const layer = layerOf.get(name)! + 1;
      nodes.push({
        id,
        kind: "test",
        label: `${name}::${t.type}_${t.column ?? i}`,
        depends_on: [nodeId(name)],
        layer,
      });
      (layers[layer] ??= []).push(id);
      edges.push({ from: nodeId(name), to: id, edge_type: "check" });
    });
  }
  const counts: Record<string, number> = {};
  for (const n of nodes) counts[n.kind] = (counts[n.kind] ?? 0) + 1;
  const sources = result.graph
    .allTables()
    .filter((t) => t.kind === "source")
    .map((t) => ({ name: t.name, read_by: t.downstream }));
  const columnLineage = withColumnLineage ? result.graph.edges() : [];
  return {
    nodes,
    edges,
    execution_layers: layers,
    summary: {
      total_nodes: nodes.length,
      total_edges: edges.length,
      execution_layers: layers.length,
      counts_by_kind: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))),
    },
    ...(columnLineage.length > 0 ? { column_lineage: columnLineage } : {}),
    sources,
  } satisfies Payload<typeof DagOutput>;
}

export type DagPayload = ReturnType<typeof dagPayload>;
