/**
 * `rocky catalog`: the project's assets (models and external sources), their columns
 * and the column-lineage edges, for other tools (catalogs, docs, governance).
 * Types are known only where declared (`[sources]` columns); rocky does not guess them.
 */
import type { Payload } from "../output/common.ts";
import type { CatalogOutput } from "../output/schemas/catalog.ts";
import { defaultLocation, resolvedTarget } from "../compile/location.ts";
import type { CompileResult } from "../compile/types.ts";

export function catalogPayload(result: CompileResult) {
  const defaults = defaultLocation(result.project.config);
  const sourceDecl = result.project.config.sources;
  const declaredType = (table: string, column: string): string | null => {
    const decl = [...sourceDecl.values()].find((s) => s.name.toLowerCase() === table.toLowerCase());
    return decl?.columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.type ?? null;
  };
  const assets = result.graph.allTables().map((t) => {
    const m = t.kind === "model" ? result.project.byName.get(t.name) : undefined;
    return {
      name: t.name,
      kind: t.kind,
      file: m?.relPath ?? null,
      description: m?.description ?? null,
      target: m ? resolvedTarget(m, defaults) : null,
      strategy: m ? String(m.strategy.type) : null,
      tests: m
        ? m.tests.map((x) => ({
            type: String(x.type),
            column: typeof x.column === "string" ? x.column : null,
          }))
        : [],
      columns_unavailable: t.unavailable ?? null,
      columns: (t.columns ?? []).map((c) => ({
        name: c,
        type: t.kind === "source" ? declaredType(t.name, c) : null,
      })),
      upstream: t.upstream,
      downstream: t.downstream,
    };
  });
  const edges = result.graph.edges();
  return {
    project: result.project.config.projectName,
    summary: {
      models: assets.filter((a) => a.kind === "model").length,
      sources: assets.filter((a) => a.kind === "source").length,
      columns: assets.reduce((n, a) => n + a.columns.length, 0),
      edges: edges.length,
    },
    assets,
    edges,
    indirect_edges: result.graph
      .indirectEdges()
      .map(({ source, target, via }) => ({ source, target, via: via! })),
  } satisfies Payload<typeof CatalogOutput>;
}
