/**
 * FROM and select-list forms whose output columns DuckDB builds itself: file readers,
 * PIVOT / UNPIVOT with a static IN list, unnest of written-out structs. Each case's
 * column names are checked against what real DuckDB builds for the same SQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { analyze, codes, lineage, type Schemas, useParser } from "./helpers.ts";

const parser = useParser();

const SALES: Schemas = { sales: ["region", "year", "q", "amount", "units", "y2023", "y2024"] };
const T: Schemas = { t: ["id", "l"] };

let duck: DuckDBConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(":memory:")).connect();
  await duck.run(
    "CREATE TABLE sales(region VARCHAR, year INT, q VARCHAR, amount INT, units INT, y2023 INT, y2024 INT)",
  );
  await duck.run("CREATE TABLE t(id INT, l INT[][])");
});
afterAll(() => duck.closeSync());

async function duckdbColumns(sql: string): Promise<string[]> {
  return (await duck.runAndReadAll(sql)).columnNames();
}

/** Lineage, with the column names first checked against DuckDB's. */
async function checked(sql: string, schemas: Schemas): Promise<string[]> {
  const analysis = await analyze(parser(), sql, schemas);
  expect(analysis.columns?.map((c) => c.name)).toEqual(await duckdbColumns(sql));
  return lineage(parser(), sql, schemas);
}

describe("file readers are sources named by their path, as FROM 'path' is", () => {
  test("read_csv / read_parquet columns trace to the file; a WHERE on them is indirect", async () => {
    expect(
      await lineage(parser(), "SELECT a, f.b FROM read_csv('data/x.csv', header := true) AS f WHERE c > 1"),
    ).toEqual(["a <- data/x.csv.a [direct]", "b <- data/x.csv.b [direct]"]);
    const analysis = await analyze(parser(), "SELECT a FROM read_parquet(['data/x.parquet']) WHERE c > 1");
    expect(analysis.columns?.[0]?.sources).toEqual([{ table: ["data/x.parquet"], column: "a" }]);
    expect(analysis.indirect).toEqual([
      { table: ["data/x.parquet"], column: "c", via: "where", outputs: ["a"] },
    ]);
    expect(codes(analysis)).toEqual([]);
    // The same as the quoted-path form.
    expect(await lineage(parser(), "SELECT a FROM 'data/x.csv'")).toEqual(["a <- data/x.csv.a [direct]"]);
  });

  test("* over a file reader is expanded when its columns are declared for the path", async () => {
    expect(
      await lineage(parser(), "SELECT * FROM read_csv('data/x.csv')", { "data/x.csv": ["a", "b"] }),
    ).toEqual(["a <- data/x.csv.a [direct]", "b <- data/x.csv.b [direct]"]);
  });
});

describe("PIVOT / UNPIVOT with a static IN list", () => {
  test("PIVOT … GROUP BY: the group columns, then one column per IN value; the FOR column picks the cell", async () => {
    const sql = "SELECT * FROM sales PIVOT (sum(amount) FOR year IN (2023, 2024) GROUP BY region)";
    expect(await checked(sql, SALES)).toEqual([
      "region <- sales.region [direct]",
      "2023 <- sales.amount, sales.year [aggregation: sum]",
      "2024 <- sales.amount, sales.year [aggregation: sum]",
    ]);
    expect((await analyze(parser(), sql, SALES)).indirect).toEqual([
      { table: ["sales"], column: "region", via: "group_by", outputs: ["region", "2023", "2024"] },
    ]);
  });

  test("PIVOT without GROUP BY groups by the other columns; aliased aggregates and IN values name the cells", async () => {
    const sql =
      "SELECT * FROM sales PIVOT (sum(amount) AS total, max(units) AS mu FOR year IN (2023 AS a, 2024))";
    expect(await checked(sql, SALES)).toEqual([
      "region <- sales.region [direct]",
      "q <- sales.q [direct]",
      "y2023 <- sales.y2023 [direct]",
      "y2024 <- sales.y2024 [direct]",
      "a_total <- sales.amount, sales.year [aggregation: sum]",
      "a_mu <- sales.units, sales.year [aggregation: max]",
      "2024_total <- sales.amount, sales.year [aggregation: sum]",
      "2024_mu <- sales.units, sales.year [aggregation: max]",
    ]);
  });

  test("two FOR columns: one cell per pair of values", async () => {
    const sql =
      "SELECT * FROM sales PIVOT (sum(amount) FOR year IN (2023, 2024) q IN ('Q1', 'Q2') GROUP BY region)";
    expect((await checked(sql, SALES)).map((c) => c.split(" <- ")[0])).toEqual([
      "region",
      "2023_Q1",
      "2023_Q2",
      "2024_Q1",
      "2024_Q2",
    ]);
  });

  test("PIVOT over a filtered subquery, renamed: the subquery's WHERE affects every column", async () => {
    const sql = `SELECT r, y FROM (SELECT region, year, amount FROM sales WHERE q = 'Q1')
      PIVOT (sum(amount) FOR year IN (2023)) AS p(r, y)`;
    expect(await checked(sql, SALES)).toEqual([
      "r <- sales.region [direct]",
      "y <- sales.amount, sales.year [aggregation: sum]",
    ]);
    expect(
      (await analyze(parser(), sql, SALES)).indirect?.map((r) => `${r.column} ${r.via} ${r.outputs}`),
    ).toEqual(["q where r,y", "region group_by r,y"]);
  });

  test("UNPIVOT: the other columns, the name column (no source), the value column from every IN column", async () => {
    const sql = "SELECT * FROM sales UNPIVOT (amt FOR yr IN (y2023 AS a, y2024))";
    expect(await checked(sql, SALES)).toEqual([
      "region <- sales.region [direct]",
      "year <- sales.year [direct]",
      "q <- sales.q [direct]",
      "amount <- sales.amount [direct]",
      "units <- sales.units [direct]",
      "yr <- () [expression]",
      "amt <- sales.y2023, sales.y2024 [direct]",
    ]);
  });

  test("a PIVOT over a table whose columns are unknown stays unavailable (W010)", async () => {
    const analysis = await analyze(parser(), "SELECT * FROM sales PIVOT (sum(amount) FOR year IN (2023))");
    expect(analysis.columns).toBeUndefined();
    expect(codes(analysis)).toEqual(["W010"]);
  });
});

describe("unnest of written-out structs: one column per field, as DuckDB builds them", () => {
  test("unnest(struct) and unnest(list of structs, recursive := true)", async () => {
    expect(await checked("SELECT id, unnest({'k': id, 'v': 2}) FROM t", T)).toEqual([
      "id <- t.id [direct]",
      "k <- t.id [expression]",
      "v <- () [expression]",
    ]);
    expect(
      await checked("SELECT unnest([{'k': id, 'v': 2}, {'k': 3, 'v': id + 1}], recursive := true) FROM t", T),
    ).toEqual(["k <- t.id [expression]", "v <- t.id [expression]"]);
  });

  test("unnest(list, recursive := true) of a list of lists is one column, named as DuckDB names it", async () => {
    expect(await checked("SELECT unnest(l, recursive := true) FROM t", T)).toEqual([
      `unnest(l, "recursive" := CAST('t' AS BOOLEAN)) <- t.l [expression]`,
    ]);
  });
});
