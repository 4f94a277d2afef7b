/**
 * The SQL building blocks a dialect supplies to the strategies (src/run/strategies.ts).
 * `standardStrategySql` is the ANSI form every built-in starts from; a dialect spreads
 * it and overrides only what its warehouse spells differently (Kysely's pattern: one
 * default compiler, small per-dialect overrides). Pure: no I/O.
 */
import { RockyError } from "../errors.ts";
import type { TableRef } from "./types.ts";

/** One statement, or several run in order (a warehouse without `CREATE OR REPLACE` drops first). */
export type Sql = string | string[];

export interface StrategySql {
  /** `CREATE OR REPLACE TABLE t AS select`. */
  createTableAs(target: TableRef, select: string): Sql;
  /** `CREATE OR REPLACE VIEW t AS select`. */
  createView(target: TableRef, select: string): Sql;
  /** Append `select`'s rows; `columns` (the model's output, in order) names the target columns when known. */
  insertSelect(target: TableRef, select: string, columns?: string[]): string;
  /** Delete the target rows matching `condition` (a predicate over the target's own, unqualified columns). */
  deleteWhere(target: TableRef, condition: string): string;
  /** Delete the target rows whose `keys` equal (NULL-safe) those of some row of `select`. */
  deleteMatching(target: TableRef, select: string, keys: string[]): string;
  /**
   * Upsert `select` by `keys`. `update` limits the columns a match overwrites (all
   * non-key columns by default); `columns` is the model's output when known.
   */
  merge(target: TableRef, select: string, keys: string[], update?: string[], columns?: string[]): Sql;
  /**
   * Statements that must commit together, in the form the warehouse takes them. Default:
   * unchanged, and the run wraps them in `adapter.transaction` (BigQuery: one script).
   */
  atomic?(statements: string[]): string[];
  /**
   * One atomic statement replacing the target rows matching `condition` with `select`'s
   * rows (Delta's `INSERT … REPLACE WHERE`), for warehouses without multi-statement
   * transactions. Used instead of delete + insert where present.
   */
  replaceWhere?(target: TableRef, condition: string, select: string, columns?: string[]): string;
}

export interface NameRules {
  quoteIdent(id: string): string;
  qualify(ref: TableRef): string;
}

/** How MERGE spells "every column" where the column list is unknown. */
export interface MergeSpelling {
  /** Target and source aliases as the warehouse accepts them. */
  targetAlias: string;
  sourceAlias: string;
  /** `UPDATE SET *`-like clause for all columns, or undefined when the warehouse has none. */
  updateAll?: string;
  /** `INSERT *`-like clause, or undefined when the warehouse has none. */
  insertAll?: string;
  /** Key columns compared case-insensitively when excluding them from UPDATE SET. */
  foldKey?: (name: string) => string;
  /** Prefix of columns in UPDATE SET (`t.` on Databricks); none by default. */
  setPrefix?: string;
}

/** The NULL-safe equality every built-in warehouse understands. */
const nullSafeEquals = (a: string, b: string): string => `${a} IS NOT DISTINCT FROM ${b}`;

export function mergeStatement(
  n: NameRules,
  spelling: MergeSpelling,
  target: TableRef,
  select: string,
  keys: string[],
  update: string[] | undefined,
  columns: string[] | undefined,
): string {
  if (keys.length === 0) throw new RockyError("merge strategy requires at least one unique_key column");
  const q = (c: string) => n.quoteIdent(c);
  const { targetAlias: t, sourceAlias: s } = spelling;
  const fold = spelling.foldKey ?? ((x: string) => x.toLowerCase());
  const keySet = new Set(keys.map(fold));
  const on = keys.map((k) => `${t}.${q(k)} = ${s}.${q(k)}`).join(" AND ");
  const setCols = update ?? columns?.filter((c) => !keySet.has(fold(c)));
  let whenMatched: string | undefined;
  if (setCols === undefined) {
    if (spelling.updateAll === undefined)
      throw new RockyError("MERGE needs the model's columns (or update_columns) to build UPDATE SET", {
        hint: "fix the model's compile diagnostics, or set [strategy] update_columns = [...] in its sidecar",
      });
    whenMatched = `WHEN MATCHED THEN ${spelling.updateAll}`;
  } else if (setCols.length > 0) {
    const set = setCols.map((c) => `${spelling.setPrefix ?? ""}${q(c)} = ${s}.${q(c)}`).join(", ");
    whenMatched = `WHEN MATCHED THEN UPDATE SET ${set}`;
  }
  let whenNot: string;
  if (columns && columns.length > 0) {
    const cols = columns.map(q);
    whenNot = `WHEN NOT MATCHED THEN INSERT (${cols.join(", ")}) VALUES (${cols.map((c) => `${s}.${c}`).join(", ")})`;
  } else if (spelling.insertAll !== undefined) {
    whenNot = `WHEN NOT MATCHED THEN ${spelling.insertAll}`;
  } else {
    throw new RockyError("MERGE needs the model's columns to build its INSERT", {
      hint: "fix the model's compile diagnostics so its output columns are known",
    });
  }
  return [
    `MERGE INTO ${n.qualify(target)} AS ${t}`,
    `USING (\n${select}\n) AS ${s}`,
    `ON ${on}`,
    whenMatched,
    whenNot,
  ]
    .filter((l) => l !== undefined)
    .join("\n");
}

/** ANSI building blocks over a dialect's quoting; `merge` spelled per `spelling`. */
export function standardStrategySql(n: NameRules, spelling: MergeSpelling): StrategySql {
  const q = (c: string) => n.quoteIdent(c);
  const columnList = (columns: string[] | undefined) =>
    columns && columns.length > 0 ? ` (${columns.map(q).join(", ")})` : "";
  return {
    createTableAs: (target, select) => `CREATE OR REPLACE TABLE ${n.qualify(target)} AS\n${select}`,
    createView: (target, select) => `CREATE OR REPLACE VIEW ${n.qualify(target)} AS\n${select}`,
    insertSelect: (target, select, columns) =>
      `INSERT INTO ${n.qualify(target)}${columnList(columns)}\n${select}`,
    deleteWhere: (target, condition) => `DELETE FROM ${n.qualify(target)}\nWHERE ${condition}`,
    deleteMatching(target, select, keys) {
      if (keys.length === 0)
        throw new RockyError("delete_insert strategy requires at least one partition_by column");
      const t = n.qualify(target);
      const match = keys.map((k) => nullSafeEquals(`_rocky_incoming.${q(k)}`, `${t}.${q(k)}`)).join(" AND ");
      return `DELETE FROM ${t}\nWHERE EXISTS (\n  SELECT 1 FROM (\n${select}\n) AS _rocky_incoming\n  WHERE ${match}\n)`;
    },
    merge: (target, select, keys, update, columns) =>
      mergeStatement(n, spelling, target, select, keys, update, columns),
  };
}
