/** DuckDB SQL text: quoting, names and the statements of each strategy. Pure, no I/O. */
import type { Dialect, MaterializeContext, TableRef } from "../../src/adapter/types.ts";
import type { Strategy } from "../../src/project/types.ts";

const q = (id: string): string => `"${id.replaceAll('"', '""')}"`;

function qualify(ref: TableRef): string {
  return ref.catalog
    ? `${q(ref.catalog)}.${q(ref.schema)}.${q(ref.table)}`
    : `${q(ref.schema)}.${q(ref.table)}`;
}

/** Replace whatever object stands at `target` when its kind (table/view) is about to change. */
function dropOtherKind(target: TableRef, ctx: MaterializeContext, want: "table" | "view"): string[] {
  if (!ctx.existingKind || ctx.existingKind === want) return [];
  return [
    ctx.existingKind === "view"
      ? `DROP VIEW IF EXISTS ${qualify(target)}`
      : `DROP TABLE IF EXISTS ${qualify(target)}`,
  ];
}

function ctas(target: TableRef, select: string, ctx: MaterializeContext): string[] {
  return [...dropOtherKind(target, ctx, "table"), `CREATE OR REPLACE TABLE ${qualify(target)} AS\n${select}`];
}

export const duckdbDialect: Dialect = {
  name: "duckdb",
  quoteIdent: q,
  qualify,
  defaultCatalog: undefined,
  defaultSchema: "main",
  // Every identifier is quoted, so any branch or schema name is valid as is.
  safeSchemaName: (name) => name,
  foldIdentifier: (id) => id.toLowerCase(), // DuckDB ignores case, quoted or not
  materialize(target: TableRef, select: string, strategy: Strategy, ctx: MaterializeContext): string[] {
    const t = qualify(target);
    // A target of another kind (view where a table is wanted) cannot be appended to.
    const build =
      !ctx.targetExists ||
      ctx.fullRefresh ||
      (ctx.existingKind !== undefined && ctx.existingKind !== "table");
    switch (strategy.type) {
      case "full_refresh":
        return ctas(target, select, ctx);
      case "view":
        return [...dropOtherKind(target, ctx, "view"), `CREATE OR REPLACE VIEW ${t} AS\n${select}`];
      case "incremental": {
        if (build) return ctas(target, select, ctx);
        const ts = q(strategy.timestamp_column);
        // Without a stored watermark (state file replaced), fall back to the target's own maximum.
        const wm = ctx.watermark ?? `(SELECT max(${ts}) FROM ${t})`;
        const cond = ctx.watermark ? `${ts} > ${wm}` : `${ts} > ${wm} OR ${wm} IS NULL`;
        return [`INSERT INTO ${t} BY NAME\nSELECT * FROM (\n${select}\n) AS "_rocky_new"\nWHERE ${cond}`];
      }
      case "merge": {
        if (build) return ctas(target, select, ctx);
        const on = strategy.unique_key.map((k) => `"t".${q(k)} = "s".${q(k)}`).join(" AND ");
        const set = strategy.update_columns
          ? `UPDATE SET ${strategy.update_columns.map((c) => `${q(c)} = "s".${q(c)}`).join(", ")}`
          : "UPDATE SET *";
        return [
          `MERGE INTO ${t} AS "t"\nUSING (\n${select}\n) AS "s"\nON ${on}\nWHEN MATCHED THEN ${set}\nWHEN NOT MATCHED THEN INSERT BY NAME`,
        ];
      }
      case "delete_insert": {
        if (build) return ctas(target, select, ctx);
        // NULL-safe match on the partition columns: a NULL partition is replaced like any other.
        const match = strategy.partition_by
          .map((c) => `"_rocky_incoming".${q(c)} IS NOT DISTINCT FROM ${t}.${q(c)}`)
          .join(" AND ");
        return [
          `DELETE FROM ${t}\nWHERE EXISTS (\n  SELECT 1 FROM (\n${select}\n) AS "_rocky_incoming"\n  WHERE ${match}\n)`,
          `INSERT INTO ${t} BY NAME\n${select}`,
        ];
      }
    }
  },
  createSchema: (catalog, schema) =>
    `CREATE SCHEMA IF NOT EXISTS ${catalog ? `${q(catalog)}.${q(schema)}` : q(schema)}`,
  dropSchema: (catalog, schema) =>
    `DROP SCHEMA IF EXISTS ${catalog ? `${q(catalog)}.${q(schema)}` : q(schema)} CASCADE`,
  dropTable: (ref) => `DROP TABLE IF EXISTS ${qualify(ref)}`,
  dropView: (ref) => `DROP VIEW IF EXISTS ${qualify(ref)}`,
  // VARCHAR keeps microseconds; a JS Date would round them away and reload a row.
  maxValueQuery: (target, column) => `SELECT CAST(max(${q(column)}) AS VARCHAR) FROM ${qualify(target)}`,
  watermarkLiteral: (value) => literal(value),
};

/** SQL string literal. */
export function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
