/**
 * The analysis step: each model analysed once, in a provisional upstream-first order,
 * with `columnsOf` answering from upstream models' analysed columns (or a declared
 * source's). A cached analysis is reused when every upstream column list it asked
 * for is answered the same today. Analyses that asked about a model not analysed yet
 * (the order was a guess) are recorded in `late` and redone in DAG order.
 */
import type { Dag } from "../graph/dag.ts";
import type { Dialect, Model } from "../project/types.ts";
import type { ModelAnalysis } from "../sql/types.ts";
import type { CacheEntry } from "./cache.ts";
import { DAG_CODES } from "./codes.ts";
import type { SqlEngine } from "./engine.ts";
import type { ParseAhead } from "./parse-ahead.ts";
import { NO_PARTS, type TableResolver, fromTableKey, sameList, tableKey } from "./resolver.ts";

export class Analyser {
  /** Output column names per analysed model (undefined: unavailable). */
  readonly columns = new Map<string, string[] | undefined>();
  /** Models answered from the cache without parsing. */
  readonly hits = new Set<number>();
  /** Models analysed in this compile: what the cache stores. */
  readonly fresh = new Set<number>();
  /** Models whose analysis asked about an upstream model not analysed yet (a wrong guess). */
  private readonly late = new Set<number>();
  /** What a table reference means to `columnsOf`, memoised: the same names recur across models. */
  private readonly meaning = new Map<string, { model?: string; columns?: string[] }>();

  constructor(
    private readonly models: readonly Model[],
    /** Per model: its cache entry, replaced as models are analysed. */
    readonly entries: (CacheEntry | undefined)[],
    private readonly resolver: TableResolver,
    private readonly trees: ParseAhead,
    private readonly engine: () => Promise<SqlEngine>,
  ) {}

  private meaningOf(table: readonly string[], dialect: Dialect | undefined, k = tableKey(table, dialect)) {
    let hit = this.meaning.get(k);
    if (!hit) {
      const model = this.resolver.model(table, dialect);
      hit = model ? { model } : { columns: this.resolver.source(table)?.columns.map((c) => c.name) };
      this.meaning.set(k, hit);
    }
    return hit;
  }

  private columnsFor(i: number, table: readonly string[], k?: string): string[] | undefined {
    const t = this.meaningOf(table, this.models[i]!.dialect, k);
    if (t.model === undefined) return t.columns;
    if (t.model === this.models[i]!.name) return undefined;
    if (!this.columns.has(t.model)) this.late.add(i);
    return this.columns.get(t.model);
  }

  private sameAnswers(i: number, asked: Record<string, string[] | null>): boolean {
    for (const k in asked) {
      const was = asked[k]!;
      // Checked for every cached model on a warm compile: the name is split only the first
      // time it is met (`meaningOf` memoises by it), and lists are compared without joining.
      const now = this.columnsFor(i, this.meaning.has(k) ? NO_PARTS : fromTableKey(k).parts, k);
      if (was === null ? now !== undefined : now === undefined || !sameList(now, was)) return false;
    }
    return true;
  }

  async analyse(i: number): Promise<void> {
    const m = this.models[i]!;
    const entry = this.entries[i];
    if (entry && this.sameAnswers(i, entry.asked)) {
      this.hits.add(i);
      this.columns.set(
        m.name,
        entry.analysis.columns?.map((c) => c.name),
      );
      return;
    }
    this.hits.delete(i);
    const tree = await this.trees.take(i);
    const asked: Record<string, string[] | null> = {};
    let analysis: ModelAnalysis;
    try {
      analysis = (await this.engine()).analyze(
        m.sql,
        tree,
        (table) => {
          const cols = this.columnsFor(i, table);
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
    this.entries[i] = { analysis, asked };
    this.fresh.add(i);
    this.columns.set(
      m.name,
      analysis.columns?.map((c) => c.name),
    );
  }

  /**
   * Where the guessed order was wrong, an analysis saw an upstream model before it was
   * analysed: redo those in DAG order, and whatever reads a model that changed.
   */
  async redoLate(dag: Dag, indexOf: Map<string, number>): Promise<void> {
    const changed = new Set<string>();
    for (const name of dag.order) {
      const i = indexOf.get(name)!;
      const suspect = this.late.has(i) || (dag.upstream.get(name) ?? []).some((u) => changed.has(u));
      if (!suspect || this.sameAnswers(i, this.entries[i]!.asked)) continue;
      const before = this.columns.get(name)?.join("\u0000");
      this.entries[i] = undefined;
      await this.analyse(i);
      if (this.columns.get(name)?.join("\u0000") !== before) changed.add(name);
    }
  }
}
