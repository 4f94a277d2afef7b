import { describe, expect, test } from "bun:test";
import { looksLikeQuery, scanTableRefs } from "../../src/sql/textscan.ts";
import { analyze, useParser } from "./helpers.ts";

const parser = useParser();

const spans = (sql: string) =>
  scanTableRefs(sql).map((r) => `${r.parts.join("|")}@${sql.slice(r.start, r.end)}`);

describe("table refs by text scan (statements DuckDB cannot serialise)", () => {
  test("PIVOT statements: the pivoted table, FROM lists and joins, CTE names excluded", () => {
    expect(spans("PIVOT raw.sales ON year USING sum(amount)")).toEqual(["raw|sales@raw.sales"]);
    const sql = `WITH s AS (SELECT * FROM raw.sales JOIN "Ref"."x" r ON true), t(a) AS MATERIALIZED (SELECT 1)
      PIVOT (SELECT * FROM s, other_t o, read_csv('f.csv'), t) ON year USING sum(amount) -- FROM not_a_table
      /* JOIN nor_this */`;
    expect(spans(sql)).toEqual(["raw|sales@raw.sales", 'Ref|x@"Ref"."x"', "other_t@other_t"]);
  });

  test("strings are not names", () => {
    expect(spans("UNPIVOT (SELECT 'FROM fake' AS s FROM real_t) ON a, b INTO NAME k VALUE v")).toEqual([
      "real_t@real_t",
    ]);
  });

  test("queries versus DDL/DML", () => {
    expect(looksLikeQuery("-- c\n PIVOT t ON a")).toBe(true);
    expect(looksLikeQuery("(SELECT 1)")).toBe(true);
    expect(looksLikeQuery("/* x */ create table t (a int)")).toBe(false);
  });

  test("a PIVOT statement model: lineage unavailable (a warning, not an error), dependencies kept", async () => {
    const analysis = await analyze(parser(), "PIVOT raw.sales ON year USING sum(amount)");
    expect(analysis.columns).toBeUndefined();
    expect(analysis.tableRefs).toEqual([{ parts: ["raw", "sales"], start: 6, end: 15 }]);
    expect(analysis.diagnostics.map((d) => [d.severity, d.code])).toEqual([["Warning", "W018"]]);
  });

  test("a column read from a table function says its lineage stops there", async () => {
    const analysis = await analyze(parser(), "SELECT a FROM generate_series(1, 3) g(x), glob('*.csv')");
    expect(analysis.columns?.map((c) => c.name)).toEqual(["a"]);
    expect(analysis.columns?.[0]?.sources).toEqual([]);
    expect(analysis.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W019", "lineage of a stops at glob(…): the columns it outputs are not traced"],
    ]);
  });
});

describe("table refs by text scan, in a dialect's lexical rules", () => {
  const dspans = (sql: string, dialect: "snowflake" | "bigquery" | "databricks") =>
    scanTableRefs(sql, dialect).map((r) => `${r.parts.join("|")}@${sql.slice(r.start, r.end)}`);

  test("BigQuery: backtick names split into parts; \"…\", r'…', '''…''' and \\' are strings", () => {
    const sql =
      "SELECT \"FROM fake1\", r'FROM fake2', '''FROM\nfake3''', 'it\\'s FROM fake4' FROM `p.d.t` JOIN `region-us`.INFORMATION_SCHEMA.JOBS j ON TRUE";
    expect(dspans(sql, "bigquery")).toEqual([
      "p|d|t@`p.d.t`",
      "region-us|INFORMATION_SCHEMA|JOBS@`region-us`.INFORMATION_SCHEMA.JOBS",
    ]);
  });

  test("Databricks: backtick parts kept whole (file paths), STREAM(t) reads t", () => {
    expect(dspans("SELECT * FROM delta.`/mnt/a.b/t` JOIN STREAM(cat.s.t) x ON TRUE", "databricks")).toEqual([
      "delta|/mnt/a.b/t@delta.`/mnt/a.b/t`",
      "cat|s|t@cat.s.t",
    ]);
  });

  test("the lexer's rules: DuckDB comments nest, Snowflake strings take \\', BigQuery # starts a comment", () => {
    expect(spans("PIVOT (SELECT * FROM t /* a /* b */ JOIN fake1 */) ON y USING sum(x)")).toEqual(["t@t"]);
    expect(dspans("SELECT 'it\\'s FROM fake1' FROM t", "snowflake")).toEqual(["t@t"]);
    expect(dspans("SELECT 1 # FROM fake1\nFROM t", "bigquery")).toEqual(["t@t"]);
  });

  test('Snowflake: $$…$$ is a string, "…" a name', () => {
    expect(dspans('SELECT $$ FROM fake $$ FROM "Raw"."Events"', "snowflake")).toEqual([
      'Raw|Events@"Raw"."Events"',
    ]);
  });
});
