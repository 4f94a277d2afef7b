/**
 * The synthetic medallion project of the compile benchmarks (SPEC §12), in DuckDB SQL or
 * written the way Snowflake, BigQuery or Databricks users write it (SPEC §14): BigQuery
 * with backtick-qualified names and SAFE_CAST everywhere; Snowflake and Databricks with a
 * `payload:customer.tier` path in 20% of the models (half the staging ones), Databricks
 * with backticks too; in each dialect, 1% of the staging models use grammar DuckDB lacks
 * that rocky rewrites itself (Snowflake LATERAL FLATTEN, BigQuery STRUCT(… AS f),
 * Databricks LATERAL VIEW explode), and 0.1% a construct that once only polyglot read
 * (Snowflake SAMPLE, BigQuery SELECT AS STRUCT, Databricks RLIKE; now rewritten lexically too).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type BenchDialect = "duckdb" | "snowflake" | "bigquery" | "databricks";

/**
 * `n` models: 40% staging (one declared source each, two staging models per source),
 * 30% intermediate (a join of two neighbouring staging models), 30% marts (an
 * aggregate over one intermediate model through a CTE, plus a window).
 */
export function generateProject(
  dir: string,
  n: number,
  dialect: BenchDialect = "duckdb",
  opts: { polyglotModels?: boolean } = {},
): { source: string; column: string } {
  const nStg = Math.round(n * 0.4);
  const nInt = Math.round(n * 0.3);
  const nMart = n - nStg - nInt;
  const nSrc = Math.ceil(nStg / 2);
  for (const d of ["staging", "intermediate", "marts"])
    mkdirSync(join(dir, "models", d), { recursive: true });
  const adapter =
    dialect === "duckdb"
      ? 'type = "duckdb"\npath = "bench.duckdb"'
      : dialect === "snowflake"
        ? 'type = "snowflake"\naccount = "bench"\ndatabase = "ANALYTICS"'
        : dialect === "bigquery"
          ? 'type = "bigquery"\nproject = "bench"'
          : 'type = "databricks"\nhost = "bench"';
  const toml = [`[project]\nname = "bench"\n\n[adapter]\n${adapter}\n`];
  const q = (name: string) =>
    dialect === "bigquery"
      ? `\`${name}\``
      : dialect === "databricks"
        ? name
            .split(".")
            .map((p) => `\`${p}\``)
            .join(".")
        : name;
  const cast = dialect === "bigquery" ? "SAFE_CAST(amount AS NUMERIC)" : "CAST(amount AS DECIMAL(12, 2))";
  const path = (i: number) =>
    (dialect === "snowflake" || dialect === "databricks") && i % 2 === 0
      ? `\n  payload:customer.tier${dialect === "snowflake" ? "::string" : ""} AS tier,`
      : "";
  const rare = (i: number) => dialect !== "duckdb" && i % 100 === 1;
  // One staging model in a thousand uses a construct that once needed polyglot.
  const polyglotOnly = (i: number) => dialect !== "duckdb" && opts.polyglotModels !== false && i % 1000 === 3;
  const polyglotColumn = (i: number) =>
    polyglotOnly(i) && dialect === "bigquery" ? "\n  ARRAY(SELECT AS STRUCT id, name) AS info," : "";
  const polyglotFrom = (i: number) => (polyglotOnly(i) && dialect === "snowflake" ? " SAMPLE (10)" : "");
  const polyglotWhere = (i: number) =>
    polyglotOnly(i) && dialect === "databricks" ? " AND name RLIKE '^a'" : "";
  const rareColumn = (i: number) =>
    !rare(i)
      ? ""
      : dialect === "snowflake"
        ? "\n  f.value:sku::string AS sku,"
        : dialect === "bigquery"
          ? "\n  STRUCT(id AS id, name AS name) AS info,"
          : "\n  item,";
  const rareFrom = (i: number) =>
    !rare(i)
      ? ""
      : dialect === "snowflake"
        ? " s, LATERAL FLATTEN(input => s.payload:items) f"
        : dialect === "databricks"
          ? " LATERAL VIEW explode(array(id)) e AS item"
          : "";
  for (let s = 0; s < nSrc; s++) {
    toml.push(
      `[sources.raw.src_${s}]\ncolumns = ["id", "customer_id", "amount", "status", "name", "updated_at", "country"${dialect === "duckdb" ? "" : ', "payload"'}]\n`,
    );
  }
  writeFileSync(join(dir, "rocky.toml"), toml.join("\n"));
  for (let i = 0; i < nStg; i++) {
    writeFileSync(
      join(dir, "models", "staging", `stg_${i}.sql`),
      `SELECT
  id,
  customer_id,
  ${cast} AS amount,
  LOWER(status) AS status,
  TRIM(name) AS name,
  updated_at,${path(i)}${rareColumn(i)}${polyglotColumn(i)}
  CASE WHEN country IN ('US', 'CA') THEN 'na' ELSE 'row' END AS region
FROM ${q(`raw.src_${Math.floor(i / 2)}`)}${rareFrom(i)}${polyglotFrom(i)}
WHERE status <> 'deleted'${polyglotWhere(i)}
`,
    );
  }
  for (let i = 0; i < nInt; i++) {
    const a = i % nStg;
    const b = (i + 1) % nStg;
    writeFileSync(
      join(dir, "models", "intermediate", `int_${i}.sql`),
      `SELECT
  a.id,
  a.customer_id,
  COALESCE(a.amount, b.amount, 0) AS amount,
  CASE WHEN a.status = 'paid' THEN a.amount ELSE 0 END AS paid_amount,
  b.region,
  GREATEST(a.updated_at, b.updated_at) AS updated_at
FROM ${q(`stg_${a}`)} AS a
LEFT JOIN ${q(`stg_${b}`)} AS b ON a.customer_id = b.customer_id
`,
    );
  }
  for (let i = 0; i < nMart; i++) {
    writeFileSync(
      join(dir, "models", "marts", `mart_${i}.sql`),
      `WITH base AS (
  SELECT customer_id, region, amount, paid_amount, updated_at FROM ${q(`int_${i % nInt}`)}
),
agg AS (
  SELECT customer_id, region, SUM(amount) AS total, SUM(paid_amount) AS paid, COUNT(*) AS n_orders,
         MAX(updated_at) AS last_update
  FROM base
  GROUP BY customer_id, region
)
SELECT
  customer_id,
  region,
  total,
  paid,
  n_orders,
  last_update,
  RANK() OVER (PARTITION BY region ORDER BY total DESC) AS rank_in_region,
  total / NULLIF(n_orders, 0) AS avg_order
FROM agg
`,
    );
  }
  return { source: "raw.src_0", column: "amount" };
}
