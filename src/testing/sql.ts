/**
 * The SQL of a data test: one query per test that returns the failing rows' count and a
 * small sample of them, in the adapter's dialect (identifiers through `quoteIdent`, tables
 * through `qualify`, strings through the dialect's literal). Pure text, no I/O.
 *
 *   WITH rocky_failing AS (<the failing rows>)
 *   SELECT c.rocky_failing_rows, s.*
 *   FROM (SELECT count(*) AS rocky_failing_rows FROM rocky_failing) AS c
 *   LEFT JOIN (SELECT * FROM rocky_failing LIMIT <n>) AS s ON TRUE
 *
 * No failing row: one row, count 0, the sample columns NULL. Otherwise one row per sampled
 * failing row, each carrying the count.
 *
 * What "failing" means per type (NULLs follow dbt): `unique` ignores rows whose key columns
 * are all NULL and returns one row per duplicated key with its `rocky_duplicates`;
 * `accepted_values` and `relationships` ignore NULLs; an `expression` fails where it is
 * FALSE (NULL passes); `row_count_range` returns one row (`row_count`) when out of range.
 */
import type { Dialect, TableRef } from "../adapter/types.ts";
import type { TestDef } from "./definitions.ts";

export const SAMPLE_LIMIT = 5;
/** Name of the count column (the first of the result). */
export const COUNT_COLUMN = "rocky_failing_rows";

/**
 * A string literal in the dialect. The Dialect contract has no plain string literal (only
 * `watermarkLiteral`, which BigQuery turns into a bare number for digits), so the escaping
 * of the built-in warehouses is spelt here; any other dialect gets standard SQL ('' only).
 */
export function stringLiteral(dialect: Dialect, s: string): string {
  switch (dialect.name) {
    case "bigquery":
      return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
    case "databricks":
      return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    case "snowflake":
      return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
    default:
      return `'${s.replaceAll("'", "''")}'`;
  }
}

function literal(dialect: Dialect, v: string | number | boolean): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  return stringLiteral(dialect, v);
}

/** `{{ this }}` in a `sql` test: the table under test. */
const THIS = /\{\{\s*this\s*\}\}/g;

/** The query returning the failing rows of `t` on `target` (`parent`: a relationships test's other table). */
export function failingRowsSql(t: TestDef, dialect: Dialect, target: TableRef, parent?: TableRef): string {
  const q = dialect.quoteIdent;
  const table = dialect.qualify(target);
  const conds = (...c: string[]) => {
    const all = [...(t.where !== undefined ? [`(${t.where})`] : []), ...c];
    return all.length > 0 ? `\nWHERE ${all.join("\n  AND ")}` : "";
  };
  switch (t.type) {
    case "not_null":
      return `SELECT *\nFROM ${table}${conds(`${q(t.column)} IS NULL`)}`;
    case "unique": {
      const cols = t.columns.map(q).join(", ");
      const notAllNull =
        t.columns.length === 1
          ? `${q(t.columns[0]!)} IS NOT NULL`
          : `NOT (${t.columns.map((c) => `${q(c)} IS NULL`).join(" AND ")})`;
      return `SELECT ${cols}, count(*) AS ${q("rocky_duplicates")}\nFROM ${table}${conds(notAllNull)}\nGROUP BY ${cols}\nHAVING count(*) > 1`;
    }
    case "accepted_values": {
      const values = t.values.map((v) => literal(dialect, v)).join(", ");
      return `SELECT *\nFROM ${table}${conds(`${q(t.column)} IS NOT NULL`, `${q(t.column)} NOT IN (${values})`)}`;
    }
    case "relationships": {
      if (!parent) throw new Error("a relationships test needs the table it points to");
      return `SELECT ${q("c")}.*\nFROM ${table} AS ${q("c")}${conds(
        `${q("c")}.${q(t.column)} IS NOT NULL`,
        `NOT EXISTS (\n    SELECT 1 FROM ${dialect.qualify(parent)} AS ${q("p")}\n    WHERE ${q("p")}.${q(t.toColumn)} = ${q("c")}.${q(t.column)}\n  )`,
      )}`;
    }
    case "expression":
      return `SELECT *\nFROM ${table}${conds(`NOT (${t.expression})`)}`;
    case "row_count_range": {
      const out = [
        ...(t.min !== undefined ? [`${q("row_count")} < ${t.min}`] : []),
        ...(t.max !== undefined ? [`${q("row_count")} > ${t.max}`] : []),
      ];
      return `SELECT ${q("row_count")}\nFROM (SELECT count(*) AS ${q("row_count")} FROM ${table}${conds().replace(/\n/g, " ")}) AS ${q("n")}\nWHERE ${out.join(" OR ")}`;
    }
    case "sql": {
      const body = t.sql.replace(/[\s;]+$/u, "").replace(THIS, table);
      return t.where !== undefined ? `SELECT *\nFROM (\n${body}\n) AS ${q("q")}\nWHERE (${t.where})` : body;
    }
  }
}

/** The one query a test runs: failing count first, then a sample of the failing rows. */
export function testQuery(
  t: TestDef,
  dialect: Dialect,
  target: TableRef,
  parent?: TableRef,
  limit = SAMPLE_LIMIT,
): string {
  const failing = failingRowsSql(t, dialect, target, parent)
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
  return [
    "WITH rocky_failing AS (",
    failing,
    ")",
    `SELECT c.${COUNT_COLUMN}, s.*`,
    `FROM (SELECT count(*) AS ${COUNT_COLUMN} FROM rocky_failing) AS c`,
    `LEFT JOIN (SELECT * FROM rocky_failing LIMIT ${limit}) AS s ON TRUE`,
  ].join("\n");
}
