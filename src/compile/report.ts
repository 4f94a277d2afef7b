/** The `rocky compile` payload (Rocky 1.10's compile.schema.json plus added fields). */
import type { Payload } from "../output/common.ts";
import type { CompileOutput } from "../output/schemas/compile.ts";
import type { Model } from "../project/types.ts";
import { defaultLocation, resolvedTarget } from "./location.ts";
import type { CompileResult, Diagnostic } from "./types.ts";

export function compilePayload(result: CompileResult, only?: Set<string>) {
  const defaults = defaultLocation(result.project.config);
  const layerOf = new Map<string, number>();
  result.dag.layers.forEach((l, i) => {
    for (const n of l) layerOf.set(n, i);
  });
  const keep = (d: Diagnostic) => !only || only.has(d.model);
  return {
    models: result.models.size,
    execution_layers: result.dag.layers.length,
    diagnostics: result.diagnostics.filter(keep),
    has_errors: result.hasErrors,
    compile_timings: {
      project_load_ms: result.timings.project_load_ms,
      semantic_graph_ms: result.timings.semantic_graph_ms,
      typecheck_ms: 0,
      typecheck_join_keys_ms: 0,
      contracts_ms: 0,
      total_ms: result.timings.total_ms,
      parse_ms: result.timings.parse_ms,
      analysis_ms: result.timings.analysis_ms,
    },
    // Name order, as Rocky prints it; `layer` gives the execution order.
    models_detail: result.project.models
      .filter((m) => !only || only.has(m.name))
      .map((m: Model) => {
        const c = result.models.get(m.name)!;
        const t = result.graph.table(m.name);
        return {
          name: m.name,
          strategy: m.strategy,
          target: resolvedTarget(m, defaults),
          depends_on: c.dependsOn,
          layer: layerOf.get(m.name) ?? 0,
          file: m.relPath,
          tags: m.tags ?? [],
          columns: c.columns ?? null,
          ...(c.unavailable !== undefined ? { unavailable: c.unavailable } : {}),
          sources: (t?.upstream ?? []).filter((u) => result.graph.table(u)?.kind === "source"),
          sql_hash: c.sqlHash,
        };
      }),
    layers: result.dag.layers,
    lineage: { nodes: result.graph.nodeCount, edges: result.graph.edgeCount },
    cache: result.cache,
  } satisfies Payload<typeof CompileOutput>;
}
