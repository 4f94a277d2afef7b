import { describe, expect, test } from "bun:test";
import { lintPortability, suggestRewrite } from "../../src/compile/dialect-lint.ts";

const brief = (
  sql: string,
  source: Parameters<typeof lintPortability>[1],
  targets?: Parameters<typeof lintPortability>[2],
) =>
  lintPortability(sql, source, targets).map(
    (f) => `${f.code} ${f.target} ${f.line}:${f.column} ${f.construct}`,
  );

describe("portability lint", () => {
  test("DuckDB constructs that fail on BigQuery, with positions", () => {
    const sql = "SELECT amount::INT AS a,\n  name ILIKE '%x%' AS b,\n  * EXCLUDE (c)\nFROM raw.orders";
    expect(brief(sql, "duckdb", ["bigquery"])).toEqual([
      "P001 bigquery 1:14 ::",
      "P002 bigquery 2:8 ILIKE",
      "P006 bigquery 3:3 * EXCLUDE (",
    ]);
    const [first] = lintPortability(sql, "duckdb", ["bigquery"]);
    expect(first?.message).toBe("`::` cast does not run on bigquery");
    expect(first?.hint).toBe("use CAST(x AS type)");
  });

  test("strings, comments and quoted names never match", () => {
    const sql = `SELECT 'a::b ILIKE' AS "x::y", -- IFF(
  /* NVL( */ 1 AS n FROM t`;
    expect(brief(sql, "duckdb", ["bigquery", "snowflake"]).filter((f) => !f.startsWith("P020"))).toEqual([]);
  });

  test("quoting rules differ by dialect", () => {
    expect(brief('SELECT "Order" FROM t', "duckdb", ["snowflake", "bigquery", "databricks"])).toEqual([
      'P020 bigquery 1:8 "Order"',
      'P020 databricks 1:8 "Order"',
    ]);
    expect(brief("SELECT `Order` FROM `p.d.t`", "bigquery", ["databricks", "duckdb"])).toEqual([
      "P021 duckdb 1:8 `Order`",
      "P021 duckdb 1:21 `p.d.t`",
    ]);
    // BigQuery's backslash escape does not end the string early.
    expect(brief("SELECT 'it\\'s::' FROM t", "bigquery", ["duckdb"])).toEqual([]);
    // Nor Snowflake's; its $$…$$ is a string too. DuckDB comments nest.
    expect(brief("SELECT 'it\\'s::', $$a::b$$ FROM t", "snowflake", ["bigquery"])).toEqual([]);
    expect(brief("SELECT 1 /* a /* b */ x::INT */ FROM t", "duckdb", ["bigquery"])).toEqual([]);
    // The whole quoted name, doubled quotes included.
    expect(brief('SELECT "a""b" FROM t', "duckdb", ["bigquery"])).toEqual(['P020 bigquery 1:8 "a""b"']);
  });

  test("Snowflake and BigQuery idioms", () => {
    expect(
      brief(
        "SELECT IFF(a, 1, 2), NVL(b, 0), DATEADD(day, 1, d) FROM t, LATERAL FLATTEN(input => x)",
        "snowflake",
        ["bigquery"],
      ),
    ).toEqual([
      "P003 bigquery 1:8 IFF(",
      "P010 bigquery 1:22 NVL(",
      "P009 bigquery 1:33 DATEADD(",
      "P011 bigquery 1:68 FLATTEN(",
    ]);
    expect(brief("SELECT SAFE_CAST(x AS INT64) FROM UNNEST(arr) AS x", "bigquery", ["snowflake"])).toEqual([
      "P004 snowflake 1:8 SAFE_CAST(",
      "P012 snowflake 1:35 UNNEST(",
    ]);
  });

  test("portable SQL has no findings, and the source dialect is never a target", () => {
    expect(
      lintPortability(
        "SELECT CAST(a AS INT) AS a, COALESCE(b, 0) AS b FROM t WHERE c LIKE 'x%' LIMIT 10",
        "duckdb",
      ),
    ).toEqual([]);
    expect(brief("SELECT a::INT FROM t", "duckdb", ["duckdb"])).toEqual([]);
  });

  // Loading the SDK's WASM takes seconds on a busy machine.
  test("a transpiled rewrite is offered as a suggestion", async () => {
    expect(await suggestRewrite("SELECT a::INT AS x FROM t", "duckdb", "bigquery")).toBe(
      "SELECT CAST(a AS INT64) AS x FROM t",
    );
  }, 60_000);
});
