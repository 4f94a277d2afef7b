/**
 * The lineage snapshot: the semantic graph of the last compile `rocky lineage` ran, with
 * a manifest of everything that graph was computed from (rocky's build, rocky.toml's
 * text after `${VAR}` expansion, and the path, size and mtime of every file and folder
 * under the models folder), so `rocky lineage` on an unchanged project answers from the
 * graph without loading the project, the compile pipeline or DuckDB. Only lineage
 * stores it: the stat per file and the serialisation would cost every other compile.
 * It holds the tables, the value edges and the indirect reads (SPEC §15), so --indirect
 * and pictures answer from it too; --select compiles (it needs the project's tags and paths).
 *
 * The manifest is taken before the project is read, so a file edited while a compile
 * runs leaves a manifest that no longer matches: the next lineage compiles again. A
 * models folder holding a symlink gets no snapshot (a link's target could change
 * without anything under the folder changing). A missing, corrupt, truncated or
 * foreign snapshot is ignored: it can only make lineage faster, never change its answer.
 *
 * Stored as `.rocky-cache/lineage.snapshot`: a checksum line and the JSON header's
 * byte length, then the header (the strings: names, columns, paths), then the numbers as raw arrays
 * (the manifest's stats as float64, the rest int32) — most of the data, and parsing it
 * as JSON was most of the load. Written to a temporary file and renamed over the old one.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { expandEnvLazily } from "../config/env.ts";
import { findConfig } from "../config/locate.ts";
import { SemanticGraph, type TableInfo } from "../graph/semantic.ts";
import type { IndirectVia } from "../sql/types.ts";
import { resolveTarget } from "./lineage.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";
import { mark } from "./profile.ts";

/** Bump when the stored shape changes. */
const FORMAT = 5;
const FILE = "lineage.snapshot";

/** One table: name, kind, columns, why unavailable, upstream and downstream (indexes into the tables). */
/** Columns as indexes into `columns`. */
type TableRow = [string, "model" | "source", number[] | null, string | null, number[], number[]];

/** The JSON part: the strings and the tables; the numbers follow it as raw arrays. */
interface Header {
  format: number;
  /** The manifest's head and paths (see `manifestOf`); its stats are the float64 array. */
  head: string;
  paths: string[];
  modelsDir: string;
  /** Table names, by table index; the rest of each table is in `tableData`. */
  names: string[];
  /** Why a table's columns are unavailable, interned. */
  notes: string[];
  columns: string[];
  transforms: string[];
  vias: string[];
  /** Lengths of the arrays after the header: stats (float64), then `INTS` (int32) in order. */
  lengths: number[];
}

/** The int32 arrays after the stats, in file order. */
const INTS = ["nodes", "edges", "reads", "known", "tableAt", "tableData"] as const;

interface SnapshotFile extends Header {
  stats: Float64Array;
  /** Column nodes at edge ends, two numbers each: table index, index into `columns`. */
  nodes: Int32Array;
  /** Per edge, three numbers: source node, target node, index into `transforms`. */
  edges: Int32Array;
  /**
   * Per indirect read, in read order: model (table index), source node, index into
   * `vias`, then the number of outputs (-1: every output) and that many output nodes.
   */
  reads: Int32Array;
  /** Tables whose indirect reads are known (possibly none). */
  known: Int32Array;
  /** Per table, where its numbers start in `tableData`. */
  tableAt: Int32Array;
  /**
   * Per table: kind (0 model, 1 source), index into `notes` (-1: none), the number of
   * columns (-1: unavailable) and their indexes into `columns`, then the number of
   * upstream tables and their indexes, then the same for downstream.
   */
  tableData: Int32Array;
}

/** Table `i` of the snapshot, decoded. */
function row(data: SnapshotFile, i: number): TableRow {
  const d = data.tableData;
  let at = data.tableAt[i]!;
  const list = () => {
    const n = d[at]!;
    const out = n < 0 ? null : Array.from(d.subarray(at + 1, at + 1 + n));
    at += 1 + Math.max(n, 0);
    return out;
  };
  const kind = d[at] === 0 ? "model" : "source";
  const note = d[at + 1]!;
  at += 2;
  const cols = list();
  const up = list() ?? [];
  const down = list() ?? [];
  return [data.names[i]!, kind, cols, note < 0 ? null : data.notes[note]!, up, down];
}

/**
 * What a compile's graph depends on: a head (rocky's build, rocky.toml's path and the
 * hash of its expanded text, the models folder), then every entry under the models
 * folder with its size, mtime and inode.
 */
export interface Manifest {
  head: string;
  paths: string[];
  /** Three numbers per path: size, mtime (ms), inode. */
  stats: number[];
}

/** The manifest as of now, or undefined when it cannot be stated cheaply (a symlink, an unreadable folder). */
export function manifestOf(configFile: string, modelsDir: string): Manifest | undefined {
  const head = headOf(configFile, modelsDir);
  if (head === undefined) return undefined;
  const m: Manifest = { head, paths: [], stats: [] };
  const complete = walkModels(modelsDir, "", (rel, s) => {
    m.paths.push(rel);
    m.stats.push(s.size, s.mtimeMs, s.ino);
    return true;
  });
  return complete ? m : undefined;
}

/** Whether nothing in `stored` has changed: compared entry by entry, stopping at the first difference. */
function unchanged(
  configFile: string,
  modelsDir: string,
  stored: { head: string; paths: string[]; stats: ArrayLike<number> },
): boolean {
  if (headOf(configFile, modelsDir) !== stored.head) return false;
  const { paths, stats } = stored;
  let k = 0;
  const same = walkModels(modelsDir, "", (rel, s) => {
    const ok =
      paths[k] === rel &&
      stats[3 * k] === s.size &&
      stats[3 * k + 1] === s.mtimeMs &&
      stats[3 * k + 2] === s.ino;
    k++;
    return ok;
  });
  return same && k === paths.length;
}

function headOf(configFile: string, modelsDir: string): string | undefined {
  let toml: string;
  try {
    toml = readFileSync(configFile, "utf8");
  } catch {
    return undefined;
  }
  return [
    `${FORMAT}:${VERSION}:${BUILD_COMMIT}${BUILD_COMMIT === "dev" ? devStamp() : ""}`,
    configFile,
    Bun.CryptoHasher.hash("sha256", expandEnvLazily(toml).text, "hex"),
    modelsDir,
  ].join("\n");
}

/** Visit every entry under `dir` in a stable order; false when one is a symlink or cannot be read, or `visit` says stop. */
function walkModels(
  dir: string,
  rel: string,
  visit: (rel: string, s: { size: number; mtimeMs: number; ino: number }) => boolean,
): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return false;
  }
  for (const name of entries) {
    // The project loader skips hidden entries; so does the manifest.
    if (name.startsWith(".")) continue;
    const path = `${dir}/${name}`; // join() normalises, which costs ~15% of the walk
    const s = lstatSync(path, { throwIfNoEntry: false });
    if (s === undefined || s.isSymbolicLink() || !visit(`${rel}${name}`, s)) return false;
    if (s.isDirectory() && !walkModels(path, `${rel}${name}/`, visit)) return false;
  }
  return true;
}

/** From source, the compile code changes without a version bump: key on its files' sizes and mtimes. */
function devStamp(): string {
  const src = join(import.meta.dir, "..");
  const parts: string[] = [];
  for (const sub of ["compile", "config", "graph", "project", "sql"]) {
    try {
      for (const f of readdirSync(join(src, sub)).sort()) {
        const s = statSync(join(src, sub, f));
        parts.push(`${sub}/${f}:${s.size}:${s.mtimeMs}`);
      }
    } catch {
      return ":unknown";
    }
  }
  return `:${Bun.CryptoHasher.hash("sha256", parts.join("\n"), "hex").slice(0, 16)}`;
}

/** A fast non-cryptographic hash of the document: it detects damage, not tampering. */
function checksum(body: Uint8Array): string {
  return Bun.hash(body).toString(16).padStart(16, "0");
}

/** Bytes before the JSON: the checksum (16), a newline, the JSON's length (12 digits), a newline. */
const PREFIX = 30;

function fileOf(root: string): string {
  return join(root, ".rocky-cache", FILE);
}

/** Interns strings as dense indexes. */
class Interner {
  readonly list: string[] = [];
  private readonly at = new Map<string, number>();
  of(s: string): number {
    let i = this.at.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.at.set(s, i);
    }
    return i;
  }
}

/** Store `graph` with the manifest taken before the project was read (atomic: temp file, rename). */
export function saveSnapshot(
  root: string,
  manifest: Manifest,
  modelsDir: string,
  graph: SemanticGraph,
): void {
  const tables = graph.allTables();
  const index = new Map(tables.map((t, i) => [t.name, i]));
  const columns = new Interner();
  const transforms = new Interner();
  const nodes: number[] = [];
  /** Per table index: its columns' node ids by column index. */
  const nodeIds: Map<number, number>[] = tables.map(() => new Map());
  const node = (model: string, column: string) => {
    const t = index.get(model)!;
    const c = columns.of(column);
    let id = nodeIds[t]!.get(c);
    if (id === undefined) {
      id = nodes.length / 2;
      nodes.push(t, c);
      nodeIds[t]!.set(c, id);
    }
    return id;
  };
  const edges: number[] = [];
  // JSON: the transform's string form whatever its type (a string now, maybe structured later).
  for (const e of graph.edges())
    edges.push(
      node(e.source.model, e.source.column),
      node(e.target.model, e.target.column),
      transforms.of(JSON.stringify(e.transform)),
    );
  const indirect = graph.indirectReads();
  const vias = new Interner();
  const reads: number[] = [];
  for (const r of indirect.reads) {
    reads.push(index.get(r.model)!, node(r.source.model, r.source.column), vias.of(r.via));
    if (r.outputs === null) reads.push(-1);
    else reads.push(r.outputs.length, ...r.outputs.map((c) => node(r.model, c)));
  }
  const header: Header = {
    format: FORMAT,
    head: manifest.head,
    paths: manifest.paths,
    modelsDir,
    names: tables.map((t) => t.name),
    notes: [],
    columns: columns.list,
    transforms: transforms.list,
    vias: vias.list,
    lengths: [],
  };
  const notes = new Interner();
  const tableAt: number[] = [];
  const tableData: number[] = [];
  for (const t of tables) {
    tableAt.push(tableData.length);
    tableData.push(t.kind === "model" ? 0 : 1, t.unavailable === undefined ? -1 : notes.of(t.unavailable));
    if (t.columns === undefined) tableData.push(-1);
    else tableData.push(t.columns.length, ...t.columns.map((c) => columns.of(c)));
    tableData.push(t.upstream.length, ...t.upstream.map((u) => index.get(u)!));
    tableData.push(t.downstream.length, ...t.downstream.map((d) => index.get(d)!));
  }
  header.notes = notes.list;
  const ints = { nodes, edges, reads, known: indirect.known.map((m) => index.get(m)!), tableAt, tableData };
  header.lengths = [manifest.stats.length, ...INTS.map((k) => ints[k].length)];
  try {
    const file = fileOf(root);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(join(dirname(file), ".gitignore"), "*\n");
    const tmp = `${file}.${process.pid}.tmp`;
    // Spaces after the JSON (which parsing ignores) put the numbers at a multiple of 8 in
    // the file, so the reader views them where they lie instead of copying them.
    const text = JSON.stringify(header);
    const length = Buffer.byteLength(text);
    const json = Buffer.from(text.padEnd(text.length + ((8 - ((PREFIX + length) % 8)) % 8)));
    const numbers = new Int32Array(2 * manifest.stats.length + INTS.reduce((n, k) => n + ints[k].length, 0));
    new Float64Array(numbers.buffer, 0, manifest.stats.length).set(manifest.stats);
    let at = 2 * manifest.stats.length;
    for (const k of INTS) {
      numbers.set(ints[k], at);
      at += ints[k].length;
    }
    const body = Buffer.concat([json, new Uint8Array(numbers.buffer)]);
    const prefix = `${checksum(body)}\n${String(json.length).padStart(PREFIX - 18, "0")}\n`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(prefix), body]));
    renameSync(tmp, file);
  } catch {
    // A read-only project still works; lineage just compiles each time.
  }
}

/**
 * What the caller will ask of the graph, so only the edges that can appear in the answer
 * are restored: a column's transitive trace in one direction, a table's own edges
 * (`column` undefined), or every value edge (no focus).
 */
export interface Focus {
  /** A model or source name, or `model.column`, as given on the command line. */
  target: string;
  column?: string;
  direction: "upstream" | "downstream";
}

/**
 * The graph of the last compile when nothing it depends on has changed since, else
 * undefined. `configFile`: the absolute path of rocky.toml.
 */
export function loadSnapshot(configFile: string, focus?: Focus): SemanticGraph | undefined {
  let data: SnapshotFile;
  mark("snapshot: start");
  try {
    const file = readFileSync(fileOf(dirname(configFile)));
    const nl1 = file.indexOf(10);
    const nl2 = file.indexOf(10, nl1 + 1);
    if (nl1 < 0 || nl2 < 0) return undefined;
    const body = file.subarray(nl2 + 1);
    // Damage that still parses (a flipped digit) must not become a wrong answer.
    if (file.toString("latin1", 0, nl1) !== checksum(body)) return undefined;
    mark("snapshot: read + checksum");
    const jsonLength = Number(file.toString("latin1", nl1 + 1, nl2));
    const header = JSON.parse(body.toString("utf8", 0, jsonLength)) as Header;
    if (header?.format !== FORMAT || !Array.isArray(header.lengths)) return undefined;
    const [stats = 0, ...rest] = header.lengths;
    const start = body.byteOffset + jsonLength;
    if (body.length - jsonLength !== 8 * stats + 4 * rest.reduce((a, b) => a + b, 0)) return undefined;
    // Typed arrays need an aligned start: the writer aligned it, unless the buffer is not.
    const [numbers, base] =
      start % 8 === 0 ? [body.buffer, start] : [new Uint8Array(body.subarray(jsonLength)).buffer, 0];
    data = { ...header, stats: new Float64Array(numbers, base, stats) } as SnapshotFile;
    let at = base + 8 * stats;
    INTS.forEach((k, i) => {
      data[k] = new Int32Array(numbers, at, rest[i]);
      at += 4 * rest[i]!;
    });
    mark("snapshot: parse");
  } catch {
    return undefined;
  }
  try {
    if (!unchanged(configFile, data.modelsDir, data)) return undefined;
    mark("snapshot: manifest compared");
    const graph = restore(data, focus);
    mark("snapshot: graph restored");
    return graph;
  } catch {
    return undefined; // A damaged snapshot is a miss, never an error.
  }
}

/**
 * Rebuild the graph, or with a focus only the part the answer reads: the tables the
 * target can name, then the tables and edges the answer touches. Tables keep their
 * order and a source its columns in node order (as declared, then as met); edges are
 * added in graph order, and each node a trace reaches keeps all its edges on the walked
 * side, so a trace over the part equals the trace over the whole. The model-level links
 * are set as lists: a restored graph is only read, never extended.
 */
function restore(data: SnapshotFile, focus: Focus | undefined): SemanticGraph {
  const { nodes, edges, columns, transforms, names } = data;
  if (nodes.length % 2 !== 0 || edges.length % 3 !== 0) throw new Error("truncated snapshot");
  const parsed = transforms.map((t) => JSON.parse(t) as Parameters<SemanticGraph["addEdgeById"]>[2]);
  const part = focus ? focused(data, focus) : undefined;
  const graph = new SemanticGraph();
  const wanted = part?.tables ?? names.map((_, i) => i);
  const infos = new Map<number, TableInfo>();
  for (const i of wanted.sort((a, b) => a - b)) {
    const [name, kind, cols, unavailable, up, down] = row(data, i);
    const info = graph.addTable({
      name,
      kind,
      columns: cols?.map((c) => columns[c]!),
      ...(unavailable !== null ? { unavailable } : {}),
    });
    info.upstream.push(...up.map((u) => names[u]!));
    info.downstream.push(...down.map((d) => names[d]!));
    infos.set(i, info);
  }
  // A node's id in the graph, looked up once (nodes are created in the same order either way).
  const ids = new Int32Array(nodes.length / 2).fill(-1);
  const idOf = (node: number) => {
    let id = ids[node]!;
    if (id < 0) {
      id = graph.addColumn(infos.get(nodes[2 * node]!)!.name, columns[nodes[2 * node + 1]!]!);
      ids[node] = id;
    }
    return id;
  };
  const add = (e: number) =>
    graph.addEdgeById(idOf(edges[3 * e]!), idOf(edges[3 * e + 1]!), parsed[edges[3 * e + 2]!]!);
  if (part) for (const e of part.edges) add(e);
  else {
    for (let e = 0; e < edges.length / 3; e++) add(e);
    mark("snapshot: value edges restored");
    restoreIndirect(data, graph);
  }
  return graph;
}

/**
 * The indirect reads, in read order so read ids (and so the order of every indirect
 * answer) are the compiled graph's. Only for the whole graph: a focused one answers
 * without them.
 */
function restoreIndirect(data: SnapshotFile, graph: SemanticGraph): void {
  const { nodes, columns, names, reads, vias, known } = data;
  const column = (node: number) => columns[nodes[2 * node + 1]!]!;
  for (const t of known) graph.addIndirect(names[t]!, []);
  for (let k = 0; k < reads.length; ) {
    const model = names[reads[k]!]!;
    const src = reads[k + 1]!;
    const via = vias[reads[k + 2]!] as IndirectVia;
    const n = reads[k + 3]!;
    const outputs = n < 0 ? undefined : Array.from(reads.subarray(k + 4, k + 4 + n), column);
    k += 4 + Math.max(n, 0);
    // An output the analysis named but the model's columns lack still has its node.
    for (const c of outputs ?? []) graph.addColumn(model, c);
    graph.addIndirect(model, [
      {
        source: { model: names[nodes[2 * src]!]!, column: column(src) },
        via,
        ...(outputs ? { outputs } : {}),
      },
    ]);
  }
}

/**
 * The tables and edges (indexes, ascending) a text or JSON answer about `focus` reads;
 * undefined when the target names no table (the caller's error lists every name).
 */
function focused(data: SnapshotFile, focus: Focus): { tables: number[]; edges: number[] } | undefined {
  const { nodes, edges, columns, names: tableNames } = data;
  // resolveTarget looks up the target and its dotted prefixes: a graph of just those answers it.
  const wanted = focus.target.toLowerCase();
  const names = new SemanticGraph();
  const candidates = new Map<string, number>();
  tableNames.forEach((name, i) => {
    const k = name.toLowerCase();
    if (k === wanted || wanted.startsWith(`${k}.`)) candidates.set(name, i);
  });
  for (const i of candidates.values()) {
    const [name, kind, cols] = row(data, i);
    names.addTable({ name, kind, columns: cols?.map((c) => columns[c]!) });
  }
  if (candidates.size === 0) return undefined;
  let target: ReturnType<typeof resolveTarget>;
  try {
    target = resolveTarget(names, focus.target, focus.column);
  } catch {
    return undefined;
  }
  const table = candidates.get(target.table.name)!;
  const count = edges.length / 3;
  const out: number[] = [];
  if (target.column === undefined) {
    for (let e = 0; e < count; e++)
      if (nodes[2 * edges[3 * e]!] === table || nodes[2 * edges[3 * e + 1]!] === table) out.push(e);
  } else {
    const col = target.column.toLowerCase();
    let start = -1;
    for (let n = 0; n < nodes.length / 2 && start < 0; n++)
      if (nodes[2 * n] === table && columns[nodes[2 * n + 1]!]!.toLowerCase() === col) start = n;
    if (start >= 0) {
      // Edges by the node on the walked side (the target upstream, the source downstream), as CSR arrays.
      const [near, far] = focus.direction === "upstream" ? [1, 0] : [0, 1];
      const first = new Int32Array(nodes.length / 2 + 1);
      for (let e = 0; e < count; e++) first[edges[3 * e + near]! + 1]!++;
      for (let n = 1; n < first.length; n++) first[n]! += first[n - 1]!;
      const fill = first.slice(0, -1);
      const byNode = new Int32Array(count);
      for (let e = 0; e < count; e++) byNode[fill[edges[3 * e + near]!]!++] = e;
      const seen = new Uint8Array(nodes.length / 2);
      seen[start] = 1;
      for (let queue = [start], q = 0; q < queue.length; q++) {
        const n = queue[q]!;
        for (let k = first[n]!; k < first[n + 1]!; k++) {
          const e = byNode[k]!;
          out.push(e);
          const other = edges[3 * e + far]!;
          if (!seen[other]) {
            seen[other] = 1;
            queue.push(other);
          }
        }
      }
      out.sort((a, b) => a - b);
    }
  }
  const touched = new Set([table]);
  for (const e of out) {
    touched.add(nodes[2 * edges[3 * e]!]!);
    touched.add(nodes[2 * edges[3 * e + 1]!]!);
  }
  return { tables: [...touched], edges: out };
}

/** The snapshot's graph for the project `-c` names (or the one around the working folder), if still current. */
export function snapshotGraph(explicitConfig: string | undefined, focus?: Focus): SemanticGraph | undefined {
  let configFile: string;
  try {
    configFile = findConfig(explicitConfig);
  } catch {
    return undefined; // The compile path reports a missing project properly.
  }
  return loadSnapshot(configFile, focus);
}
