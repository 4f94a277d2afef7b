/**
 * The column-level semantic graph: one node per (model or external table, column),
 * one edge per "value of target is computed from source". Edges are kept in one
 * array in a stable order (models in topological order, columns in SELECT order,
 * sources in order of appearance); indexes by target node, by source node, and by
 * model let every walk cost what it visits rather than the size of the graph.
 */
import type { IndirectVia, Transform } from "../sql/types.ts";

export interface QualifiedColumn {
  model: string;
  column: string;
}

export interface LineageEdge {
  source: QualifiedColumn;
  target: QualifiedColumn;
  transform: Transform | string;
}

/** A column that decides which rows a model has or how they are grouped/ordered (SPEC §15). */
export interface IndirectRead {
  source: QualifiedColumn;
  via: IndirectVia;
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

/** A table's record: its public info, its columns' node ids, and its edges by side. */
interface TableRec {
  info: TableInfo;
  cols: Map<string, number>;
  /** Edge indexes, ascending (the seed's edges_by_target_model / edges_by_source_model). */
  byTarget: number[];
  bySource: number[];
  /** Tables linked downstream of this one, so a link is recorded once (created on first link). */
  linked: Set<TableRec> | undefined;
}

export class SemanticGraph {
  private readonly tables = new Map<string, TableRec>();
  private readonly tableOrder: TableRec[] = [];
  /**
   * Per node id: its column name and its table's record. No object per node: a 10k-model
   * graph has ~85k nodes, and allocating them (and two edge lists each) up front was most
   * of the graph's build time. Edge lists are created on a node's first edge.
   */
  private readonly nodeColumn: string[] = [];
  private readonly edgeSrc: number[] = [];
  private readonly edgeTgt: number[] = [];
  private readonly edgeTransform: string[] = [];
  /** Per node id: edge indexes where the node is the target (producers) / the source (consumers). */
  private readonly inEdges: (number[] | undefined)[] = [];
  private readonly outEdges: (number[] | undefined)[] = [];
  /** Per node id: its table's record, so an edge finds its model index without a lookup. */
  private readonly nodeTable: TableRec[] = [];
  /** Per model (lowercased): its indirect reads. Kept apart from the value edges, which stay Rocky's. */
  private readonly indirect = new Map<string, IndirectRead[]>();

  /** Register a model or external table. Re-adding merges (first registration keeps its kind and name). */
  addTable(info: Omit<TableInfo, "upstream" | "downstream">): TableInfo {
    const rec = this.rec(info.name, info.kind);
    const t = rec.info;
    if (info.unavailable !== undefined) t.unavailable = info.unavailable;
    if (info.columns) {
      for (const c of info.columns) this.nodeOf(rec, c);
      // A model's columns are exactly its analysed output (duplicates collapse to one node).
      if (t.kind === "model") t.columns = [...new Set(info.columns)];
    }
    return t;
  }

  private rec(name: string, kind: TableKind): TableRec {
    const k = key(name);
    let rec = this.tables.get(k);
    if (!rec) {
      rec = {
        info: { name, kind, columns: undefined, upstream: [], downstream: [] },
        cols: new Map(),
        byTarget: [],
        bySource: [],
        linked: undefined,
      };
      this.tables.set(k, rec);
      this.tableOrder.push(rec);
    }
    return rec;
  }

  private nodeOf(rec: TableRec, column: string): number {
    const ck = key(column);
    let id = rec.cols.get(ck);
    if (id !== undefined) return id;
    id = this.nodeColumn.length;
    this.nodeColumn.push(column);
    this.nodeTable.push(rec);
    this.inEdges.push(undefined);
    this.outEdges.push(undefined);
    rec.cols.set(ck, id);
    // An external table's columns are whatever is declared or read; a model's are fixed
    // by its analysis, so a reference to a missing column does not invent one.
    if (rec.info.kind === "source") (rec.info.columns ??= []).push(column);
    return id;
  }

  private nodeId(model: string, column: string): number | undefined {
    return this.tables.get(key(model))?.cols.get(key(column));
  }

  /** Record a model's indirect reads (each source and via once, first occurrence kept). */
  addIndirect(model: string, reads: readonly IndirectRead[]): void {
    if (reads.length === 0) return;
    const list = this.indirect.get(key(model)) ?? [];
    const seen = new Set(list.map(indirectKey));
    for (const read of reads) {
      const k = indirectKey(read);
      if (seen.has(k)) continue;
      seen.add(k);
      list.push(read);
    }
    this.indirect.set(key(model), list);
  }

  /** A model's indirect reads in order of appearance in its SQL; empty for none or for a source. */
  indirectOf(model: string): IndirectRead[] {
    return this.indirect.get(key(model)) ?? [];
  }

  /** The table a name refers to (case-insensitive), or undefined. */
  table(name: string): TableInfo | undefined {
    return this.tables.get(key(name))?.info;
  }

  /** Every table in registration order (models topologically, sources as first met). */
  allTables(): TableInfo[] {
    return this.tableOrder.map((r) => r.info);
  }

  /** Add a column to a table (an unknown table becomes an external source); returns its node id. */
  addColumn(table: string, column: string): number {
    return this.nodeOf(this.tables.get(key(table)) ?? this.rec(table, "source"), column);
  }

  /** Add `source -> target` once; repeated identical edges are ignored. */
  addEdge(source: QualifiedColumn, target: QualifiedColumn, transform: string): void {
    this.addEdgeById(
      this.addColumn(source.model, source.column),
      this.addColumn(target.model, target.column),
      transform,
    );
  }

  /** `addEdge` with node ids from `addColumn`, for bulk building without per-edge lookups. */
  addEdgeById(src: number, tgt: number, transform: string): void {
    // A column has few producers: scanning them beats a global set of edge keys.
    let producers = this.inEdges[tgt];
    if (producers === undefined) {
      producers = [];
      this.inEdges[tgt] = producers;
    }
    for (const e of producers) if (this.edgeSrc[e] === src && this.edgeTransform[e] === transform) return;
    const idx = this.edgeSrc.length;
    this.edgeSrc.push(src);
    this.edgeTgt.push(tgt);
    this.edgeTransform.push(transform);
    producers.push(idx);
    const consumers = this.outEdges[src];
    if (consumers === undefined) this.outEdges[src] = [idx];
    else consumers.push(idx);
    this.nodeTable[tgt]!.byTarget.push(idx);
    this.nodeTable[src]!.bySource.push(idx);
  }

  /** Record model-level adjacency (done by the compiler from the DAG and external reads). */
  link(upstream: string, downstream: string): void {
    const u = this.tables.get(key(upstream));
    const d = this.tables.get(key(downstream));
    if (!u || !d) return;
    u.linked ??= new Set();
    if (u.linked.has(d)) return;
    u.linked.add(d);
    u.info.downstream.push(d.info.name);
    d.info.upstream.push(u.info.name);
  }

  get edgeCount(): number {
    return this.edgeSrc.length;
  }

  get nodeCount(): number {
    return this.nodeColumn.length;
  }

  private node(id: number): QualifiedColumn {
    return { model: this.nodeTable[id]!.info.name, column: this.nodeColumn[id]! };
  }

  private edge(i: number): LineageEdge {
    return {
      source: this.node(this.edgeSrc[i]!),
      target: this.node(this.edgeTgt[i]!),
      transform: this.edgeTransform[i]!,
    };
  }

  /** All edges, in graph order. */
  edges(): LineageEdge[] {
    return this.edgeSrc.map((_, i) => this.edge(i));
  }

  /** Edges whose target is in `model`, in graph order. */
  edgesTargeting(model: string): LineageEdge[] {
    return (this.tables.get(key(model))?.byTarget ?? []).map((i) => this.edge(i));
  }

  /** Edges whose source is in `model`, in graph order. */
  edgesSourcedFrom(model: string): LineageEdge[] {
    return (this.tables.get(key(model))?.bySource ?? []).map((i) => this.edge(i));
  }

  /** Edges touching `model` on either side, in graph order, each once. */
  edgesOf(model: string): LineageEdge[] {
    const rec = this.tables.get(key(model));
    const a = rec?.byTarget ?? [];
    const b = rec?.bySource ?? [];
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
    const id = this.nodeId(model, column);
    return id === undefined ? [] : (this.inEdges[id] ?? []).map((i) => this.edge(i));
  }

  /** Direct consumers of one column (its outgoing edges), in graph order. */
  consumers(model: string, column: string): LineageEdge[] {
    const id = this.nodeId(model, column);
    return id === undefined ? [] : (this.outEdges[id] ?? []).map((i) => this.edge(i));
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
    const start = this.nodeId(model, column);
    if (start === undefined) return [];
    const adjacency = direction === "upstream" ? this.inEdges : this.outEdges;
    const out: TraceEntry[] = [];
    const seen = new Set<number>([start]);
    let frontier = [start];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const n of frontier) {
        for (const ei of adjacency[n] ?? []) {
          out.push({ ...this.edge(ei), depth });
          const other = direction === "upstream" ? this.edgeSrc[ei]! : this.edgeTgt[ei]!;
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

function indirectKey(read: IndirectRead): string {
  return `${key(read.source.model)}\u0000${key(read.source.column)}\u0000${read.via}`;
}
