/**
 * Keyed compare: branch and production rows matched on a key (the model's `unique_key`
 * or `--key`), so a changed row is one change, not "one only in the branch and one only
 * in production". Computed in the warehouse: one FULL OUTER JOIN of the two sides, each
 * first grouped by the key, with every figure as an aggregate over it; then, only when
 * something differs, one LIMITed sample query over the same join. Nothing is pulled into
 * rocky but those aggregates and a few sample rows.
 *
 * Rows whose key has a NULL part cannot be matched: they are counted per side and left out.
 * A key held by several rows on one side (a duplicate) is counted once as a duplicate key
 * and its rows are not compared value by value (a row would otherwise count once per
 * partner on the other side); a duplicated key missing on the other side counts all its
 * rows as added (or removed), each once.
 */
import type { Adapter, Dialect, TableRef } from "../adapter/types.ts";

export interface ColumnChange {
  name: string;
  /** The branch's type (values of the sample are shown with its scale). */
  type: string;
  /** Matched rows (key unique on both sides) whose value differs, NULL-safely. */
  changed: number;
  /** `changed` / matched rows, 0..1 (0 when nothing matched). */
  changed_share: number;
  /** Numeric columns: the difference branch − production over the changed, non-NULL values. */
  delta?: { min: number | null; max: number | null; mean: number | null };
}

export interface SideCounts {
  branch: number;
  production: number;
}

export interface KeyedStats {
  key: string[];
  rows_added: number;
  rows_removed: number;
  rows_changed: number;
  rows_unchanged: number;
  /** Keys present once on each side (the rows compared value by value). */
  keys_matched: number;
  /** Rows with a NULL in a key column, per side: not matched, not compared. */
  null_key_rows: SideCounts;
  /** Keys held by more than one row, per side, and the rows they hold. */
  duplicate_keys: SideCounts;
  duplicate_key_rows: SideCounts;
  /** Keys on both sides but duplicated on at least one: not compared value by value. */
  duplicate_keys_not_compared: number;
  columns: ColumnChange[];
  sample_changed: ChangedRow[];
  sample_added: Record<string, unknown>[];
  sample_removed: Record<string, unknown>[];
}

export interface ChangedRow {
  key: Record<string, unknown>;
  changes: { column: string; production: unknown; branch: unknown }[];
}

export interface KeyedSql {
  /** One row: the aggregates (see `statsFromRow` for the order). */
  totals: string;
  /** Up to `sample` rows per kind (changed, added, removed), kind in the first column. */
  sample: string;
}

export interface KeyedPlan {
  branch: TableRef;
  production: TableRef;
  key: readonly string[];
  /** Compared columns, not the key. */
  columns: readonly string[];
  /** Production columns cast to the branch type (retyped numeric columns): name -> type. */
  casts?: ReadonlyMap<string, string>;
  /** Of `columns`, the numeric ones (deltas are computed for these). */
  numeric?: ReadonlySet<string>;
  /** Branch types of `columns`, reported with them. */
  types?: ReadonlyMap<string, string>;
  sample?: number;
}

export const KEYED_SAMPLE_ROWS = 5;

const alias = (prefix: string, i: number) => `__rocky_${prefix}${i}`;

/** The statements of a keyed compare: the shared CTE and the two queries over it. */
export function keyedCompareSql(d: Dialect, plan: KeyedPlan): KeyedSql {
  const casts = plan.casts ?? new Map<string, string>();
  const numeric = plan.numeric ?? new Set<string>();
  const sample = plan.sample ?? KEYED_SAMPLE_ROWS;
  const q = (id: string) => d.quoteIdent(id);
  const n = q("__rocky_n");
  const key = plan.key.map(q);
  const cols = plan.columns;
  const sideCol = (c: string, i: number, prod: boolean) => {
    const v = prod && casts.has(c) ? `CAST(${q(c)} AS ${casts.get(c)})` : q(c);
    return `ANY_VALUE(${v}) AS ${q(alias("c", i))}`;
  };
  const keyCol = (c: string, i: number, prod: boolean) =>
    `${prod && casts.has(c) ? `CAST(${q(c)} AS ${casts.get(c)})` : q(c)} AS ${q(alias("k", i))}`;
  const notNull = key.map((k) => `${k} IS NOT NULL`).join(" AND ");
  const groupBy = plan.key.map((_, i) => i + 1).join(", ");
  const side = (ref: TableRef, prod: boolean) =>
    `SELECT ${[
      ...plan.key.map((k, i) => keyCol(k, i, prod)),
      ...cols.map((c, i) => sideCol(c, i, prod)),
      `COUNT(*) AS ${n}`,
    ].join(", ")} FROM ${d.qualify(ref)} WHERE ${notNull} GROUP BY ${groupBy}`;
  const kq = plan.key.map((_, i) => q(alias("k", i)));
  const cq = cols.map((_, i) => q(alias("c", i)));
  const bq = cols.map((_, i) => q(alias("b", i)));
  const pq = cols.map((_, i) => q(alias("p", i)));
  const bn = q("__rocky_bn");
  const pn = q("__rocky_pn");
  const joined = [
    ...kq.map((k) => `COALESCE(b.${k}, p.${k}) AS ${k}`),
    ...cq.map((c, i) => `b.${c} AS ${bq[i]}`),
    ...cq.map((c, i) => `p.${c} AS ${pq[i]}`),
    `b.${n} AS ${bn}`,
    `p.${n} AS ${pn}`,
  ];
  const on = kq.map((k) => `b.${k} = p.${k}`).join(" AND ");
  const cte =
    `WITH b AS (${side(plan.branch, false)}), p AS (${side(plan.production, true)}), ` +
    `j AS (SELECT ${joined.join(", ")} FROM b FULL OUTER JOIN p ON ${on})`;
  const matched = `${bn} = 1 AND ${pn} = 1`;
  const differs = (i: number) => `${bq[i]} IS DISTINCT FROM ${pq[i]}`;
  const anyDiff = cols.length === 0 ? "1 = 0" : cols.map((_, i) => differs(i)).join(" OR ");
  const sum = (cond: string, v = "1") => `SUM(CASE WHEN ${cond} THEN ${v} ELSE 0 END)`;
  const aggregates = [
    sum(`${pn} IS NULL`, bn),
    sum(`${bn} IS NULL`, pn),
    sum(`${matched} AND (${anyDiff})`),
    sum(`${matched} AND NOT (${anyDiff})`),
    sum(matched),
    sum(`${bn} > 1`),
    sum(`${pn} > 1`),
    sum(`${bn} > 1`, bn),
    sum(`${pn} > 1`, pn),
    sum(`${bn} IS NOT NULL AND ${pn} IS NOT NULL AND (${bn} > 1 OR ${pn} > 1)`),
    ...cols.flatMap((c, i) => {
      const per = [sum(`${matched} AND ${differs(i)}`)];
      if (numeric.has(c)) {
        const delta = `CASE WHEN ${matched} AND ${bq[i]} <> ${pq[i]} THEN ${bq[i]} - ${pq[i]} END`;
        per.push(`MIN(${delta})`, `MAX(${delta})`, `AVG(${delta})`);
      }
      return per;
    }),
  ];
  const totals = `${cte} SELECT ${aggregates.join(", ")} FROM j`;
  const kind = q("__rocky_kind");
  const rn = q("__rocky_rn");
  const classify =
    `CASE WHEN ${pn} IS NULL THEN 'added' WHEN ${bn} IS NULL THEN 'removed' ` +
    `WHEN ${matched} AND (${anyDiff}) THEN 'changed' END`;
  const order = kq.join(", ");
  const picked = [...kq, ...bq, ...pq];
  const sampleSql =
    `${cte}, s AS (SELECT ${classify} AS ${kind}, ${picked.join(", ")} FROM j), ` +
    `r AS (SELECT ${kind}, ${picked.join(", ")}, ROW_NUMBER() OVER (PARTITION BY ${kind} ORDER BY ${order}) AS ${rn} FROM s WHERE ${kind} IS NOT NULL) ` +
    `SELECT ${kind}, ${picked.join(", ")} FROM r WHERE ${rn} <= ${sample} ORDER BY ${kind}, ${order}`;
  return { totals, sample: sampleSql };
}

function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return Number(typeof v === "bigint" ? v : String(v));
}

function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const x = Number(typeof v === "bigint" ? v : String(v));
  return Number.isFinite(x) ? x : null;
}

/**
 * Run a keyed compare. `nullKeys`: rows with a NULL key per side (`countWithNullKeysSql`,
 * which also gives the row counts); `jsonValue` turns warehouse values into JSON ones.
 */
export async function keyedCompare(
  adapter: Adapter,
  plan: KeyedPlan,
  nullKeys: SideCounts,
  jsonValue: (v: unknown) => unknown,
): Promise<KeyedStats> {
  const sql = keyedCompareSql(adapter.dialect, plan);
  const row = (await adapter.query(sql.totals)).rows[0] ?? [];
  let at = 0;
  const next = () => row[at++];
  const stats: KeyedStats = {
    key: [...plan.key],
    rows_added: num(next()),
    rows_removed: num(next()),
    rows_changed: num(next()),
    rows_unchanged: num(next()),
    keys_matched: num(next()),
    null_key_rows: nullKeys,
    duplicate_keys: { branch: num(next()), production: num(next()) },
    duplicate_key_rows: { branch: num(next()), production: num(next()) },
    duplicate_keys_not_compared: num(next()),
    columns: [],
    sample_changed: [],
    sample_added: [],
    sample_removed: [],
  };
  for (const c of plan.columns) {
    const changed = num(next());
    const col: ColumnChange = {
      name: c,
      type: plan.types?.get(c) ?? "",
      changed,
      changed_share: stats.keys_matched === 0 ? 0 : changed / stats.keys_matched,
    };
    if (plan.numeric?.has(c))
      col.delta = { min: numOrNull(next()), max: numOrNull(next()), mean: numOrNull(next()) };
    stats.columns.push(col);
  }
  if (stats.rows_added + stats.rows_removed + stats.rows_changed === 0) return stats;
  const k = plan.key.length;
  const m = plan.columns.length;
  for (const r of (await adapter.query(sql.sample)).rows) {
    const keyObj = Object.fromEntries(plan.key.map((name, i) => [name, jsonValue(r[1 + i])]));
    const branchVals = r.slice(1 + k, 1 + k + m);
    const prodVals = r.slice(1 + k + m, 1 + k + 2 * m);
    const rowOf = (vals: unknown[]) => ({
      ...keyObj,
      ...Object.fromEntries(plan.columns.map((c, i) => [c, jsonValue(vals[i])])),
    });
    if (r[0] === "added") stats.sample_added.push(rowOf(branchVals));
    else if (r[0] === "removed") stats.sample_removed.push(rowOf(prodVals));
    else {
      const changes: ChangedRow["changes"] = [];
      plan.columns.forEach((c, i) => {
        const b = jsonValue(branchVals[i]);
        const p = jsonValue(prodVals[i]);
        if (!sameValue(b, p)) changes.push({ column: c, production: p, branch: b });
      });
      stats.sample_changed.push({ key: keyObj, changes });
    }
  }
  return stats;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Rows of a table, and those with a NULL in a key column: one scan. */
export function countWithNullKeysSql(d: Dialect, ref: TableRef, key: readonly string[]): string {
  const anyNull = key.map((k) => `${d.quoteIdent(k)} IS NULL`).join(" OR ");
  return `SELECT COUNT(*), SUM(CASE WHEN ${anyNull} THEN 1 ELSE 0 END) FROM ${d.qualify(ref)}`;
}
