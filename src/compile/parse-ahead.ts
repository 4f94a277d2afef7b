/**
 * Parse-ahead: models the cache does not know are parsed in chunks (one parser query
 * each) a little ahead of when the analysis needs them, and each tree is handed out
 * once and dropped, so the trees held at once stay bounded whatever the project size.
 */
import type { Model } from "../project/types.ts";
import type { SqlEngine } from "./engine.ts";

/** Models per parser query: amortises the query cost while bounding the parse trees held at once. */
const PARSE_CHUNK = 250;
/** Chunks parsed ahead of the one being analysed: one per parser connection. */
const PARSE_AHEAD = 2;

export class ParseAhead {
  /** Time spent waiting for the parser: the parse cost that was not overlapped. */
  parseMs = 0;
  private readonly trees = new Map<number, unknown>();
  private readonly chunkOf: Map<number, number>;
  private readonly loading = new Map<number, Promise<void>>();

  /** `missOrder`: indexes of the models to parse, in the order they will be asked for. */
  constructor(
    private readonly engine: () => Promise<SqlEngine>,
    private readonly models: readonly Model[],
    private readonly missOrder: number[],
  ) {
    this.chunkOf = new Map(missOrder.map((i, k) => [i, Math.floor(k / PARSE_CHUNK)]));
  }

  /**
   * Start the parser now: it boots on its own thread while the cache hits are checked.
   * Dialect models are looked at once up front (a model only polyglot reads starts loading it).
   */
  start(): void {
    if (this.missOrder.length === 0) return;
    const dialectModels = this.missOrder.filter((i) => this.models[i]!.dialect !== undefined);
    void this.engine()
      .then((e) =>
        e.prepare?.(
          dialectModels.map((i) => this.models[i]!.sql),
          dialectModels.map((i) => this.models[i]!.dialect),
        ),
      )
      .catch(() => undefined);
  }

  private async parse(idx: number[]): Promise<unknown[]> {
    return (await this.engine()).parseMany(
      idx.map((i) => this.models[i]!.sql),
      idx.map((i) => this.models[i]!.dialect),
    );
  }

  private loadChunk(c: number): Promise<void> {
    let p = this.loading.get(c);
    if (!p) {
      const chunk = this.missOrder.slice(c * PARSE_CHUNK, (c + 1) * PARSE_CHUNK);
      p =
        chunk.length === 0
          ? Promise.resolve()
          : this.parse(chunk).then((parsed) => {
              parsed.forEach((tree, k) => {
                this.trees.set(chunk[k]!, tree);
              });
            });
      this.loading.set(c, p);
    }
    return p;
  }

  /** Model `i`'s parse tree, released here: a second call (a re-analysis) parses it again. */
  async take(i: number): Promise<unknown> {
    const c = this.chunkOf.get(i);
    if (!this.trees.has(i) && c !== undefined) {
      const t = performance.now();
      // The next chunks parse on DuckDB's threads (one per connection) while this one is
      // analysed here: a few more parse trees held at once, the parser's time mostly hidden.
      for (let ahead = 1; ahead <= PARSE_AHEAD; ahead++)
        void this.loadChunk(c + ahead).catch(() => undefined);
      await this.loadChunk(c);
      this.parseMs += performance.now() - t;
    }
    const tree = this.trees.get(i);
    if (tree !== undefined) {
      this.trees.delete(i);
      return tree;
    }
    const t = performance.now();
    const [parsed] = await this.parse([i]);
    this.parseMs += performance.now() - t;
    return parsed;
  }

  clear(): void {
    this.trees.clear();
  }
}
