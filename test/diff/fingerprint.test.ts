/** Column fingerprints: formatting never changes them; a change in how a value or the rows are computed always does. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fingerprintModel, type ModelPrint } from "../../src/diff/fingerprint.ts";
import type { Statement } from "../../src/sql/ast.ts";
import { createSqlParser } from "../../src/sql/parse.ts";
import type { SqlParser } from "../../src/sql/types.ts";

let parser: SqlParser;
beforeAll(async () => {
  parser = await createSqlParser();
});
afterAll(() => parser.close());

async function print(sql: string, cols: string[]): Promise<ModelPrint> {
  const [p] = await parser.parseMany([sql]);
  if (!p?.ok) throw new Error(`parse failed: ${sql}`);
  return fingerprintModel(p.statements as Statement[], cols)!;
}

async function same(a: string, b: string, cols: string[]): Promise<Record<string, boolean>> {
  const [x, y] = [await print(a, cols), await print(b, cols)];
  const out: Record<string, boolean> = { rows: x.rows === y.rows };
  for (const c of cols) out[c] = x.columns.get(c)?.expr === y.columns.get(c)?.expr;
  return out;
}

describe("fingerprints", () => {
  test("formatting, comments, keyword and identifier case, table aliases: no change", async () => {
    expect(
      await same(
        "SELECT o.id, o.amount * 2 AS dbl FROM raw.orders o WHERE o.amount > 0",
        "select -- ids\n  ID, x.AMOUNT*2 as dbl /* doubled */\nfrom RAW.ORDERS as x\nwhere x.amount>0",
        ["id", "dbl"],
      ),
    ).toEqual({ rows: true, id: true, dbl: true });
  });

  test("a change inside a CTE reaches only the columns computed from it", async () => {
    const base = "WITH c AS (SELECT id, a * 2 AS x, b FROM t) SELECT id, x, b FROM c";
    expect(
      await same(base, "WITH c AS (SELECT id, a * 3 AS x, b FROM t) SELECT id, x, b FROM c", [
        "id",
        "x",
        "b",
      ]),
    ).toEqual({
      rows: true,
      id: true,
      x: false,
      b: true,
    });
    // The same maths moved out of the CTE is the same column.
    expect(
      await same(base, "WITH c AS (SELECT id, a, b FROM t) SELECT id, a * 2 AS x, b FROM c", [
        "id",
        "x",
        "b",
      ]),
    ).toEqual({
      rows: true,
      id: true,
      x: true,
      b: true,
    });
  });

  test("a FROM-subquery's filter and a CTE's filter are row changes of the outer model", async () => {
    expect(
      await same(
        "SELECT id FROM (SELECT id FROM t WHERE ok) s",
        "SELECT id FROM (SELECT id FROM t WHERE NOT ok) s",
        ["id"],
      ),
    ).toEqual({ rows: false, id: true });
    expect(
      await same(
        "WITH c AS (SELECT id FROM t) SELECT id FROM c",
        "WITH c AS (SELECT id FROM t LIMIT 10) SELECT id FROM c",
        ["id"],
      ),
    ).toEqual({ rows: false, id: true });
  });

  test("UNION branches are positional; a change in one branch changes the column", async () => {
    expect(
      await same(
        "SELECT a AS k, b AS v FROM t UNION ALL SELECT c, d FROM u",
        "SELECT a AS k, b AS v FROM t UNION ALL SELECT c, d + 1 FROM u",
        ["k", "v"],
      ),
    ).toEqual({ rows: true, k: true, v: false });
    expect(
      (
        await same("SELECT a FROM t UNION ALL SELECT b FROM u", "SELECT a FROM t UNION SELECT b FROM u", [
          "a",
        ])
      ).rows,
    ).toBe(false);
  });

  test("joins: the condition and the join type are row changes; window PARTITION BY is part of the column", async () => {
    expect(
      await same("SELECT t.a FROM t JOIN u ON t.id = u.id", "SELECT t.a FROM t LEFT JOIN u ON t.id = u.id", [
        "a",
      ]),
    ).toEqual({ rows: false, a: true });
    expect(
      await same(
        "SELECT sum(x) OVER (PARTITION BY g) AS s FROM t",
        "SELECT sum(x) OVER (PARTITION BY h) AS s FROM t",
        ["s"],
      ),
    ).toEqual({ rows: true, s: false });
  });

  test("a CAST gives the column a type", async () => {
    const p = await print("SELECT CAST(a AS DECIMAL(12,2)) AS a, b::VARCHAR AS b, c FROM t", ["a", "b", "c"]);
    expect([p.columns.get("a")?.type, p.columns.get("b")?.type, p.columns.get("c")?.type]).toEqual([
      "DECIMAL(12,2)",
      "VARCHAR",
      undefined,
    ]);
  });

  test("SELECT * over a CTE expands to the CTE's columns", async () => {
    expect(
      await same(
        "WITH c AS (SELECT a, b + 1 AS b FROM t) SELECT * FROM c",
        "WITH c AS (SELECT a, b + 2 AS b FROM t) SELECT * FROM c",
        ["a", "b"],
      ),
    ).toEqual({ rows: true, a: true, b: false });
  });
});

describe("token-level normal form", () => {
  test("comments, whitespace and case outside quotes disappear; literals and quoted names stay", async () => {
    const { normaliseSql } = await import("../../src/diff/tokens.ts");
    expect(normaliseSql("SELECT a ,b  FROM  t -- x\n WHERE x = 'A  b' /* c */")).toBe(
      normaliseSql("select a, b from t where x='A  b'"),
    );
    expect(normaliseSql("select 'A' from t")).not.toBe(normaliseSql("select 'a' from t"));
    expect(normaliseSql('select "A" from t')).not.toBe(normaliseSql('select "a" from t'));
    expect(normaliseSql("select a from t where x = 1")).not.toBe(normaliseSql("select a from t where x = 2"));
    // The dialect's lexical rules: a nested comment, a backslash-escaped quote.
    expect(normaliseSql("select 1 /* a /* b */ c */ from t")).toBe(normaliseSql("select 1 from t"));
    expect(normaliseSql("select 'it\\'s -- x' from t", "snowflake")).not.toBe(
      normaliseSql("select 'it\\'s", "snowflake"),
    );
    expect(normaliseSql("select a.b, x<=1 from t")).toBe(normaliseSql("SELECT a . b , x <= 1 FROM t"));
  });
});
