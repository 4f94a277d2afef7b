/**
 * The compile pipeline, step by step: order the models upstream first (from cached
 * references or a guess from the text), parse the ones the cache does not know a little
 * ahead (parse-ahead.ts) and analyse each once in that order (analyse.ts, so `SELECT *`
 * and column checks see upstream output columns), resolve table references to models
 * or external sources (resolver.ts), build the DAG (dependencies.ts), re-analyse the few
 * models the guess ordered wrongly, assemble the models (assemble.ts) and build the
 * column-level semantic graph (build-graph.ts), then run the checks. Problems become
 * diagnostics, never exceptions: a model that cannot be analysed is marked unavailable
 * and the rest keeps working.
 */
import { checkStrategies } from "./strategy-checks.ts";
import { gateUnknownColumns } from "./unknown-columns.ts";
import { unknownTableDiagnostics } from "./unknown-tables.ts";
import { explainFileSources } from "./file-sources.ts";
import { checkTests } from "../testing/checks.ts";
import { checkContracts } from "../testing/contract.ts";
import { auditNameDiagnostics } from "../testing/audit-names.ts";
import { contractType } from "../project/contract.ts";
import { provisionalOrder } from "../graph/cycles.ts";
import type { Project } from "../project/types.ts";
import { Analyser } from "./analyse.ts";
import { assembleModels } from "./assemble.ts";
import { buildSemanticGraph } from "./build-graph.ts";
import { AnalysisCache, type CacheEntry, sha256 } from "./cache.ts";
import { resolveDependencies, orderModels } from "./dependencies.ts";
import { type SqlEngine, defaultEngine } from "./engine.ts";
import { ParseAhead } from "./parse-ahead.ts";
import { guessTableRefs } from "./prescan.ts";
import { mark } from "./profile.ts";
import { TableResolver } from "./resolver.ts";
import type { CompileResult, Diagnostic } from "./types.ts";

export { DAG_CODES } from "./codes.ts";
export type { SqlEngine } from "./engine.ts";

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
  // 2. Analyse each model once, in that order, the cache's misses parsed a little ahead.
  let engine: Promise<SqlEngine> | undefined;
  const getEngine = () => {
    engine ??= (opts.engine ?? defaultEngine)();
    return engine;
  };
  const trees = new ParseAhead(
    getEngine,
    models,
    order.filter((i) => !entries[i]),
  );
  trees.start();
  const analyser = new Analyser(models, entries, resolver, trees, getEngine);
  const tParse = performance.now();
  for (let k = 0; k < order.length; k++) {
    await analyser.analyse(order[k]!);
    if (opts.onProgress && (k % 250 === 249 || k === order.length - 1)) opts.onProgress(k + 1, order.length);
  }

  mark("analysed");
  // 3. Dependencies from the analyses, merged with depends_on.
  const analysed = entries as CacheEntry[];
  const { refsOf, deps } = resolveDependencies(project, analysed, resolver, knownModel, diagnostics);

  mark("deps");
  // 4. The DAG; cycles reported and cut.
  const { dag, inCycle } = orderModels(deps, diagnostics);

  mark("dag");
  // 5. Redo the analyses the guessed order got wrong.
  await analyser.redoLate(dag, indexOf);
  trees.clear();
  // Every model is analysed: release the parser (and its native memory) before the graph is built.
  if (engine) await (await engine).close();

  mark("late redone, parser closed");
  const byName = assembleModels(
    { models, entries: analysed, hashes, indexOf, dag, inCycle, refsOf, resolver },
    diagnostics,
  );
  mark("models assembled");
  // Before the graph is built, so a model's "unavailable" reason there is the reworded one.
  explainFileSources(diagnostics, project, byName);
  for (const i of analyser.fresh) cache.set(keys[i]!, entries[i]!);
  const tGraph = performance.now();
  // 6. The semantic graph.
  const graph = buildSemanticGraph(project, dag, byName, resolver);
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
    cache: { hits: analyser.hits.size, misses: models.length - analyser.hits.size },
    timings: {
      project_load_ms: Math.round(opts.projectLoadMs ?? 0),
      parse_ms: Math.round(trees.parseMs),
      analysis_ms: Math.round(tGraph - tParse - trees.parseMs),
      semantic_graph_ms: Math.round(tEnd - tGraph),
      total_ms: Math.round((opts.projectLoadMs ?? 0) + tEnd - t0),
    },
  };
}
