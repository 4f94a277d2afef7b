/**
 * Lineage questions on the semantic graph: which table and column a CLI target
 * names, and the model-level and column-level answers (Rocky 1.10's lineage and
 * column_lineage shapes, plus `kind`, `depth` and `unavailable`).
 */
import { didYouMean, RockyError } from "../errors.ts";
import type {
  KindedEdge,
  LineageEdge,
  ReachedColumn,
  SemanticGraph,
  TableInfo,
  TraceEntry,
} from "../graph/semantic.ts";

export type Direction = "upstream" | "downstream";

export interface LineageTarget {
  table: TableInfo;
  column?: string;
}

const suggest = didYouMean;

/**
 * `model`, `model.column`, `raw.orders`, `raw.orders.amount`, or `--column`. A dot is
 * ambiguous for external tables, so the longest prefix naming a known model or table wins.
 */
export function resolveTarget(graph: SemanticGraph, target: string, column?: string): LineageTarget {
  const names = graph.allTables().map((t) => t.name);
  let table = graph.table(target);
  let col = column;
  if (!table && column === undefined) {
    for (let i = target.lastIndexOf("."); i > 0; i = target.lastIndexOf(".", i - 1)) {
      const t = graph.table(target.slice(0, i));
      if (t) {
        table = t;
        col = target.slice(i + 1);
        break;
      }
    }
  }
  if (!table) {
    const head = target.split(".")[0]!;
    throw new RockyError(`no model or source named '${target}'`, {
      hint: suggest(target, names) ?? suggest(head, names) ?? "run 'rocky compile' to list the models",
      code: "not_found",
    });
  }
  if (col === undefined) return { table };
  const canonical = table.columns?.find((c) => c.toLowerCase() === col!.toLowerCase());
  if (canonical !== undefined) return { table, column: canonical };
  // An unavailable model's columns are unknown: a column read from it downstream can still be traced.
  if (table.columns === undefined) return { table, column: col };
  throw new RockyError(
    `${table.kind === "model" ? "model" : "source"} '${table.name}' has no column '${col}'`,
    {
      hint: suggest(col, table.columns) ?? `its columns: ${table.columns.join(", ") || "(none)"}`,
      code: "not_found",
    },
  );
}

/** `indirect`: add the model's indirect reads (SPEC §15); without it the payload is Rocky's. */
export function modelLineage(graph: SemanticGraph, table: TableInfo, indirect = false) {
  return {
    model: table.name,
    kind: table.kind,
    columns: (table.columns ?? []).map((name) => ({ name })),
    upstream: table.upstream,
    downstream: table.downstream,
    edges: graph.edgesOf(table.name),
    ...(indirect ? { indirect: graph.indirectOf(table.name) } : {}),
    ...(table.unavailable !== undefined ? { unavailable: table.unavailable } : {}),
  };
}

/**
 * A column's transitive trace. With `indirect` (SPEC §15) the walk also follows indirect
 * edges, every entry says its `kind` (and `via`), and a downstream trace lists each
 * reached column once with the kind that reached it (`value` if any value path does).
 */
export function columnLineage(
  graph: SemanticGraph,
  table: TableInfo,
  column: string,
  direction: Direction,
  indirect = false,
) {
  const trace: TraceEntry[] = indirect
    ? graph.traceWithIndirect(table.name, column, direction)
    : direction === "upstream"
      ? graph.traceUpstream(table.name, column)
      : graph.traceDownstream(table.name, column);
  const reached: ReachedColumn[] | undefined =
    indirect && direction === "downstream" ? graph.impact([{ model: table.name, column }]) : undefined;
  return {
    model: table.name,
    column,
    direction,
    trace,
    ...(reached ? { reached } : {}),
    ...(table.unavailable !== undefined ? { unavailable: table.unavailable } : {}),
  };
}

/** Edges a picture of the target shows: the trace, or the model's own edges in the asked direction. */
export function edgesToDraw(
  graph: SemanticGraph,
  t: LineageTarget,
  direction: Direction | undefined,
  indirect = false,
): (LineageEdge | KindedEdge)[] {
  const name = t.table.name;
  if (t.column !== undefined) {
    if (indirect) return graph.traceWithIndirect(name, t.column, direction ?? "upstream");
    return direction === "downstream"
      ? graph.traceDownstream(name, t.column)
      : graph.traceUpstream(name, t.column);
  }
  const into = () => [...graph.edgesTargeting(name), ...(indirect ? graph.indirectTargeting(name) : [])];
  const outOf = () => [...graph.edgesSourcedFrom(name), ...(indirect ? graph.indirectSourcedFrom(name) : [])];
  if (direction === "upstream") return into();
  if (direction === "downstream") return outOf();
  if (!indirect) return graph.edgesOf(name);
  // A model reading itself has its edges on both sides: keep each once.
  const own = graph.edgesOf(name);
  const ind = [...graph.indirectTargeting(name), ...graph.indirectSourcedFrom(name)];
  const seen = new Set<string>();
  return [
    ...own,
    ...ind.filter((e) => {
      const k =
        `${e.source.model}.${e.source.column}>${e.target.model}.${e.target.column}>${e.via}`.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    }),
  ];
}
