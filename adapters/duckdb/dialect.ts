/** DuckDB SQL text: quoting, names and the statements of each strategy. Pure, no I/O. */
import { standardStrategySql, type Dialect, type TableRef } from "../../src/adapter/sdk.ts";

const q = (id: string): string => `"${id.replaceAll('"', '""')}"`;

function qualify(ref: TableRef): string {
  return ref.catalog
    ? `${q(ref.catalog)}.${q(ref.schema)}.${q(ref.table)}`
    : `${q(ref.schema)}.${q(ref.table)}`;
}

const strategySql = standardStrategySql(
  { quoteIdent: q, qualify },
  { targetAlias: '"t"', sourceAlias: '"s"', updateAll: "UPDATE SET *", insertAll: "INSERT BY NAME" },
);

export const duckdbDialect: Dialect = {
  name: "duckdb",
  quoteIdent: q,
  qualify,
  defaultCatalog: undefined,
  defaultSchema: "main",
  // Every identifier is quoted, so any branch or schema name is valid as is.
  safeSchemaName: (name) => name,
  foldIdentifier: (id) => id.toLowerCase(), // DuckDB ignores case, quoted or not
  ...strategySql,
  // DuckDB inserts by name when the column list is unknown.
  insertSelect: (target, select, columns) =>
    columns && columns.length > 0
      ? strategySql.insertSelect(target, select, columns)
      : `INSERT INTO ${qualify(target)} BY NAME\n${select}`,
  createSchema: (catalog, schema) =>
    `CREATE SCHEMA IF NOT EXISTS ${catalog ? `${q(catalog)}.${q(schema)}` : q(schema)}`,
  dropSchema: (catalog, schema) =>
    `DROP SCHEMA IF EXISTS ${catalog ? `${q(catalog)}.${q(schema)}` : q(schema)} CASCADE`,
  dropTable: (ref) => `DROP TABLE IF EXISTS ${qualify(ref)}`,
  dropView: (ref) => `DROP VIEW IF EXISTS ${qualify(ref)}`,
  // Within its schema only: DuckDB has no ALTER TABLE … SET SCHEMA (1.5: "Not implemented").
  renameTable: (ref, name, kind = "table") =>
    `ALTER ${kind === "view" ? "VIEW" : "TABLE"} ${qualify(ref)} RENAME TO ${q(name)}`,
  // VARCHAR keeps microseconds; a JS Date would round them away and reload a row.
  maxValueQuery: (target, column) => `SELECT CAST(max(${q(column)}) AS VARCHAR) FROM ${qualify(target)}`,
  watermarkLiteral: (value) => literal(value),
};

/** SQL string literal. */
export function literal(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
