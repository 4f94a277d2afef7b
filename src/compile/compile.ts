/**
 * The compile pipeline: order the models upstream first (from cached references or a
 * guess from the text), parse the ones the cache does not know in chunks and analyse
 * each once in that order (so `SELECT *` and column checks see upstream output
 * columns), resolve table references to models or external sources, build the DAG,
 * re-analyse the few models the guess ordered wrongly, and build the column-level
 * semantic graph. Problems become diagnostics, never exceptions: a model that cannot
 * be analysed is marked unavailable and the rest keeps working.
 */
import { checkStrategies } from "./strategy-checks.ts";
import { gateUnknownColumns } from "./unknown-columns.ts";
import { unknownTableDiagnostics } from "./unknown-tables.ts";
import { explainFileSources, sourceName } from "./file-sources.ts";
import { checkTests } from "../testing/checks.ts";
import { checkContracts } from "../testing/contract.ts";
import { auditNameDiagnostics } from "../testing/audit-names.ts";
import { contractType } from "../project/contract.ts";
import type { SourceDecl } from "../config/load.ts";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { didYouMean } from "../errors.ts";
import { type Dag, buildDag } from "../graph/dag.ts";
import { SemanticGraph } from "../graph/semantic.ts";
import type { Dialect, Model, Project } from "../project/types.ts";
import { ModelIndex } from "../project/resolve.ts";
import type { ColumnsOf, ModelAnalysis, SqlDialect } from "../sql/types.ts";
import { AnalysisCache, type CacheEntry, sha256 } from "./cache.ts";
import { defaultLocation } from "./location.ts";
import { findWord, lineCol } from "./position.ts";
import { guessTableRefs } from "./prescan.ts";
import { mark } from "./profile.ts";
import type { CompileResult, CompiledModel, Diagnostic, ResolvedRef } from "./types.ts";

/** Models per parser query: amortises the query cost while bounding the parse trees held at once. */
const PARSE_CHUNK = 250;
/** Chunks parsed ahead of the one being analysed: one per parser connection. */
const PARSE_AHEAD = 2;

/** Diagnostic codes of the compile pipeline itself (the SQL analysis has its own, src/sql). */
export const DAG_CODES = {
  unknownDependency: "E030",
  cycle: "E031",
  analysisCrashed: "E100",
} as const;

/** The SQL front end compile needs: batch parse, then one analysis per model. */
export interface SqlEngine<P = unknown> {
  /** `dialects[i]`: the dialect of `sqls[i]` (undefined: DuckDB). */
  parseMany(sqls: string[], dialects?: (SqlDialect | undefined)[]): Promise<P[]>;
  /** Optional: every model about to be parsed, once, before the first parseMany. */
  prepare?(sqls: string[], dialects: (SqlDialect | undefined)[]): void;
  analyze(sql: string, parsed: P, columnsOf: ColumnsOf, dialect?: SqlDialect): ModelAnalysis;
  close(): void | Promise<void>;
}

export interface CompileOptions {
  /** Use and update `.rocky-cache/compile.cache` (default true). */
  cache?: boolean;
  /** Time already spent loading the project, reported in the timings. */
  projectLoadMs?: number;
  /** Called as models are analysed (done, total), for a progress line on a terminal. */
  onProgress?: (done: number, total: number) => void;
  /** The SQL front end; defaults to src/sql. Injected by tests. */
  engine?: () => Promise<SqlEngine>;
}

/** The real front end, loaded on first use so a fully cached compile never starts the parser. */
async function defaultEngine(): Promise<SqlEngine> {
  const [{ createSqlParser }, { dialectParser }, { analyzeInDialect }] = await Promise.all([
    import("../sql/parse.ts"),
    import("../sql/dialect.ts"),
    import("../sql/dialect-analysis.ts"),
  ]);
  // Models in other dialects go through dialect.ts, which loads polyglot only when one needs it.
  const parser = dialectParser(await createSqlParser());
  return {
    parseMany: (sqls, dialects) => parser.parseMany(sqls, dialects),
    prepare: (sqls, dialects) => parser.prepare(sqls, dialects),
    analyze: (sql, parsed, columnsOf, dialect) => analyzeInDialect(sql, parsed as never, columnsOf, dialect),
    close: () => parser.close(),
  };
}

/** Resolves table references (as name parts) to a model, a declared source, or an external table. */
class TableResolver {
  private readonly index: ModelIndex;
  private readonly sources = new Map<string, SourceDecl>();
  /** Declared sources by their last parts, so `cat.raw.orders` finds `raw.orders` and vice versa. */
  private readonly sourcesBySuffix = new Map<string, SourceDecl[]>();

  private readonly root: string;

  constructor(project: Project) {
    this.root = project.config.root;
    this.index = new ModelIndex(project.models, defaultLocation(project.config));
    for (const s of project.config.sources.values()) {
      this.sources.set(s.name.toLowerCase(), s);
      const parts = s.name.toLowerCase().split(".");
      for (let i = 1; i < parts.length; i++) {
        const k = parts.slice(i).join(".");
        const list = this.sourcesBySuffix.get(k) ?? [];
        list.push(s);
        this.sourcesBySuffix.set(k, list);
      }
    }
  }

  /** `dialect`: that of the model whose SQL holds the reference (its parts are in that dialect's stored form). */
  model(parts: readonly string[], dialect?: Dialect): string | undefined {
    return this.index.resolve(parts, dialect);
  }

  source(parts: readonly string[]): SourceDecl | undefined {
    const k = parts.join(".").toLowerCase();
    const exact = this.sources.get(k);
    if (exact) return exact;
    // The SQL names more parts than the declaration (`memory.raw.orders` for `raw.orders`).
    for (let i = 1; i < parts.length; i++) {
      const hit = this.sources.get(parts.slice(i).join(".").toLowerCase());
      if (hit) return hit;
    }
    // The declaration names more parts than the SQL: only when that is unambiguous.
    const bySuffix = this.sourcesBySuffix.get(k);
    return bySuffix?.length === 1 ? bySuffix[0] : undefined;
  }

  private readonly names = new Map<string, TableName>();

  /** The graph name of a table: the model, the declared source's name, or the parts as written. Memoised. */
  tableName(parts: readonly string[], dialect?: Dialect): TableName {
    const k = `${exactDialect(dialect) ?? ""}\u0001${parts.join("\u0000")}`;
    let hit = this.names.get(k);
    if (!hit) {
      const m = this.model(parts, dialect);
      const s = m ? undefined : this.source(parts);
      hit = m
        ? { name: m, kind: "model" }
        : s
          ? { name: s.name, kind: "source", columns: s.columns.map((c) => c.name) }
          : { name: sourceName(parts.join("."), this.root), kind: "source" };
      this.names.set(k, hit);
    }
    return hit;
  }
}

interface TableName {
  name: string;
  kind: "model" | "source";
  /** A declared source's columns. */
  columns?: string[];
}

const NO_PARTS: readonly string[] = [];

/** Dialects whose table references resolve case-sensitively (see ModelIndex). */
function exactDialect(dialect: Dialect | undefined): "snowflake" | "bigquery" | undefined {
  return dialect === "snowflake" || dialect === "bigquery" ? dialect : undefined;
}

/**
 * The key a table reference is memoised and cached under (`asked`): lower-cased joined
 * parts, or, for a case-sensitive dialect, the exact parts behind a dialect prefix.
 */
function tableKey(table: readonly string[], dialect: Dialect | undefined): string {
  const exact = exactDialect(dialect);
  return exact ? `${exact}:${table.join(".")}` : table.join(".").toLowerCase();
}

/** The parts and dialect behind a `tableKey`. */
function fromTableKey(k: string): { parts: string[]; dialect?: Dialect } {
  for (const d of ["snowflake", "bigquery"] as const) {
    if (k.startsWith(`${d}:`)) return { parts: k.slice(d.length + 1).split("."), dialect: d };
  }
  return { parts: k.split(".") };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Tarjan's strongly connected components: every component with more than one model is a cycle. */
function cycles(deps: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (root: string) => {
    // Iterative, so a 10k-model chain cannot overflow the call stack.
    const work: [string, number][] = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const [v, i] = frame;
      const ds = deps.get(v) ?? [];
      if (i < ds.length) {
        frame[1]++;
        const w = ds[i]!;
        if (!deps.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
          if (w === v) break;
        }
        if (comp.length > 1) out.push(comp.sort());
      }
    }
  };
  for (const n of [...deps.keys()].sort()) if (!index.has(n)) visit(n);
  return out;
}

/** The shortest path around a cycle through its first model, the way data flows: `a -> b -> a`. */
function cyclePath(comp: string[], deps: Map<string, string[]>): string[] {
  const inComp = new Set(comp);
  const start = comp[0]!;
  const parent = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const cur = queue[q]!;
    for (const d of deps.get(cur) ?? []) {
      if (!inComp.has(d)) continue;
      if (d === start) {
        const path = [start];
        for (let n: string | undefined = cur; n !== undefined && n !== start; n = parent.get(n)) path.push(n);
        // deps point upstream; reversed, the arrows read as data flow.
        return [...path, start].reverse();
      }
      if (!parent.has(d)) {
        parent.set(d, cur);
        queue.push(d);
      }
    }
  }
  return [...comp, start];
}

/** Depth-first post-order over (guessed) dependencies: upstream first; cycles are cut anywhere. */
function provisionalOrder(names: string[], deps: Map<string, string[]>): string[] {
  const out: string[] = [];
  const state = new Map<string, 1 | 2>();
  for (const root of names) {
    if (state.has(root)) continue;
    const stack: [string, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      const ds = deps.get(frame[0]) ?? [];
      if (frame[1] < ds.length) {
        const d = ds[frame[1]++]!;
        if (!state.has(d) && deps.has(d)) {
          state.set(d, 1);
          stack.push([d, 0]);
        }
        continue;
      }
      stack.pop();
      state.set(frame[0], 2);
      out.push(frame[0]);
    }
  }
  return out;
}

export async function compileProject(project: Project, opts: CompileOptions = {}): Promise<CompileResult> {
  const t0 = performance.now();
  const diagnostics: Diagnostic[] = [];
  const resolver = new TableResolver(project);
  const cache = AnalysisCache.forProject(project.config.root, opts.cache ?? true);
  const models = project.models;
  const hashes = models.map((m) => sha256(m.sql));
  // The analysis depends on the dialect too: a model's cache key is its SQL's hash, with
  // the dialect mixed in for non-DuckDB models (DuckDB keys stay what they were).
  const keys = models.map((m, i) => (m.dialect ? sha256(`${m.dialect}\u0000${m.sql}`) : hashes[i]!));
  const indexOf = new Map(models.map((m, i) => [m.name, i]));

  const spanAt = (m: Model, offset: number | undefined) =>
    offset === undefined ? null : { file: m.relPath, ...lineCol(m.sql, offset) };
  const diag = (
    m: Model,
    severity: Diagnostic["severity"],
    code: string,
    message: string,
    span: Diagnostic["span"] = null,
    suggestion: string | null = null,
  ) => diagnostics.push({ severity, code, message, model: m.name, span, suggestion });
  mark("hashed, cache read");
  const byLowerName = new Map(models.map((m) => [m.name.toLowerCase(), m]));
  const knownModel = (d: string) => project.byName.get(d) ?? byLowerName.get(d.toLowerCase());

  // 1. Order the work upstream first, from each model's cached references or a guess
  //    from its text, so `columnsOf` can answer from upstream models' analysed columns.
  const entries: (CacheEntry | undefined)[] = models.map((_, i) => cache.get(keys[i]!));
  const guessed = new Map<string, string[]>();
  models.forEach((m, i) => {
    // Guessed refs are as written (not in a stored form): resolved case-insensitively; the order is only a guess.
    const cached = entries[i] !== undefined;
    const refs = cached
      ? entries[i]!.analysis.tableRefs.map((r) => r.parts)
      : guessTableRefs(m.sql, m.dialect);
    const ds = new Set<string>();
    for (const parts of refs) {
      const t = resolver.model(parts, cached ? m.dialect : undefined);
      if (t && t !== m.name) ds.add(t);
    }
    for (const d of m.dependsOn) {
      const k = knownModel(d);
      if (k && k.name !== m.name) ds.add(k.name);
    }
    guessed.set(m.name, [...ds].sort());
  });
  const order = provisionalOrder(
    models.map((m) => m.name),
    guessed,
  ).map((n) => indexOf.get(n)!);

  mark("ordered");
  // 2. Analyse each model once, in that order. Models the cache does not know are
  //    parsed in chunks (one parser query each) a little ahead of when they are needed,
  //    and their parse trees dropped right after, so memory stays flat with project size.
  let engine: Promise<SqlEngine> | undefined;
  const getEngine = () => {
    engine ??= (opts.engine ?? defaultEngine)();
    return engine;
  };
  let parseMs = 0;
  const parse = async (idx: number[]): Promise<unknown[]> =>
    (await getEngine()).parseMany(
      idx.map((i) => models[i]!.sql),
      idx.map((i) => models[i]!.dialect),
    );
  const trees = new Map<number, unknown>();
  const missOrder = order.filter((i) => !entries[i]);
  // Start the parser now: it boots on its own thread while the cache hits are checked.
  // Dialect models are looked at once up front (a model only polyglot reads starts loading it).
  if (missOrder.length > 0) {
    const dialectModels = missOrder.filter((i) => models[i]!.dialect !== undefined);
    void getEngine()
      .then((e) =>
        e.prepare?.(
          dialectModels.map((i) => models[i]!.sql),
          dialectModels.map((i) => models[i]!.dialect),
        ),
      )
      .catch(() => undefined);
  }
  const chunkOf = new Map<number, number>(missOrder.map((i, k) => [i, Math.floor(k / PARSE_CHUNK)]));
  const loading = new Map<number, Promise<void>>();
  const loadChunk = (c: number): Promise<void> => {
    let p = loading.get(c);
    if (!p) {
      const chunk = missOrder.slice(c * PARSE_CHUNK, (c + 1) * PARSE_CHUNK);
      p =
        chunk.length === 0
          ? Promise.resolve()
          : parse(chunk).then((parsed) => {
              parsed.forEach((tree, k) => {
                trees.set(chunk[k]!, tree);
              });
            });
      loading.set(c, p);
    }
    return p;
  };
  const treeOf = async (i: number): Promise<unknown> => {
    const c = chunkOf.get(i);
    if (!trees.has(i) && c !== undefined) {
      const t = performance.now();
      // The next chunks parse on DuckDB's threads (one per connection) while this one is
      // analysed here: a few more parse trees held at once, the parser's time mostly hidden.
      for (let ahead = 1; ahead <= PARSE_AHEAD; ahead++) void loadChunk(c + ahead).catch(() => undefined);
      await loadChunk(c);
      // Time spent waiting for the parser is the parse cost that was not overlapped.
      parseMs += performance.now() - t;
    }
    const tree = trees.get(i);
    if (tree !== undefined) return tree;
    const t = performance.now();
    const [parsed] = await parse([i]);
    parseMs += performance.now() - t;
    return parsed;
  };

  const columns = new Map<string, string[] | undefined>();
  /** What a table reference means to `columnsOf`, memoised: the same names recur across models. */
  const meaning = new Map<string, { model?: string; columns?: string[] }>();
  const meaningOf = (
    table: readonly string[],
    dialect: Dialect | undefined,
    k = tableKey(table, dialect),
  ) => {
    let hit = meaning.get(k);
    if (!hit) {
      const model = resolver.model(table, dialect);
      hit = model ? { model } : { columns: resolver.source(table)?.columns.map((c) => c.name) };
      meaning.set(k, hit);
    }
    return hit;
  };
  /** Models whose analysis asked about an upstream model not analysed yet (a wrong guess). */
  const late = new Set<number>();
  const columnsFor = (i: number, table: readonly string[], k?: string): string[] | undefined => {
    const t = meaningOf(table, models[i]!.dialect, k);
    if (t.model === undefined) return t.columns;
    if (t.model === models[i]!.name) return undefined;
    if (!columns.has(t.model)) late.add(i);
    return columns.get(t.model);
  };
  const sameAnswers = (i: number, asked: Record<string, string[] | null>) => {
    for (const k in asked) {
      const was = asked[k]!;
      // Checked for every cached model on a warm compile: the name is split only the first
      // time it is met (`meaningOf` memoises by it), and lists are compared without joining.
      const now = columnsFor(i, meaning.has(k) ? NO_PARTS : fromTableKey(k).parts, k);
      if (was === null ? now !== undefined : now === undefined || !sameList(now, was)) return false;
    }
    return true;
  };
  /** Models answered from the cache without parsing. */
  const hits = new Set<number>();
  const fresh = new Set<number>();
  const analyse = async (i: number) => {
    const m = models[i]!;
    const entry = entries[i];
    if (entry && sameAnswers(i, entry.asked)) {
      hits.add(i);
      columns.set(
        m.name,
        entry.analysis.columns?.map((c) => c.name),
      );
      return;
    }
    hits.delete(i);
    const tree = await treeOf(i);
    trees.delete(i);
    const asked: Record<string, string[] | null> = {};
    let analysis: ModelAnalysis;
    try {
      analysis = (await getEngine()).analyze(
        m.sql,
        tree,
        (table) => {
          const cols = columnsFor(i, table);
          asked[tableKey(table, m.dialect)] = cols ?? null;
          return cols;
        },
        m.dialect,
      );
    } catch (e) {
      analysis = {
        tableRefs: entry?.analysis.tableRefs ?? [],
        columns: undefined,
        diagnostics: [
          {
            severity: "Error",
            code: DAG_CODES.analysisCrashed,
            message: `analysis failed: ${(e as Error).message}`,
          },
        ],
      };
    }
    entries[i] = { analysis, asked };
    fresh.add(i);
    columns.set(
      m.name,
      analysis.columns?.map((c) => c.name),
    );
  };
  const tParse = performance.now();
  for (let k = 0; k < order.length; k++) {
    await analyse(order[k]!);
    if (opts.onProgress && (k % 250 === 249 || k === order.length - 1)) opts.onProgress(k + 1, order.length);
  }

  mark("analysed");
  // 3. Dependencies from the analyses: model references in the SQL (not the model
  //    itself: an incremental model may read its own table) merged with depends_on.
  const refsOf = new Map<string, ResolvedRef[]>();
  const deps = new Map<string, string[]>();
  models.forEach((m, i) => {
    const refs = entries[i]!.analysis.tableRefs.map((r): ResolvedRef => {
      const target = resolver.model(r.parts, m.dialect);
      return target ? { ...r, model: target } : { ...r };
    });
    refsOf.set(m.name, refs);
    const ds = new Set<string>();
    for (const r of refs) if (r.model && r.model !== m.name) ds.add(r.model);
    for (const d of m.dependsOn) {
      const known = knownModel(d);
      if (known) {
        if (known.name !== m.name) ds.add(known.name);
        continue;
      }
      const sidecarText = m.sidecar ? safeRead(m.sidecar) : undefined;
      const at = sidecarText === undefined ? undefined : findWord(sidecarText, d);
      diagnostics.push({
        severity: "Error",
        code: DAG_CODES.unknownDependency,
        message: `model '${m.name}' depends on '${d}', which is not a model`,
        model: m.name,
        span:
          m.sidecar && sidecarText !== undefined && at !== undefined
            ? { file: relTo(project, m.sidecar), ...lineCol(sidecarText, at) }
            : null,
        suggestion:
          didYouMean(d, project.byName.keys()) ?? `remove it from depends_on, or add models/${d}.sql`,
      });
    }
    deps.set(m.name, [...ds].sort());
  });

  mark("deps");
  // 4. The DAG. A cycle is reported once per cycle, naming its models; its internal
  //    edges are dropped so everything else still gets ordered and analysed.
  const inCycle = new Map<string, string>();
  // Ordering succeeds exactly when there is no cycle, so Tarjan's walk runs only when it fails.
  let acyclic: Dag | undefined;
  try {
    acyclic = buildDag(deps);
  } catch {
    acyclic = undefined;
  }
  for (const comp of acyclic ? [] : cycles(deps)) {
    const path = cyclePath(comp, deps).join(" -> ");
    const set = new Set(comp);
    for (const n of comp) {
      inCycle.set(n, path);
      deps.set(
        n,
        deps.get(n)!.filter((d) => !set.has(d)),
      );
    }
    diag(
      project.byName.get(comp[0]!)!,
      "Error",
      DAG_CODES.cycle,
      `dependency cycle: ${path}`,
      null,
      "a model cannot read, directly or through others, a model that reads it; break the cycle",
    );
  }
  // Unknown dependencies and cycles were turned into diagnostics above, so this cannot throw.
  const dag: Dag = acyclic ?? buildDag(deps);

  mark("dag");
  // 5. Where the guessed order was wrong, an analysis saw an upstream model before it
  //    was analysed: redo those in DAG order, and whatever reads a model that changed.
  const changed = new Set<string>();
  for (const name of dag.order) {
    const i = indexOf.get(name)!;
    const suspect = late.has(i) || (dag.upstream.get(name) ?? []).some((u) => changed.has(u));
    if (!suspect || sameAnswers(i, entries[i]!.asked)) continue;
    const before = columns.get(name)?.join("\u0000");
    entries[i] = undefined;
    await analyse(i);
    if (columns.get(name)?.join("\u0000") !== before) changed.add(name);
  }
  trees.clear();
  // Every model is analysed: release the parser (and its native memory) before the graph is built.
  if (engine) await (await engine).close();

  mark("late redone, parser closed");
  const byName = new Map<string, CompiledModel>();
  for (const name of dag.order) {
    const i = indexOf.get(name)!;
    const m = models[i]!;
    const entry = entries[i]!;
    const a = entry.analysis;
    // When a `*` could not expand because an upstream model is itself unavailable, the
    // fix is in that model, not in a source declaration.
    const brokenUpstream =
      a.columns === undefined
        ? Object.keys(entry.asked)
            .map((k) => {
              const { parts, dialect } = fromTableKey(k);
              return resolver.model(parts, dialect);
            })
            .find((u) => u !== undefined && u !== m.name && byName.get(u)?.columns === undefined)
        : undefined;
    // In a cycle the upstream may not be reported yet: its reason is the cycle itself.
    const upstreamReason =
      brokenUpstream === undefined
        ? undefined
        : (byName.get(brokenUpstream)?.unavailable ??
          (inCycle.has(brokenUpstream)
            ? `part of the dependency cycle ${inCycle.get(brokenUpstream)}`
            : undefined));
    for (const d of a.diagnostics) {
      const suggestion =
        brokenUpstream !== undefined && d.severity !== "Error" && d.message.includes(brokenUpstream)
          ? `fix model '${brokenUpstream}' first${upstreamReason ? `: ${upstreamReason}` : ""}`
          : (d.suggestion ?? null);
      diag(m, d.severity, d.code, d.message, spanAt(m, d.offset), suggestion);
    }
    let unavailable: string | undefined;
    if (a.columns === undefined) {
      const why = a.diagnostics.find((d) => d.severity === "Error") ?? a.diagnostics[0];
      unavailable = why ? why.message : "the model could not be analysed";
    }
    if (inCycle.has(name)) unavailable = `part of the dependency cycle ${inCycle.get(name)}`;
    byName.set(name, {
      name,
      analysis: a,
      refs: refsOf.get(name)!,
      columns: inCycle.has(name) ? undefined : a.columns?.map((c) => c.name),
      sqlHash: hashes[i]!,
      dependsOn: dag.upstream.get(name) ?? [],
      ...(unavailable !== undefined ? { unavailable } : {}),
    });
  }
  mark("models assembled");
  // Before the graph is built, so a model's "unavailable" reason there is the reworded one.
  explainFileSources(diagnostics, project, byName);
  for (const i of fresh) cache.set(keys[i]!, entries[i]!);
  const tGraph = performance.now();
  // 6. The semantic graph: models in topological order, each output column with an
  //    edge from every column its value is computed from.
  const graph = new SemanticGraph();
  for (const name of dag.order) {
    const c = byName.get(name)!;
    graph.addTable({
      name,
      kind: "model",
      columns: c.columns,
      ...(c.columns === undefined ? { unavailable: c.unavailable ?? "the model could not be analysed" } : {}),
    });
  }
  for (const name of dag.order) {
    const c = byName.get(name)!;
    const dialect = project.byName.get(name)?.dialect;
    for (const ref of c.refs) {
      const t = resolver.tableName(ref.parts, dialect);
      if (t.kind === "source" && !graph.table(t.name))
        graph.addTable({ name: t.name, kind: "source", columns: t.columns });
      if (t.name !== name) graph.link(t.name, name);
    }
    for (const d of dag.upstream.get(name) ?? []) graph.link(d, name);
    // A model in a cycle has no trustworthy columns: it contributes no edges.
    for (const col of c.columns === undefined ? [] : (c.analysis.columns ?? [])) {
      if (col.sources.length === 0) continue;
      const target = graph.addColumn(name, col.name);
      for (const src of col.sources) {
        const t = resolver.tableName(src.table, dialect);
        if (t.kind === "source" && !graph.table(t.name))
          graph.addTable({ name: t.name, kind: "source", columns: t.columns });
        graph.addEdgeById(graph.addColumn(t.name, src.column), target, col.transform);
      }
    }
    if (c.columns !== undefined) {
      graph.addIndirect(
        name,
        (c.analysis.indirect ?? []).map((r) => ({
          source: { model: resolver.tableName(r.table, dialect).name, column: r.column },
          via: r.via,
          outputs: r.outputs ?? [],
        })),
      );
    }
  }
  mark("graph built");
  const tEnd = performance.now();

  cache.save(new Set(keys));

  mark("cache saved");
  const compiledModels = new Map(dag.order.map((n) => [n, byName.get(n)!]));
  diagnostics.push(...checkStrategies(project, compiledModels));
  // What the warehouse would reject is an error here, so a run stops before any SQL.
  gateUnknownColumns(diagnostics, compiledModels, (parts) => {
    const t = resolver.tableName(parts);
    return t.kind === "model" ? compiledModels.get(t.name)?.columns : t.columns;
  });
  diagnostics.push(...unknownTableDiagnostics(project, compiledModels, resolver));
  diagnostics.push(...checkTests(project, compiledModels));
  diagnostics.push(...auditNameDiagnostics(project));
  diagnostics.push(
    ...checkContracts(project, compiledModels, (parts, column, m) => {
      const t = resolver.tableName(parts, m.dialect);
      if (t.kind === "model") return contractType(project.byName.get(t.name), column);
      return resolver.source(parts)?.columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.type;
    }),
  );
  const rank = new Map(dag.order.map((n, i) => [n, i]));
  diagnostics.sort((a, b) => (rank.get(a.model) ?? 0) - (rank.get(b.model) ?? 0));
  const hasErrors = diagnostics.some((d) => d.severity === "Error");
  return {
    project,
    dag,
    models: compiledModels,
    graph,
    diagnostics,
    hasErrors,
    cache: { hits: hits.size, misses: models.length - hits.size },
    timings: {
      project_load_ms: Math.round(opts.projectLoadMs ?? 0),
      parse_ms: Math.round(parseMs),
      analysis_ms: Math.round(tGraph - tParse - parseMs),
      semantic_graph_ms: Math.round(tEnd - tGraph),
      total_ms: Math.round((opts.projectLoadMs ?? 0) + tEnd - t0),
    },
  };
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function relTo(project: Project, file: string): string {
  return relative(project.config.root, file);
}
