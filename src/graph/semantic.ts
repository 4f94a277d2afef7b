/**
 * The column-level semantic graph: one node per (model or external table, column),
 * one edge per "value of target is computed from source". Edges are kept in one
 * array in a stable order (models in topological order, columns in SELECT order,
 * sources in order of appearance); indexes by target node, by source node, and by
 * model let every walk cost what it visits rather than the size of the graph.
 */
import type { Transform } from "../sql/types.ts";

export interface QualifiedColumn {
  model: string;
  column: string;
}

export interface LineageEdge {
  source: QualifiedColumn;
  target: QualifiedColumn;
  transform: Transform | string;
}

export interface TraceEntry extends LineageEdge {
  /** 1 for edges touching the start column, 2 for the next hop, and so on. */
  depth: number;
}

export type TableKind = "model" | "source";

export interface TableInfo {
  /** Display name: the model name, or the external table as `raw.orders`. */
  name: string;
  kind: TableKind;
  /**
   * Output columns in order. For a model whose SQL could not be analysed this is
   * undefined and `unavailable` says why; for an external table it is the declared
   * columns, then any other column models read from it.
   */
  columns: string[] | undefined;
  unavailable?: string;
  /** Models (or external tables) this one reads, and models reading it. */
  upstream: string[];
  downstream: string[];
}

/** Case-insensitive key: unquoted identifiers are case-insensitive in every supported warehouse. */
const key = (s: string) => s.toLowerCase();
const nodeKey = (model: string, column: string) => `${key(model)}\u0000${key(column)}`;

export class SemanticGraph {
  private readonly tables = new Map<string, TableInfo>();
  private readonly tableOrder: string[] = [];
  private readonly nodeIds = new Map<string, number>();
  private readonly nodes: QualifiedColumn[] = [];
  private readonly edgeList: { src: number; tgt: number; transform: string }[] = [];
  private readonly edgeKeys = new Set<string>();
  /** Per node id: edge indexes where the node is the target (producers) / the source (consumers). */
  private readonly inEdges: number[][] = [];
  private readonly outEdges: number[][] = [];
  /** Per table key: edge indexes, ascending (the seed's edges_by_target_model / edges_by_source_model). */
  private readonly byTargetModel = new Map<string, number[]>();
  private readonly bySourceModel = new Map<string, number[]>();
  /** Per table key: node ids, in the order columns were added. */
  private readonly nodesOfTable = new Map<string, number[]>();

  /** Register a model or external table. Re-adding merges (first registration keeps its kind and name). */
  addTable(info: Omit<TableInfo, "upstream" | "downstream"> & { upstream?: string[] }): TableInfo {
    const k = key(info.name);
    let t = this.tables.get(k);
    if (!t) {
      t = {
        name: info.name,
        kind: info.kind,
        columns: undefined,
        upstream: [...(info.upstream ?? [])],
        downstream: [],
      };
      if (info.unavailable !== undefined) t.unavailable = info.unavailable;
      this.tables.set(k, t);
      this.tableOrder.push(k);
    } else if (info.unavailable !== undefined) t.unavailable = info.unavailable;
    if (info.columns) {
      for (const c of info.columns) this.addColumn(t.name, c);
      // A model's columns are exactly its analysed output (duplicates collapse to one node).
      if (t.kind === "model") t.columns = [...new Set(info.columns)];
    }
    return t;
  }

  /** The table a name refers to (case-insensitive), or undefined. */
  table(name: string): TableInfo | undefined {
    return this.tables.get(key(name));
  }

  /** Every table in registration order (models topologically, sources as first met). */
  allTables(): TableInfo[] {
    return this.tableOrder.map((k) => this.tables.get(k)!);
  }

  /** Add a column to a table (idempotent); returns its node id. */
  addColumn(table: string, column: string): number {
    const nk = nodeKey(table, column);
    let id = this.nodeIds.get(nk);
    if (id !== undefined) return id;
    let t = this.tables.get(key(table));
    if (!t) t = this.addTable({ name: table, kind: "source", columns: undefined });
    id = this.nodes.length;
    this.nodes.push({ model: t.name, column });
    this.nodeIds.set(nk, id);
    this.inEdges.push([]);
    this.outEdges.push([]);
    let list = this.nodesOfTable.get(key(table));
    if (!list) this.nodesOfTable.set(key(table), (list = []));
    list.push(id);
    // An external table's columns are whatever is declared or read; a model's are fixed
    // by its analysis, so a reference to a missing column does not invent one.
    if (t.kind === "source") (t.columns ??= []).push(column);
    return id;
  }

  /** Add `source -> target` once; repeated identical edges are ignored. */
  addEdge(source: QualifiedColumn, target: QualifiedColumn, transform: string): void {
    const src = this.addColumn(source.model, source.column);
    const tgt = this.addColumn(target.model, target.column);
    const ek = `${src}>${tgt}>${transform}`;
    if (this.edgeKeys.has(ek)) return;
    this.edgeKeys.add(ek);
    const idx = this.edgeList.length;
    this.edgeList.push({ src, tgt, transform });
    this.inEdges[tgt]!.push(idx);
    this.outEdges[src]!.push(idx);
    const tk = key(this.nodes[tgt]!.model);
    const sk = key(this.nodes[src]!.model);
    let bt = this.byTargetModel.get(tk);
    if (!bt) this.byTargetModel.set(tk, (bt = []));
    bt.push(idx);
    let bs = this.bySourceModel.get(sk);
    if (!bs) this.bySourceModel.set(sk, (bs = []));
    bs.push(idx);
  }

  /** Record model-level adjacency (done by the compiler from the DAG and external reads). */
  link(upstream: string, downstream: string): void {
    const u = this.table(upstream);
    const d = this.table(downstream);
    if (!u || !d) return;
    if (!u.downstream.includes(d.name)) u.downstream.push(d.name);
    if (!d.upstream.includes(u.name)) d.upstream.push(u.name);
  }

  get edgeCount(): number {
    return this.edgeList.length;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  private edge(i: number): LineageEdge {
    const e = this.edgeList[i]!;
    return { source: { ...this.nodes[e.src]! }, target: { ...this.nodes[e.tgt]! }, transform: e.transform };
  }

  /** All edges, in graph order. */
  edges(): LineageEdge[] {
    return this.edgeList.map((_, i) => this.edge(i));
  }

  /** The column's canonical spelling in the table, or undefined when the table has no such column. */
  column(table: string, column: string): string | undefined {
    const id = this.nodeIds.get(nodeKey(table, column));
    return id === undefined ? undefined : this.nodes[id]!.column;
  }

  /** Edges whose target is in `model`, in graph order. */
  edgesTargeting(model: string): LineageEdge[] {
    return (this.byTargetModel.get(key(model)) ?? []).map((i) => this.edge(i));
  }

  /** Edges whose source is in `model`, in graph order. */
  edgesSourcedFrom(model: string): LineageEdge[] {
    return (this.bySourceModel.get(key(model)) ?? []).map((i) => this.edge(i));
  }

  /** Edges touching `model` on either side, in graph order, each once. */
  edgesOf(model: string): LineageEdge[] {
    const a = this.byTargetModel.get(key(model)) ?? [];
    const b = this.bySourceModel.get(key(model)) ?? [];
    const merged: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
      if (merged.at(-1) !== x) merged.push(x);
    }
    return merged.map((k) => this.edge(k));
  }

  /** Direct producers of one column (its incoming edges), in graph order. */
  producers(model: string, column: string): LineageEdge[] {
    const id = this.nodeIds.get(nodeKey(model, column));
    return id === undefined ? [] : this.inEdges[id]!.map((i) => this.edge(i));
  }

  /** Direct consumers of one column (its outgoing edges), in graph order. */
  consumers(model: string, column: string): LineageEdge[] {
    const id = this.nodeIds.get(nodeKey(model, column));
    return id === undefined ? [] : this.outEdges[id]!.map((i) => this.edge(i));
  }

  /** Every column the value of `model.column` is computed from, transitively. */
  traceUpstream(model: string, column: string): TraceEntry[] {
    return this.walk(model, column, "upstream");
  }

  /** Every column computed from `model.column`, transitively: what breaks if it changes. */
  traceDownstream(model: string, column: string): TraceEntry[] {
    return this.walk(model, column, "downstream");
  }

  /**
   * Breadth-first from the start column: entries come by depth, and within a depth
   * in the order their nodes were reached, each node's edges in graph order. Each node
   * is expanded once and each edge belongs to exactly one node's list, so every edge
   * is returned once, and cycles (a model reading itself) terminate.
   */
  private walk(model: string, column: string, direction: "upstream" | "downstream"): TraceEntry[] {
    const start = this.nodeIds.get(nodeKey(model, column));
    if (start === undefined) return [];
    const adjacency = direction === "upstream" ? this.inEdges : this.outEdges;
    const out: TraceEntry[] = [];
    const seen = new Set<number>([start]);
    let frontier = [start];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const ei of adjacency[n]!) {
          const e = this.edgeList[ei]!;
          out.push({ ...this.edge(ei), depth });
          const other = direction === "upstream" ? e.src : e.tgt;
          if (!seen.has(other)) {
            seen.add(other);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
    return out;
  }
}
