/**
 * `rocky branch compare`: each model the branch built against its production table —
 * schema, row counts, the rows only on one side, and which downstream columns read a
 * column the branch removed or retyped.
 */
import type { Adapter, ColumnInfo, Dialect, TableRef } from "../adapter/types.ts";
import type { Model } from "../project/types.ts";
import { noun } from "../format.ts";
import type { BlastColumn, BlastResolver } from "./blast.ts";
import { contractKey } from "../project/contract.ts";
import type { BuiltModel } from "./built.ts";
import { countWithNullKeysSql, type KeyedStats, keyedCompare } from "./keyed.ts";

export type Verdict = "identical" | "changed" | "schema_changed";

export interface BlastEntry {
  column: string;
  change: "removed" | "retyped";
  downstream: BlastColumn[];
}

export interface ModelComparison {
  model: string;
  production_table: string;
  shadow_table: string;
  production_count: number;
  shadow_count: number;
  row_count_match: boolean;
  row_count_diff_pct: number;
  schema_match: boolean;
  schema_diffs: string[];
  verdict: Verdict | "missing_in_production";
  branch_table: string;
  columns_added: { name: string; type: string }[];
  columns_removed: { name: string; type: string }[];
  columns_retyped: { name: string; production_type: string; branch_type: string }[];
  rows_only_in_branch: number;
  rows_only_in_production: number;
  compared_columns: string[];
  sample_only_in_branch: Record<string, unknown>[];
  sample_only_in_production: Record<string, unknown>[];
  blast_radius: BlastEntry[];
  /** The key rows were matched on, or null for the unkeyed row-hash diff. */
  key: string[] | null;
  key_source: KeySource | null;
  /** Why the compare is unkeyed (no key declared, a key column missing...). */
  unkeyed_reason?: string;
  /** Rows added, removed or changed, as a percentage of the production rows. */
  changed_pct: number;
  keyed?: KeyedStats;
}

/** Where a compare key came from: `--key`, or the model's own declaration. */
export type KeySource = "flag" | "unique_key" | "contract" | "grain";

/**
 * A model's contract primary key, when it declares one. The hook for `[contract]`
 * (issue 14): until contracts exist nothing passes it and this source is never used.
 */
export type ContractPrimaryKey = (model: Model) => readonly string[] | undefined;

export interface CompareOptions {
  /** `--key`: one key for every compared model. */
  key?: readonly string[];
  /** Contracts' primary keys, between unique_key and grain in the default key's order. */
  contractPrimaryKey?: ContractPrimaryKey;
  /** `--max-changed-pct`. */
  maxChangedPct?: number;
}

export interface CompareResult {
  branch: string;
  filter: string;
  overall_verdict: Verdict;
  tables_compared: number;
  tables_passed: number;
  tables_warned: number;
  tables_failed: number;
  results: ModelComparison[];
  /** Models whose `changed_pct` is above `--max-changed-pct`. */
  threshold_failures: { model: string; changed_pct: number; max_changed_pct: number }[];
}

export const SAMPLE_ROWS = 5;

export async function compareBranch(
  adapter: Adapter,
  branch: string,
  built: readonly BuiltModel[],
  blast: BlastResolver | undefined,
  filter: readonly string[],
  opts: CompareOptions = {},
): Promise<CompareResult> {
  const results: ModelComparison[] = [];
  for (const b of built) {
    // Recorded but gone (a failed write, or dropped by hand): nothing to compare.
    if ((await adapter.describeTable(b.branch)) === undefined) continue;
    results.push(await compareModel(adapter, b, blast, declaredKey(b, opts.key, opts.contractPrimaryKey)));
  }
  const max = opts.maxChangedPct;
  const failed = results.filter(
    (r) => r.verdict === "schema_changed" || r.verdict === "missing_in_production",
  );
  const warned = results.filter((r) => r.verdict === "changed");
  return {
    branch,
    filter: filter.join(","),
    overall_verdict: failed.length > 0 ? "schema_changed" : warned.length > 0 ? "changed" : "identical",
    tables_compared: results.length,
    tables_passed: results.length - failed.length - warned.length,
    tables_warned: warned.length,
    tables_failed: failed.length,
    results,
    threshold_failures:
      max === undefined
        ? []
        : results
            .filter((r) => r.changed_pct > max)
            .map((r) => ({ model: r.model, changed_pct: r.changed_pct, max_changed_pct: max })),
  };
}

/** The key a model is compared on: `--key`, else the model's default key. */
export function declaredKey(
  b: BuiltModel,
  flag: readonly string[] | undefined,
  contractPrimaryKey?: ContractPrimaryKey,
): { key: string[]; source: KeySource } | undefined {
  if (flag && flag.length > 0) return { key: [...flag], source: "flag" };
  return defaultCompareKey(b.model, contractPrimaryKey);
}

/**
 * The key a model's rows are matched on without `--key`: its strategy's `unique_key`, else
 * its contract's primary key, else its sidecar's `grain`; undefined: compared unkeyed.
 */
export function defaultCompareKey(
  model: Model,
  contractPrimaryKey: ContractPrimaryKey = contractKey,
): { key: string[]; source: Exclude<KeySource, "flag"> } | undefined {
  const s = model.strategy;
  if ((s.type === "merge" || s.type === "incremental") && s.unique_key && s.unique_key.length > 0)
    return { key: [...s.unique_key], source: "unique_key" };
  const pk = contractPrimaryKey(model);
  if (pk && pk.length > 0) return { key: [...pk], source: "contract" };
  if (model.grain && model.grain.length > 0) return { key: [...model.grain], source: "grain" };
  return undefined;
}

const pct = (changed: number, base: number) =>
  base === 0 ? (changed === 0 ? 0 : 100) : (100 * changed) / base;

async function compareModel(
  adapter: Adapter,
  b: BuiltModel,
  blast: BlastResolver | undefined,
  declared: { key: string[]; source: KeySource } | undefined,
): Promise<ModelComparison> {
  const d = adapter.dialect;
  const branchCols = (await adapter.describeTable(b.branch)) ?? [];
  const prodCols = await adapter.describeTable(b.production);
  const base = {
    model: b.model.name,
    production_table: d.qualify(b.production),
    shadow_table: d.qualify(b.branch),
    branch_table: d.qualify(b.branch),
  };
  if (prodCols === undefined) {
    const shadowCount = await countRows(adapter, b.branch);
    // A model new in the branch: everything in it is "only in the branch".
    return {
      ...base,
      production_count: 0,
      shadow_count: shadowCount,
      row_count_match: shadowCount === 0,
      row_count_diff_pct: shadowCount === 0 ? 0 : 1,
      schema_match: false,
      schema_diffs: ["production table does not exist"],
      verdict: "missing_in_production",
      columns_added: branchCols.map((c) => ({ name: c.name, type: c.type })),
      columns_removed: [],
      columns_retyped: [],
      rows_only_in_branch: shadowCount,
      rows_only_in_production: 0,
      compared_columns: [],
      sample_only_in_branch: [],
      sample_only_in_production: [],
      blast_radius: [],
      key: null,
      key_source: null,
      unkeyed_reason: "production table does not exist",
      changed_pct: pct(shadowCount, 0),
    };
  }
  const diff = diffColumns(prodCols, branchCols);
  const schemaChanged = diff.added.length + diff.removed.length + diff.retyped.length > 0;
  const schema = {
    schema_match: !schemaChanged,
    schema_diffs: [
      ...diff.added.map((c) => `column added: ${c.name} ${c.type}`),
      ...diff.removed.map((c) => `column removed: ${c.name} ${c.type}`),
      ...diff.retyped.map((c) => `column retyped: ${c.name} ${c.production_type} -> ${c.branch_type}`),
    ],
    columns_added: diff.added,
    columns_removed: diff.removed,
    columns_retyped: diff.retyped,
    blast_radius: blast ? await blastRadius(blast, b.model.name, diff, prodCols) : [],
  };
  const counts = (prodCount: number, shadowCount: number) => ({
    production_count: prodCount,
    shadow_count: shadowCount,
    row_count_match: prodCount === shadowCount,
    row_count_diff_pct:
      prodCount === 0 ? (shadowCount === 0 ? 0 : 1) : Math.abs(shadowCount - prodCount) / prodCount,
  });

  // Keyed: every key column on both sides, compared with the same type.
  let unkeyedReason = "no key: pass --key, or declare a unique_key or a grain";
  if (declared) {
    const byName = new Map(diff.shared.map((c) => [c.toLowerCase(), c]));
    const missing = declared.key.filter((k) => !byName.has(k.toLowerCase()));
    if (missing.length > 0) {
      unkeyedReason = `key ${noun(missing.length, "column")} ${missing.map((m) => `'${m}'`).join(", ")} not in both tables with comparable types`;
    } else {
      const key = declared.key.map((k) => byName.get(k.toLowerCase())!);
      const keySet = new Set(key);
      const numericCols = new Set(
        branchCols.filter((c) => NUMERIC.test(c.type)).map((c) => c.name.toLowerCase()),
      );
      const [bc, pc] = await Promise.all([
        adapter.query(countWithNullKeysSql(d, b.branch, key)),
        adapter.query(countWithNullKeysSql(d, b.production, key)),
      ]);
      const shadowCount = toCount(bc.rows[0]?.[0]);
      const prodCount = toCount(pc.rows[0]?.[0]);
      const nullKeys = { branch: toCount(bc.rows[0]?.[1]), production: toCount(pc.rows[0]?.[1]) };
      const run = (columns: string[], casts: ReadonlyMap<string, string>) =>
        keyedCompare(
          adapter,
          {
            branch: b.branch,
            production: b.production,
            key,
            columns,
            casts,
            numeric: new Set(columns.filter((c) => numericCols.has(c.toLowerCase()))),
            types: new Map(
              branchCols
                .filter((c) => columns.some((x) => x.toLowerCase() === c.name.toLowerCase()))
                .map((c) => [columns.find((x) => x.toLowerCase() === c.name.toLowerCase())!, c.type]),
            ),
          },
          nullKeys,
          jsonValue,
        );
      const columns = diff.shared.filter((c) => !keySet.has(c));
      const keyCast = key.some((k) => diff.casts.has(k));
      const stats = await run(columns, diff.casts).catch((e) => {
        // A cast the warehouse refuses (overflow): compare on the same-typed columns only.
        if (diff.casts.size === 0 || keyCast) throw e;
        return run(
          columns.filter((c) => !diff.casts.has(c)),
          new Map(),
        );
      });
      const changes = stats.rows_added + stats.rows_removed + stats.rows_changed;
      const changed = changes > 0 || prodCount !== shadowCount;
      return {
        ...base,
        ...counts(prodCount, shadowCount),
        ...schema,
        verdict: schemaChanged ? "schema_changed" : changed ? "changed" : "identical",
        // As a row hash would count them: a changed row is only in the branch and only in production.
        rows_only_in_branch: stats.rows_added + stats.rows_changed,
        rows_only_in_production: stats.rows_removed + stats.rows_changed,
        compared_columns: diff.shared,
        sample_only_in_branch: stats.sample_added,
        sample_only_in_production: stats.sample_removed,
        key,
        key_source: declared.source,
        changed_pct: pct(changes, prodCount),
        keyed: stats,
      };
    }
  }

  const shadowCount = await countRows(adapter, b.branch);
  const prodCount = await countRows(adapter, b.production);
  const rows =
    diff.shared.length > 0
      ? await diffRows(adapter, b.branch, b.production, diff.shared, diff.casts).catch(async () =>
          // A cast the warehouse refuses (overflow): compare on the same-typed columns only.
          diff.shared.length > diff.casts.size
            ? diffRows(
                adapter,
                b.branch,
                b.production,
                diff.shared.filter((c) => !diff.casts.has(c)),
                new Map(),
              )
            : { onlyBranch: shadowCount, onlyProd: prodCount, sampleBranch: [], sampleProd: [] },
        )
      : { onlyBranch: shadowCount, onlyProd: prodCount, sampleBranch: [], sampleProd: [] };
  const changed = rows.onlyBranch > 0 || rows.onlyProd > 0 || prodCount !== shadowCount;
  return {
    ...base,
    ...counts(prodCount, shadowCount),
    ...schema,
    verdict: schemaChanged ? "schema_changed" : changed ? "changed" : "identical",
    rows_only_in_branch: rows.onlyBranch,
    rows_only_in_production: rows.onlyProd,
    compared_columns: diff.shared,
    sample_only_in_branch: rows.sampleBranch,
    sample_only_in_production: rows.sampleProd,
    key: null,
    key_source: null,
    unkeyed_reason: unkeyedReason,
    changed_pct: pct(Math.max(rows.onlyBranch, rows.onlyProd), prodCount),
  };
}

interface ColumnDiff {
  added: { name: string; type: string }[];
  removed: { name: string; type: string }[];
  retyped: { name: string; production_type: string; branch_type: string }[];
  /**
   * Columns rows are compared on, in production order: same type on both sides, or both
   * numeric (production cast to the branch type, so a widened DECIMAL still shows which
   * values changed).
   */
  shared: string[];
  /** Of `shared`, those whose production side is cast: name -> branch type. */
  casts: Map<string, string>;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*|FLOAT\d*|REAL|DOUBLE|DOUBLE PRECISION|DECIMAL|NUMERIC|NUMBER|BIGNUMERIC)(\(.*\))?$/i;

/** Names match case-insensitively (warehouses fold unquoted names); types compare exactly. */
export function diffColumns(prod: ColumnInfo[], branch: ColumnInfo[]): ColumnDiff {
  const byName = (cols: ColumnInfo[]) => new Map(cols.map((c) => [c.name.toLowerCase(), c]));
  const p = byName(prod);
  const b = byName(branch);
  const out: ColumnDiff = { added: [], removed: [], retyped: [], shared: [], casts: new Map() };
  for (const c of branch) if (!p.has(c.name.toLowerCase())) out.added.push({ name: c.name, type: c.type });
  for (const c of prod) {
    const other = b.get(c.name.toLowerCase());
    if (!other) out.removed.push({ name: c.name, type: c.type });
    else if (other.type !== c.type) {
      out.retyped.push({ name: c.name, production_type: c.type, branch_type: other.type });
      if (NUMERIC.test(c.type) && NUMERIC.test(other.type)) {
        out.shared.push(c.name);
        out.casts.set(c.name, other.type);
      }
    } else out.shared.push(c.name);
  }
  return out;
}

async function blastRadius(
  blast: BlastResolver,
  model: string,
  diff: ColumnDiff,
  prodCols: ColumnInfo[],
): Promise<BlastEntry[]> {
  const production = prodCols.map((c) => c.name);
  const changes = [
    ...diff.removed.map((c) => ({ column: c.name, change: "removed" as const })),
    ...diff.retyped.map((c) => ({ column: c.name, change: "retyped" as const })),
  ];
  const out: BlastEntry[] = [];
  for (const ch of changes)
    out.push({ ...ch, downstream: await blast.downstream(model, ch.column, production) });
  return out;
}

/** Warehouses return counts as bigint, decimal strings or numbers. */
export function toCount(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return Number(typeof v === "bigint" ? v : String(v));
}

async function countRows(adapter: Adapter, ref: TableRef): Promise<number> {
  const r = await adapter.query(`SELECT COUNT(*) AS n FROM ${adapter.dialect.qualify(ref)}`);
  return toCount(r.rows[0]?.[0]);
}

/**
 * Multiset difference by row: each side grouped by every compared column with its count,
 * matched null-safely (`IS NOT DISTINCT FROM`), so a duplicated row counts as a change.
 * Plain SQL that all four warehouses accept (no EXCEPT ALL on Snowflake or BigQuery).
 */
export function rowDiffCte(
  d: Dialect,
  branch: TableRef,
  prod: TableRef,
  columns: readonly string[],
  casts: ReadonlyMap<string, string> = new Map(),
): string {
  const q = columns.map((c) => d.quoteIdent(c));
  const n = d.quoteIdent("__rocky_n");
  const delta = d.quoteIdent("__rocky_delta");
  const prodCols = columns.map((c, i) =>
    casts.has(c) ? `CAST(${q[i]} AS ${casts.get(c)}) AS ${q[i]}` : q[i]!,
  );
  const group = (ref: TableRef, select: readonly string[]) =>
    `SELECT ${select.join(", ")}, COUNT(*) AS ${n} FROM ${d.qualify(ref)} GROUP BY ${columns.map((_, i) => i + 1).join(", ")}`;
  const pick = q.map((c) => `CASE WHEN b.${n} IS NULL THEN p.${c} ELSE b.${c} END AS ${c}`);
  const on = q.map((c) => `b.${c} IS NOT DISTINCT FROM p.${c}`).join(" AND ");
  return (
    `WITH b AS (${group(branch, q)}), p AS (${group(prod, prodCols)}), ` +
    `d AS (SELECT ${pick.join(", ")}, COALESCE(b.${n}, 0) - COALESCE(p.${n}, 0) AS ${delta} ` +
    `FROM b FULL OUTER JOIN p ON ${on})`
  );
}

async function diffRows(
  adapter: Adapter,
  branch: TableRef,
  prod: TableRef,
  columns: string[],
  casts: ReadonlyMap<string, string>,
): Promise<{
  onlyBranch: number;
  onlyProd: number;
  sampleBranch: Record<string, unknown>[];
  sampleProd: Record<string, unknown>[];
}> {
  const d = adapter.dialect;
  const cte = rowDiffCte(d, branch, prod, columns, casts);
  const delta = d.quoteIdent("__rocky_delta");
  const totals = await adapter.query(
    `${cte} SELECT SUM(CASE WHEN ${delta} > 0 THEN ${delta} ELSE 0 END), SUM(CASE WHEN ${delta} < 0 THEN -${delta} ELSE 0 END) FROM d`,
  );
  const onlyBranch = toCount(totals.rows[0]?.[0]);
  const onlyProd = toCount(totals.rows[0]?.[1]);
  const order = columns.map((_, i) => String(i + 1)).join(", ");
  const cols = columns.map((c) => d.quoteIdent(c)).join(", ");
  const sample = async (cond: string) =>
    onlyBranch + onlyProd === 0
      ? []
      : (
          await adapter.query(
            `${cte} SELECT ${cols} FROM d WHERE ${cond} ORDER BY ${order} LIMIT ${SAMPLE_ROWS}`,
          )
        ).rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, jsonValue(row[i])])));
  return {
    onlyBranch,
    onlyProd,
    sampleBranch: onlyBranch > 0 ? await sample(`${delta} > 0`) : [],
    sampleProd: onlyProd > 0 ? await sample(`${delta} < 0`) : [],
  };
}

/** JSON has no bigint: small ones become numbers, others decimal strings. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === "bigint")
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return v;
}
