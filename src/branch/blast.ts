/**
 * The column-level blast radius of a branch's schema changes: which downstream columns
 * read a column the branch removed or retyped — by value, or indirectly (the column
 * decides which rows a downstream model has: a WHERE, JOIN, GROUP BY, …; SPEC §15).
 *
 * A retyped column is still in the project's lineage graph, so its downstream trace is
 * direct. A removed column is not: the changed model no longer produces it, so the
 * models still reading it have no edge to follow (Rocky's lineage-diff reports such
 * columns with no consumers). For those, the project is compiled once more with the
 * changed model standing in for its production table (its production columns), so the
 * graph shows who reads what the branch took away.
 */
import type { CompileResult } from "../compile/types.ts";
import type { EdgeKind, QualifiedColumn, SemanticGraph } from "../graph/semantic.ts";
import type { Model } from "../project/types.ts";

export interface BlastResolver {
  downstream(model: string, column: string, productionColumns: readonly string[]): Promise<BlastColumn[]>;
}

/** A downstream column and the kind of edge that reached it (value if any value path does, SPEC §15). */
export interface BlastColumn extends QualifiedColumn {
  kind: EdgeKind;
}

/** Every column downstream over value and indirect edges, each once, breadth-first. */
function uniqueTargets(graph: SemanticGraph, model: string, column: string): BlastColumn[] {
  return graph.impact([{ model, column }]).map((r) => ({ model: r.model, column: r.column, kind: r.kind }));
}

const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

export function blastResolver(
  compiled: CompileResult,
  compile: (models: Model[]) => Promise<CompileResult>,
): BlastResolver {
  const withProductionColumns = new Map<string, Promise<SemanticGraph>>();
  return {
    async downstream(model, column, productionColumns) {
      const current = compiled.graph.table(model)?.columns ?? [];
      if (current.some((c) => c.toLowerCase() === column.toLowerCase()))
        return uniqueTargets(compiled.graph, model, column);
      let g = withProductionColumns.get(model);
      if (!g) {
        const stand = `SELECT ${productionColumns.map(quote).join(", ")} FROM ${quote("__rocky_production__")}.${quote(model)}`;
        const models = compiled.project.models.map((m) => (m.name === model ? { ...m, sql: stand } : m));
        g = compile(models).then((r) => r.graph);
        withProductionColumns.set(model, g);
      }
      return uniqueTargets(await g, model, column);
    },
  };
}
