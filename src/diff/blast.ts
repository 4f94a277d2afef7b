/**
 * The blast radius of a changed column: every column downstream whose value is computed
 * from it (value edges of the semantic graph), or whose rows it decides (indirect edges:
 * the column appears in a reader's WHERE, JOIN, GROUP BY, HAVING, QUALIFY, DISTINCT ON,
 * LIMIT's ORDER BY, or a window's PARTITION BY / ORDER BY). Both kinds are edges of the
 * graph (SPEC §15), so no reader's SQL is looked at again here (this used to search the
 * readers' fingerprints). Breadth-first, each column once at its smallest depth, with the
 * kind of the edge that reached it (diff's documented `via`); costs what it visits.
 */
import type { CompileResult } from "../compile/types.ts";

export interface Reached {
  model: string;
  column: string;
  depth: number;
  via: "value" | "indirect";
}

const lc = (s: string) => s.toLowerCase();
const k = (c: { model: string; column: string }) => `${lc(c.model)}.${lc(c.column)}`;

export class BlastRadius {
  constructor(private readonly head: CompileResult) {}

  /**
   * Columns reached from `starts` (depth 0, not reported). `firstHop` are readers already
   * known at depth 1 (a removed column's readers, from the base graph); what they reach
   * is one deeper.
   */
  from(starts: { model: string; column: string }[], firstHop: Reached[] = []): Reached[] {
    const { graph } = this.head;
    const skip = new Set(starts.map(k));
    const best = new Map<string, Reached>();
    const offer = (r: Reached) => {
      const key = k(r);
      if (skip.has(key)) return;
      const had = best.get(key);
      if (!had) best.set(key, r);
      else if (r.depth < had.depth || (r.depth === had.depth && r.via === "value" && had.via !== "value"))
        best.set(key, r);
    };
    for (const r of graph.impact(starts, "edge"))
      offer({ model: r.model, column: r.column, depth: r.depth, via: r.kind });
    for (const r of firstHop) offer(r);
    for (const r of graph.impact(firstHop, "edge"))
      offer({ model: r.model, column: r.column, depth: r.depth + 1, via: r.kind });
    return [...best.values()].sort((a, b) => a.depth - b.depth);
  }
}
