/**
 * The blast radius of a changed column: every column downstream whose value is computed
 * from it (value edges of the semantic graph), or whose rows it decides (indirect: the
 * column appears in a reader's WHERE, JOIN, GROUP BY, HAVING, QUALIFY, DISTINCT ON,
 * LIMIT's ORDER BY, or a window's PARTITION BY / ORDER BY). The graph holds value edges
 * only, so indirect reads are found from the readers' fingerprints (fingerprint.ts),
 * where every column reference is already resolved to the table it reads. Breadth-first,
 * each column once at its smallest depth; costs what it visits.
 */
import type { CompileResult } from "../compile/types.ts";
import type { ModelPrint } from "./fingerprint.ts";

export interface Reached {
  model: string;
  column: string;
  depth: number;
  via: "value" | "indirect";
}

const lc = (s: string) => s.toLowerCase();
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export class BlastRadius {
  private readonly patterns = new Map<string, RegExp>();

  constructor(
    private readonly head: CompileResult,
    /** Fingerprints of the working tree's models, parsed on demand (a batch per call). */
    private readonly prints: (models: string[]) => Promise<Map<string, ModelPrint | undefined>>,
  ) {}

  /** Does a fingerprint read `model.column`? (Names as the reader wrote them: the model or its target table.) */
  private mentions(text: string, model: string, column: string): boolean {
    const k = `${lc(model)}\u0000${lc(column)}`;
    let re = this.patterns.get(k);
    if (!re) {
      const names = new Set([lc(model)]);
      const target = this.head.project.byName.get(model)?.target.table;
      if (target) names.add(lc(target));
      const alt = [...names].map(escapeRe).join("|");
      re = new RegExp(`(?:^|[^A-Za-z0-9_$])(?:${alt})\\}?\\.${escapeRe(lc(column))}(?![A-Za-z0-9_$])`);
      this.patterns.set(k, re);
    }
    return re.test(text);
  }

  /**
   * Columns reached from `starts` (depth 0, not reported). `firstHop` are readers already
   * known at depth 1 (a removed column's readers, from the base graph).
   */
  async from(starts: { model: string; column: string }[], firstHop: Reached[] = []): Promise<Reached[]> {
    const { graph } = this.head;
    const seen = new Set<string>(starts.map((s) => `${lc(s.model)}.${lc(s.column)}`));
    const out: Reached[] = [];
    const reach = (r: Reached, next: { model: string; column: string }[]) => {
      const k = `${lc(r.model)}.${lc(r.column)}`;
      if (seen.has(k)) return;
      seen.add(k);
      out.push(r);
      next.push(r);
    };
    let frontier: { model: string; column: string }[] = [...starts];
    const pre: { model: string; column: string }[] = [];
    for (const r of firstHop) reach(r, pre);
    for (let depth = 1; frontier.length > 0 || pre.length > 0; depth++) {
      const next: { model: string; column: string }[] = depth === 1 ? pre.splice(0) : [];
      for (const n of frontier)
        for (const e of graph.consumers(n.model, n.column))
          reach({ model: e.target.model, column: e.target.column, depth, via: "value" }, next);
      // Indirect: readers (models downstream of the frontier's models) that mention the column elsewhere.
      const readers = new Set<string>();
      for (const n of frontier)
        for (const d of graph.table(n.model)?.downstream ?? []) if (this.head.models.has(d)) readers.add(d);
      if (readers.size > 0) {
        const prints = await this.prints([...readers]);
        for (const n of frontier)
          for (const d of graph.table(n.model)?.downstream ?? []) {
            const p = prints.get(lc(d));
            const cols = this.head.models.get(d)?.columns;
            if (!p || !cols) continue;
            const rows = this.mentions(p.rows, n.model, n.column);
            for (const c of cols) {
              if (rows || this.mentions(p.columns.get(lc(c))?.expr ?? "", n.model, n.column))
                reach({ model: d, column: c, depth, via: "indirect" }, next);
            }
          }
      }
      frontier = next;
    }
    return out.sort((a, b) => a.depth - b.depth);
  }
}
