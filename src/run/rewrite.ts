/** Rewrite a model's table references (by offset) to the tables this run actually reads. */
import type { ResolvedRef } from "../compile/types.ts";

/**
 * Replace each reference in `sql` for which `replacement` returns text, right to left so
 * earlier offsets stay valid. References it returns undefined for are left as written.
 */
export function rewriteRefs(
  sql: string,
  refs: ResolvedRef[],
  replacement: (ref: ResolvedRef) => string | undefined,
): string {
  const sorted = [...refs].sort((a, b) => b.start - a.start);
  let out = sql;
  let limit = Number.POSITIVE_INFINITY;
  for (const r of sorted) {
    // Overlapping spans would corrupt the text; the analysis never yields them, but be safe.
    if (r.end > limit) continue;
    const text = replacement(r);
    if (text !== undefined) out = out.slice(0, r.start) + text + out.slice(r.end);
    limit = r.start;
  }
  return out;
}
