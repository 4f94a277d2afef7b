/**
 * What each strategy writes, once for every warehouse (SPEC §3, §5). Dialects supply
 * only SQL building blocks (src/adapter/strategy-sql.ts); the rebuild decision, the
 * drop of the other object kind and the re-processing rules live here.
 *
 * Guarantees (README "Strategies"): every strategy's result equals a full rebuild on
 * the same inputs, given the strategy's assumption:
 * - `incremental`: the rows at or after the target's own high-water mark of
 *   `timestamp_column` are re-processed — recomputed from the model and put in place of
 *   the target's rows of that period (by `unique_key` when declared, else by the
 *   timestamp). The mark is read from the target inside the run, never from a separate
 *   record, so the table and its mark cannot disagree after a crash. Assumes new input
 *   rows carry a timestamp at or after the mark (a load time, not an event time).
 * - `merge`: upsert of the whole model output by `unique_key`; assumes one row per key.
 * - `delete_insert`: every `partition_by` value the model outputs is replaced whole.
 */
import type { Dialect, TableRef } from "../adapter/types.ts";
import type { Strategy, StrategyType } from "../project/types.ts";

export interface UpdateInput<S extends Strategy> {
  strategy: S;
  target: TableRef;
  select: string;
  /** The model's output columns, in order, when compile knows them. */
  columns?: string[];
  /** The target's high-water mark of `watermarkColumn`, as a SQL literal; null when the target is empty. */
  watermark?: string | null;
}

export interface StrategyDef<S extends Strategy> {
  /** The object the model is. */
  kind: "table" | "view";
  /**
   * Statements that update an existing target table in place, committed together.
   * Absent: the strategy always rebuilds.
   */
  update?(input: UpdateInput<S>, d: Dialect): string[];
  /** The column whose high-water mark `update` needs read from the target first. */
  watermarkColumn?(s: S): string;
}

type Registry = { [K in StrategyType]: StrategyDef<Extract<Strategy, { type: K }>> };

export const STRATEGIES: Registry = {
  full_refresh: { kind: "table" },
  view: { kind: "view" },
  incremental: {
    kind: "table",
    watermarkColumn: (s) => s.timestamp_column,
    update({ strategy: s, target, select, columns, watermark }, d) {
      // An empty target: everything is new.
      if (watermark === null || watermark === undefined) return [d.insertSelect(target, select, columns)];
      // `>=`: the mark's own period is re-processed, so rows that share the last loaded
      // timestamp but arrived later are never lost, and a partial aggregate is replaced.
      const since = `${d.quoteIdent(s.timestamp_column)} >= ${watermark}`;
      const incoming = `SELECT * FROM (\n${select}\n) AS _rocky_src\nWHERE ${since}`;
      if (s.unique_key) return [d.merge(target, incoming, s.unique_key, undefined, columns)].flat();
      if (d.replaceWhere) return [d.replaceWhere(target, since, incoming, columns)];
      return [d.deleteWhere(target, since), d.insertSelect(target, incoming, columns)];
    },
  },
  merge: {
    kind: "table",
    update: ({ strategy: s, target, select, columns }, d) =>
      [d.merge(target, select, s.unique_key, s.update_columns, columns)].flat(),
  },
  delete_insert: {
    kind: "table",
    update: ({ strategy: s, target, select, columns }, d) => [
      d.deleteMatching(target, select, s.partition_by),
      d.insertSelect(target, select, columns),
    ],
  },
};

export function strategyDef<S extends Strategy>(s: S): StrategyDef<S> {
  return STRATEGIES[s.type] as unknown as StrategyDef<S>;
}

/** Does this write keep the target's rows (update in place) rather than rebuild it? */
export function updatesInPlace(
  s: Strategy,
  existingKind: "table" | "view" | undefined,
  fullRefresh: boolean,
): boolean {
  return strategyDef(s).update !== undefined && existingKind === "table" && !fullRefresh;
}

/** Build the model's object from scratch, replacing whatever stands at the target. */
export function rebuildStatements(
  s: Strategy,
  d: Dialect,
  target: TableRef,
  select: string,
  existingKind: "table" | "view" | undefined,
): string[] {
  const kind = strategyDef(s).kind;
  // CREATE OR REPLACE does not replace an object of the other kind on most warehouses.
  const drop =
    existingKind !== undefined && existingKind !== kind
      ? [existingKind === "view" ? d.dropView(target) : d.dropTable(target)]
      : [];
  return [...drop, kind === "view" ? d.createView(target, select) : d.createTableAs(target, select)].flat();
}

/** Statements that must commit together, in the warehouse's form (a BigQuery script). */
export function atomically(d: Dialect, statements: string[]): string[] {
  return statements.length > 1 && d.atomic ? d.atomic(statements) : statements;
}

export interface PlanContext {
  /** What stands at the target now; undefined when nothing does. */
  existingKind?: "table" | "view";
  fullRefresh?: boolean;
  columns?: string[];
  /** Incremental: the target's high-water mark as a SQL literal (null: empty target). */
  watermark?: string | null;
}

/** The statements a run sends for one model, given what it read (pure; golden tests). */
export function planStatements(
  d: Dialect,
  target: TableRef,
  select: string,
  strategy: Strategy,
  ctx: PlanContext = {},
): string[] {
  const def = strategyDef(strategy);
  if (!updatesInPlace(strategy, ctx.existingKind, ctx.fullRefresh ?? false) || !def.update)
    return atomically(d, rebuildStatements(strategy, d, target, select, ctx.existingKind));
  const input: UpdateInput<Strategy> = { strategy, target, select };
  if (ctx.columns) input.columns = ctx.columns;
  if (def.watermarkColumn) input.watermark = ctx.watermark ?? null;
  return atomically(d, def.update(input, d));
}
