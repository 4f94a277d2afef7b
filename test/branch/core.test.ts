/** The pure parts: schema naming, collisions, duplicate promote targets, column diffs. */
import { describe, expect, test } from "bun:test";
import type { Dialect } from "../../src/adapter/types.ts";
import duckdb from "../../adapters/duckdb/index.ts";
import type { BuiltModel } from "../../src/branch/built.ts";
import { diffColumns, rowDiffCte } from "../../src/branch/compare.ts";
import { branchTarget, findSchemaCollision } from "../../src/branch/names.ts";
import { checkDistinctTargets } from "../../src/branch/promote.ts";
import type { Model } from "../../src/project/types.ts";

const duck = duckdb.dialect;
/** Like BigQuery datasets: letters, digits and '_' only. */
const mapping: Dialect = {
  ...duck,
  name: "mapping",
  safeSchemaName: (s) => s.replace(/[^A-Za-z0-9_]/g, "_"),
};

describe("branch targets", () => {
  test("keep catalog and table, prefix the schema, quote for the dialect", () => {
    const t = branchTarget(
      { catalog: "wh", schema: "sales", table: "orders" },
      "branch__hotfix.2026-04-20",
      duck,
    );
    expect(t).toEqual({ catalog: "wh", schema: "branch__hotfix.2026-04-20__sales", table: "orders" });
    expect(duck.qualify(t)).toBe('"wh"."branch__hotfix.2026-04-20__sales"."orders"');
    expect(branchTarget({ schema: "main", table: "x" }, "branch__fix-price", mapping).schema).toBe(
      "branch__fix_price__main",
    );
  });

  test("collisions are found through the dialect's mapping, naming the other branch", () => {
    const others = [{ name: "fix-price", schema_prefix: "branch__fix-price" }];
    expect(findSchemaCollision("branch__fix_price", others, duck, ["sales"])).toBeUndefined();
    expect(findSchemaCollision("branch__fix_price", others, mapping, ["sales"])).toEqual({
      branch: "fix-price",
      schema: "branch__fix_price",
    });
    // Names that only meet through a model schema: `a__b` + `c` vs `a` + `b__c`.
    expect(
      findSchemaCollision("branch__a__b", [{ name: "a", schema_prefix: "branch__a" }], duck, ["c", "b__c"]),
    ).toEqual({
      branch: "a",
      schema: "branch__a__b__c",
    });
  });
});

describe("promote", () => {
  const built = (name: string, table: string): BuiltModel => ({
    model: { name, target: { table } } as Model,
    production: { schema: "main", table },
    branch: { schema: "branch__b__main", table },
    kind: "table",
  });

  test("two models publishing to one production table are refused before anything runs", () => {
    expect(() => checkDistinctTargets([built("a", "x"), built("b", "y")])).not.toThrow();
    expect(() => checkDistinctTargets([built("a", "x"), built("b", "X")])).toThrow(
      "models 'a' and 'b' both promote to main.X",
    );
  });
});

describe("compare", () => {
  test("column differences: added, removed, retyped; numeric retypes are still compared by value", () => {
    const d = diffColumns(
      [
        { name: "id", type: "INTEGER" },
        { name: "amount", type: "DECIMAL(10,2)" },
        { name: "note", type: "VARCHAR" },
        { name: "flag", type: "BOOLEAN" },
      ],
      [
        { name: "ID", type: "INTEGER" },
        { name: "amount", type: "DOUBLE" },
        { name: "flag", type: "VARCHAR" },
        { name: "extra", type: "DATE" },
      ],
    );
    expect(d.added).toEqual([{ name: "extra", type: "DATE" }]);
    expect(d.removed).toEqual([{ name: "note", type: "VARCHAR" }]);
    expect(d.retyped).toEqual([
      { name: "amount", production_type: "DECIMAL(10,2)", branch_type: "DOUBLE" },
      { name: "flag", production_type: "BOOLEAN", branch_type: "VARCHAR" },
    ]);
    expect(d.shared).toEqual(["id", "amount"]);
    expect([...d.casts]).toEqual([["amount", "DOUBLE"]]);
  });

  test("the row diff is null-safe SQL with every identifier quoted", () => {
    const sql = rowDiffCte(
      duck,
      { schema: "branch__fix-price__s", table: "t" },
      { schema: "s", table: "t" },
      ["a b", "c"],
    );
    expect(sql).toContain('FROM "branch__fix-price__s"."t"');
    expect(sql).toContain('b."a b" IS NOT DISTINCT FROM p."a b"');
  });
});
