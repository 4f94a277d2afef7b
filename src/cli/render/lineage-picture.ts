/**
 * What every lineage drawing (dot, mermaid, html) shows: the tables touched by a set
 * of edges, each with its columns in order, and the edges. Built once, drawn by each
 * renderer.
 */
import type { EdgeKind, LineageEdge, QualifiedColumn, TableKind } from "../../graph/semantic.ts";
import type { IndirectVia } from "../../sql/types.ts";

/** An edge of the picture: value edges may omit `kind`; indirect ones are drawn dashed, labelled `via`. */
export type PictureEdge = LineageEdge & { kind?: EdgeKind; via?: IndirectVia };

export const isIndirect = (e: PictureEdge): boolean => e.kind === "indirect";

export interface PictureTable {
  name: string;
  kind: "model" | "source";
  columns: string[];
  unavailable?: string;
  /** Column of left-to-right layout: 0 for tables no edge in the picture feeds. */
  level: number;
}

export interface Picture {
  title: string;
  tables: PictureTable[];
  edges: PictureEdge[];
  /** The column (or table, column undefined) the picture is about, highlighted. */
  focus: { model: string; column?: string };
}

const k = (c: QualifiedColumn) => `${c.model.toLowerCase()}.${c.column.toLowerCase()}`;
export const columnKey = k;

/** What a picture needs of the project's tables: the semantic graph, or a catalog (the docs site). */
export interface TableLookup {
  table(
    name: string,
  ): { name: string; kind: TableKind; columns: string[] | undefined; unavailable?: string } | undefined;
  allTables(): { name: string }[];
}

/**
 * `everyTable`: draw every table of the lookup with all its columns (the docs site's
 * whole-project graph), not only the columns the edges touch.
 */
export function buildPicture(
  graph: TableLookup,
  title: string,
  focus: { model: string; column?: string },
  edges: PictureEdge[],
  everyTable = false,
): Picture {
  const byName = new Map<string, PictureTable>();
  const add = (model: string): PictureTable => {
    let t = byName.get(model);
    if (!t) {
      const info = graph.table(model);
      t = {
        name: model,
        kind: info?.kind ?? "source",
        columns: [],
        level: 0,
        ...(info?.unavailable !== undefined ? { unavailable: info.unavailable } : {}),
      };
      byName.set(model, t);
    }
    return t;
  };
  const addColumn = (c: QualifiedColumn) => {
    const t = add(c.model);
    if (!t.columns.some((x) => x.toLowerCase() === c.column.toLowerCase())) t.columns.push(c.column);
  };
  const focusTable = add(focus.model);
  if (focus.column !== undefined) addColumn({ model: focus.model, column: focus.column });
  else for (const c of graph.table(focus.model)?.columns ?? []) addColumn({ model: focus.model, column: c });
  if (everyTable)
    for (const { name } of graph.allTables()) {
      add(name);
      for (const c of graph.table(name)?.columns ?? []) addColumn({ model: name, column: c });
    }
  for (const e of edges) {
    addColumn(e.source);
    addColumn(e.target);
  }
  // Keep each table's columns in the table's own order.
  for (const t of byName.values()) {
    const order = graph.table(t.name)?.columns ?? [];
    const pos = (c: string) => {
      const i = order.findIndex((x) => x.toLowerCase() === c.toLowerCase());
      return i === -1 ? order.length : i;
    };
    t.columns.sort((a, b) => pos(a) - pos(b));
  }
  // Longest-path levels over table-to-table edges (a model reading itself is ignored).
  const ups = new Map<string, Set<string>>();
  for (const e of edges) {
    if (e.source.model === e.target.model) continue;
    let s = ups.get(e.target.model);
    if (!s) ups.set(e.target.model, (s = new Set()));
    s.add(e.source.model);
  }
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (n: string): number => {
    const known = level.get(n);
    if (known !== undefined) return known;
    if (visiting.has(n)) return 0;
    visiting.add(n);
    let l = 0;
    for (const u of ups.get(n) ?? []) l = Math.max(l, levelOf(u) + 1);
    visiting.delete(n);
    level.set(n, l);
    return l;
  };
  for (const t of byName.values()) t.level = levelOf(t.name);
  const graphOrder = new Map(graph.allTables().map((t, i) => [t.name, i]));
  const tables = [...byName.values()].sort(
    (a, b) => a.level - b.level || (graphOrder.get(a.name) ?? 0) - (graphOrder.get(b.name) ?? 0),
  );
  void focusTable;
  return { title, tables, edges, focus };
}
