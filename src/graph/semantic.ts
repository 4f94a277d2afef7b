/**
 * The column-level semantic graph: one node per (model or external table, column),
 * one edge per "value of target is computed from source". Edges are kept in one
 * array in a stable order (models in topological order, columns in SELECT order,
 * sources in order of appearance); indexes by target node, by source node, and by
 * model let every walk cost what it visits rather than the size of the graph.
 *
 * Indirect edges (SPEC §15: a column that decides which rows a model has, or how they
 * are grouped and ordered) are kept apart, so the value edges stay Rocky's. They are
 * stored per read — (source column, via, the outputs it affects) — not per edge: a
 * WHERE affects every output column, and expanding that to one record per output would
 * multiply the store by the model's width. Indexed by source node and by model.
 */
import type { IndirectVia } from "../sql/types.ts";

export interface QualifiedColumn {
  model: string;
  column: string;
}

export interface LineageEdge {
  source: QualifiedColumn;
  target: QualifiedColumn;
  /** Rocky's string (`renderTransform`), or `indirect` on an indirect edge: what outputs show. */
  transform: string;
}

/** A column that decides which rows a model has or how they are grouped/ordered (SPEC §15). */
export interface IndirectRead {
  source: QualifiedColumn;
  via: IndirectVia;
  /** Output columns of the model it affects; missing or empty when adding = every output column. */
  outputs?: string[];
}

export type EdgeKind = "value" | "indirect";

/** An edge of either kind: value edges keep their transform; indirect ones say the clause. */
export interface KindedEdge extends LineageEdge {
  kind: EdgeKind;
  via?: IndirectVia;
}

export interface KindedTraceEntry extends KindedEdge {
  depth: number;
}

/** A column an impact walk reached: at its smallest depth, `value` if any path of value edges reaches it. */
export interface ReachedColumn extends QualifiedColumn {
  depth: number;
  kind: EdgeKind;
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
  /** Indirect read ids of this model, in order of appearance; undefined: none recorded. */
  reads: number[] | undefined;
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
  /** Per indirect read id: source node, the model it filters, the clause, the output nodes (null: all). */
  private readonly readSrc: number[] = [];
  private readonly readTable: TableRec[] = [];
  private readonly readVia: IndirectVia[] = [];
  private readonly readOut: (number[] | null)[] = [];
  /** Per node id: indirect read ids where the node is the source. */
  private readonly readsFrom: (number[] | undefined)[] = [];

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
        reads: undefined,
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
    this.readsFrom.push(undefined);
    rec.cols.set(ck, id);
    // An external table's columns are whatever is declared or read; a model's are fixed
    // by its analysis, so a reference to a missing column does not invent one.
    if (rec.info.kind === "source") (rec.info.columns ??= []).push(column);
    return id;
  }

  private nodeId(model: string, column: string): number | undefined {
    return this.tables.get(key(model))?.cols.get(key(column));
  }

  /**
   * Record a model's indirect reads. A repeated (source, via) widens the first one's
   * outputs; an empty or unknown output list means every output column. Recording an
   * empty list still marks the model's indirect reads as known (see `indirectKnown`).
   */
  addIndirect(model: string, reads: readonly IndirectRead[]): void {
    const rec = this.tables.get(key(model));
    if (!rec) return;
    rec.reads ??= [];
    for (const read of reads) {
      const src = this.addColumn(read.source.model, read.source.column);
      const outs = this.outputNodes(rec, read.outputs);
      const existing = rec.reads.find((r) => this.readSrc[r] === src && this.readVia[r] === read.via);
      if (existing !== undefined) {
        const had = this.readOut[existing]!;
        this.readOut[existing] = had === null || outs === null ? null : [...new Set([...had, ...outs])];
        continue;
      }
      const id = this.readSrc.length;
      this.readSrc.push(src);
      this.readTable.push(rec);
      this.readVia.push(read.via);
      this.readOut.push(outs);
      rec.reads.push(id);
      const from = this.readsFrom[src];
      if (from === undefined) this.readsFrom[src] = [id];
      else from.push(id);
    }
  }

  /** Output node ids of `outputs` in `rec`; null for every output (none given, or none known). */
  private outputNodes(rec: TableRec, outputs: readonly string[] | undefined): number[] | null {
    if (!outputs || outputs.length === 0) return null;
    const ids = outputs.map((c) => rec.cols.get(key(c))).filter((id) => id !== undefined);
    return ids.length > 0 ? [...new Set(ids)] : null;
  }

  /** Did the compiler record the model's indirect reads (possibly none)? False: they are unknown. */
  indirectKnown(model: string): boolean {
    return this.tables.get(key(model))?.reads !== undefined;
  }

  /** Output node ids a read affects. */
  private readTargets(r: number): number[] {
    const outs = this.readOut[r]!;
    if (outs !== null) return outs;
    const rec = this.readTable[r]!;
    return (rec.info.columns ?? []).map((c) => rec.cols.get(key(c))!);
  }

  /** A model's indirect reads in order of appearance in its SQL, with the outputs each affects. */
  indirectOf(model: string): Required<IndirectRead>[] {
    return (this.tables.get(key(model))?.reads ?? []).map((r) => ({
      source: this.node(this.readSrc[r]!),
      via: this.readVia[r]!,
      outputs: this.readTargets(r).map((n) => this.nodeColumn[n]!),
    }));
  }

  private indirectEdge(r: number, tgt: number): KindedEdge {
    return {
      source: this.node(this.readSrc[r]!),
      target: this.node(tgt),
      transform: "indirect",
      kind: "indirect",
      via: this.readVia[r]!,
    };
  }

  /** Indirect edges into one column: the reads of its model that affect it. */
  indirectProducers(model: string, column: string): KindedEdge[] {
    const rec = this.tables.get(key(model));
    const id = rec?.cols.get(key(column));
    if (!rec || id === undefined) return [];
    return this.readsInto(id).map((r) => this.indirectEdge(r, id));
  }

  /** Read ids of a node's model that affect the node (an output column of it). */
  private readsInto(id: number): number[] {
    const rec = this.nodeTable[id]!;
    if (rec.reads === undefined || rec.reads.length === 0) return [];
    const col = key(this.nodeColumn[id]!);
    const isOutput = rec.info.columns?.some((c) => key(c) === col) ?? false;
    return rec.reads.filter((r) => {
      const outs = this.readOut[r]!;
      return outs === null ? isOutput : outs.includes(id);
    });
  }

  /** Indirect edges out of one column: every output column of every model whose rows it decides. */
  indirectConsumers(model: string, column: string): KindedEdge[] {
    const id = this.nodeId(model, column);
    if (id === undefined) return [];
    const out: KindedEdge[] = [];
    for (const r of this.readsFrom[id] ?? [])
      for (const t of this.readTargets(r)) out.push(this.indirectEdge(r, t));
    return out;
  }

  /** Indirect edges whose target is in `model`, by read then output column. */
  indirectTargeting(model: string): KindedEdge[] {
    const out: KindedEdge[] = [];
    for (const r of this.tables.get(key(model))?.reads ?? [])
      for (const t of this.readTargets(r)) out.push(this.indirectEdge(r, t));
    return out;
  }

  /** Every indirect edge, expanded (one per source, target column and via), models in graph order. */
  indirectEdges(): KindedEdge[] {
    const out: KindedEdge[] = [];
    for (const rec of this.tableOrder)
      for (const r of rec.reads ?? []) for (const t of this.readTargets(r)) out.push(this.indirectEdge(r, t));
    return out;
  }

  /** Indirect edges whose source is in `model`. */
  indirectSourcedFrom(model: string): KindedEdge[] {
    const rec = this.tables.get(key(model));
    const out: KindedEdge[] = [];
    for (const id of rec?.cols.values() ?? [])
      for (const r of this.readsFrom[id] ?? [])
        for (const t of this.readTargets(r)) out.push(this.indirectEdge(r, t));
    return out;
  }

  /** Number of indirect (source column, target column, via) edges, as if expanded. */
  get indirectEdgeCount(): number {
    let n = 0;
    for (let r = 0; r < this.readSrc.length; r++)
      n += this.readOut[r]?.length ?? this.readTable[r]!.info.columns?.length ?? 0;
    return n;
  }

  /** Number of stored indirect reads (what the graph holds for the indirect edges). */
  get indirectReadCount(): number {
    return this.readSrc.length;
  }

  /**
   * Every stored indirect read in id order, outputs as stored (null: every output), and
   * the models whose reads are known: what `addIndirect` needs to rebuild them as they are.
   */
  indirectReads(): {
    reads: { model: string; source: QualifiedColumn; via: IndirectVia; outputs: string[] | null }[];
    known: string[];
  } {
    return {
      reads: this.readSrc.map((src, r) => ({
        model: this.readTable[r]!.info.name,
        source: this.node(src),
        via: this.readVia[r]!,
        outputs: this.readOut[r]?.map((n) => this.nodeColumn[n]!) ?? null,
      })),
      known: this.tableOrder.filter((t) => t.reads !== undefined).map((t) => t.info.name),
    };
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
   * `traceUpstream` / `traceDownstream` over value and indirect edges, each entry marked
   * with its kind (and `via` for indirect ones). Same order rules; a node's value edges
   * come before its indirect ones.
   */
  traceWithIndirect(model: string, column: string, direction: "upstream" | "downstream"): KindedTraceEntry[] {
    const start = this.nodeId(model, column);
    if (start === undefined) return [];
    const up = direction === "upstream";
    const out: KindedTraceEntry[] = [];
    const seen = new Set<number>([start]);
    let frontier = [start];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: number[] = [];
      const visit = (entry: KindedEdge, other: number) => {
        out.push({ ...entry, depth });
        if (!seen.has(other)) {
          seen.add(other);
          next.push(other);
        }
      };
      for (const n of frontier) {
        for (const ei of (up ? this.inEdges : this.outEdges)[n] ?? [])
          visit({ ...this.edge(ei), kind: "value" }, up ? this.edgeSrc[ei]! : this.edgeTgt[ei]!);
        if (up) for (const r of this.readsInto(n)) visit(this.indirectEdge(r, n), this.readSrc[r]!);
        else
          for (const r of this.readsFrom[n] ?? [])
            for (const t of this.readTargets(r)) visit(this.indirectEdge(r, t), t);
      }
      frontier = next;
    }
    return out;
  }

  /**
   * The downstream impact of changing `starts` (depth 0, not reported): every column
   * reached over value and indirect edges, each once at its smallest depth, in
   * breadth-first order (per depth, the frontier's value edges before its indirect ones).
   * `kind` says how it was reached: with `kindBy: "path"` (default) `value` when some
   * path of value edges alone reaches it, else `indirect`; with `"edge"` the kind of the
   * edge that first reached it. Costs what it visits.
   */
  impact(starts: readonly QualifiedColumn[], kindBy: "path" | "edge" = "path"): ReachedColumn[] {
    const ids = starts.map((s) => this.nodeId(s.model, s.column)).filter((id) => id !== undefined);
    const byValue = kindBy === "path" ? new Set(this.reachIds(ids, false).keys()) : undefined;
    const out: ReachedColumn[] = [];
    for (const [id, r] of this.reachIds(ids, true))
      out.push({
        ...this.node(id),
        depth: r.depth,
        kind: byValue ? (byValue.has(id) ? "value" : "indirect") : r.kind,
      });
    return out;
  }

  /** Breadth-first downstream from `starts` (excluded): node id -> depth and first edge kind, in order reached. */
  private reachIds(
    starts: readonly number[],
    withIndirect: boolean,
  ): Map<number, { depth: number; kind: EdgeKind }> {
    const seen = new Set<number>(starts);
    const reached = new Map<number, { depth: number; kind: EdgeKind }>();
    let frontier = [...new Set(starts)];
    for (let depth = 1; frontier.length > 0; depth++) {
      const next: number[] = [];
      const visit = (t: number, kind: EdgeKind) => {
        if (seen.has(t)) return;
        seen.add(t);
        reached.set(t, { depth, kind });
        next.push(t);
      };
      for (const n of frontier) for (const ei of this.outEdges[n] ?? []) visit(this.edgeTgt[ei]!, "value");
      if (withIndirect)
        for (const n of frontier)
          for (const r of this.readsFrom[n] ?? []) for (const t of this.readTargets(r)) visit(t, "indirect");
      frontier = next;
    }
    return reached;
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
