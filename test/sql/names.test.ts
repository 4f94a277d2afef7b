import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { ExprNode } from "../../src/sql/ast.ts";
import { printExpression } from "../../src/sql/names.ts";

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let keywords: Set<string>;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  connection = await instance.connect();
  const rows = await connection.runAndReadAll("SELECT keyword_name FROM duckdb_keywords()");
  keywords = new Set((rows.getColumns()[0] ?? []).map((k) => String(k).toLowerCase()));
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** The expression's AST (compact JSON, as the parser uses) and DuckDB's own printed form. */
async function both(expression: string): Promise<{ node: ExprNode; duckdb: string }> {
  const sql = `SELECT ${expression}`;
  const compact = await connection.runAndReadAll(
    "SELECT json_serialize_sql(?::VARCHAR, skip_null := true, skip_empty := true), json_serialize_sql(?::VARCHAR)",
    [sql, sql],
  );
  const [compactJson, fullJson] = compact.getRows()[0] as [string, string];
  const printed = await connection.runAndReadAll("SELECT json_deserialize_sql(?::JSON)", [fullJson]);
  const node = (JSON.parse(compactJson) as { statements: Array<{ node: { select_list: ExprNode[] } }> })
    .statements[0]?.node.select_list[0] as ExprNode;
  return { node, duckdb: String(printed.getRows()[0]?.[0]).slice("SELECT ".length) };
}

describe("printing unaliased expressions as DuckDB names them", () => {
  const handled = [
    "sum(amount)",
    "count(*)",
    "count(DISTINCT customer_id)",
    "a + 1",
    "a * b - c / 2",
    "-a",
    "a % 2",
    "first_name || ' ' || last_name",
    "sum(t.amount)",
    'sum("Amount")',
    'max("order")',
    'min("user")',
    "lower('It''s')",
    "round(avg(x), 2)",
    "NULL",
    "42",
    "date_part('year', ts)",
    "extract(year FROM ts)",
  ];
  for (const expression of handled) {
    test(`${expression}: printed here, identical to DuckDB`, async () => {
      const { node, duckdb } = await both(expression);
      expect(printExpression(node, keywords)).toBe(duckdb);
    });
  }

  const leftToDuckDb = [
    "CAST(a AS BIGINT)",
    "coalesce(a, b)",
    "CASE WHEN a THEN 1 END",
    "1.5",
    "true",
    "max(a) FILTER (WHERE b)",
    "string_agg(a ORDER BY b)",
    'sum("Select")',
    'sum("my col")',
  ];
  for (const expression of leftToDuckDb) {
    test(`${expression}: left to DuckDB`, async () => {
      const { node } = await both(expression);
      expect(printExpression(node, keywords)).toBeUndefined();
    });
  }
});
