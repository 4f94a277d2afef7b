import { describe, expect, test } from "bun:test";
import { guessTableRefs } from "../../src/compile/prescan.ts";

describe("parse-ahead guess at a model's tables", () => {
  test("names after FROM and JOIN, CTE names left out, up to three parts", () => {
    const sql = `WITH base AS (SELECT * FROM raw.orders), m AS NOT MATERIALIZED (SELECT 1)
      SELECT * FROM base JOIN "Ref"."X" r ON TRUE JOIN m ON TRUE, LATERAL (SELECT 1) JOIN a.b.c.d`;
    expect(guessTableRefs(sql)).toEqual([
      ["raw", "orders"],
      ["Ref", "X"],
      ["a", "b", "c"],
    ]);
  });

  test("strings and comments never count, in each dialect's rules", () => {
    expect(guessTableRefs("SELECT 'FROM s1' /* a /* FROM c1 */ FROM c2 */ FROM t -- JOIN c3")).toEqual([
      ["t"],
    ]);
    expect(guessTableRefs("SELECT $$ FROM s1 $$, 'it\\'s FROM s2' FROM t", "snowflake")).toEqual([["t"]]);
    expect(
      guessTableRefs("SELECT \"FROM s1\", r'FROM s2', '''FROM s3''' # FROM c1\nFROM `p.d.t`", "bigquery"),
    ).toEqual([["p", "d", "t"]]);
  });
});
