/**
 * A column's transform (SPEC: the strongest operation from its sources to its value) as a
 * structured value, and the one place it becomes Rocky's string (`direct`, `cast`,
 * `expression`, `aggregation: sum`, `window: row_number`) for JSON and text.
 */
import type { Transform } from "./types.ts";

export type TransformKind = Transform["kind"];

/** Shared instances for the kinds without data: the walker bumps them on most nodes. */
export const DIRECT: Transform = Object.freeze({ kind: "direct" });
export const CAST: Transform = Object.freeze({ kind: "cast" });
export const EXPRESSION: Transform = Object.freeze({ kind: "expression" });

export const aggregation = (fn: string): Transform => ({ kind: "aggregation", fn });
export const windowOf = (fn: string): Transform => ({ kind: "window", fn });

/** Rocky's string for a transform, as every output shows it. */
export function renderTransform(t: Transform): string {
  switch (t.kind) {
    case "aggregation":
    case "window":
      return `${t.kind}: ${t.fn}`;
    default:
      return t.kind;
  }
}

const RANK: Record<TransformKind, number> = { direct: 0, cast: 1, expression: 2, aggregation: 3, window: 4 };

/**
 * The transform of a value is the strongest operation on the path from its sources:
 * direct < cast < expression < aggregation < window. `CAST(SUM(x) AS INT)` is an
 * aggregation, `ROUND(x, 2)` an expression, `SUM(x) OVER (...)` a window.
 */
export function transformRank(t: Transform): number {
  return RANK[t.kind];
}

export function maxTransform(a: Transform, b: Transform): Transform {
  return transformRank(b) > transformRank(a) ? b : a;
}

/**
 * The kind of a transform given as Rocky's string (edges in outputs and the lineage
 * snapshot carry that form): the inverse of `renderTransform` for readers of outputs.
 * Anything unknown (`indirect`) is undefined.
 */
export function kindOfRendered(rendered: string): TransformKind | undefined {
  const colon = rendered.indexOf(":");
  const kind = colon < 0 ? rendered : rendered.slice(0, colon);
  return Object.hasOwn(RANK, kind) ? (kind as TransformKind) : undefined;
}
