import { describe, expect, test } from "bun:test";
import plugin from "../../adapters/snowflake/index.ts";
import { denormalizeIdent, normalizeIdent, SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { TableRef } from "../../src/adapter/types.ts";

const d = new SnowflakeDialect({ database: "ANALYTICS" });
const target: TableRef = { catalog: "analytics", schema: "marts", table: "orders" };
const T = `"ANALYTICS"."MARTS"."ORDERS"`;

describe("snowflake dialect: names", () => {
  test("all-lower-case plain identifiers are written upper case, as Snowflake stores them unquoted", () => {
    expect(d.quoteIdent("orders")).toBe(`"ORDERS"`);
    expect(d.quoteIdent("order")).toBe(`"ORDER"`);
    expect(d.quoteIdent("_x$1")).toBe(`"_X$1"`);
    expect(d.normalizeIdent("stg_orders")).toBe("STG_ORDERS");
  });
  test("any other name is kept exactly (case-sensitive); embedded quotes are doubled", () => {
    expect(d.quoteIdent("Order")).toBe(`"Order"`);
    expect(d.quoteIdent("ORDERS")).toBe(`"ORDERS"`);
    expect(d.quoteIdent("fix-price")).toBe(`"fix-price"`);
    expect(d.quoteIdent("Mixed Case")).toBe(`"Mixed Case"`);
    expect(d.quoteIdent('a"b')).toBe(`"a""b"`);
    expect(d.quoteIdent("1st")).toBe(`"1st"`);
  });
  test("names read back round-trip to what rocky wrote", () => {
    for (const name of ["id", "name", "Order", "fix-price", "stg_orders", "Mixed Case", "_x$1"]) {
      expect(denormalizeIdent(normalizeIdent(name))).toBe(name);
    }
    // An upper-case object created outside rocky reads as its lower-case spelling, which writes back to it.
    expect(denormalizeIdent("RAW_ORDERS")).toBe("raw_orders");
    expect(normalizeIdent(denormalizeIdent("RAW_ORDERS"))).toBe("RAW_ORDERS");
  });
  test("qualify: three parts with a database, two without", () => {
    expect(d.qualify(target)).toBe(T);
    expect(d.qualify({ schema: "public", table: "fix-price" })).toBe(`"PUBLIC"."fix-price"`);
    expect(d.qualify({ catalog: "ANALYTICS", schema: "Marts", table: "Order" })).toBe(
      `"ANALYTICS"."Marts"."Order"`,
    );
  });
  test("defaults: database from config, schema PUBLIC; plugin dialect has no database", () => {
    expect(d.defaultCatalog).toBe("ANALYTICS");
    expect(d.defaultSchema).toBe("PUBLIC");
    expect(plugin.dialect.defaultCatalog).toBeUndefined();
  });
  test("branch schemas are usable unquoted: upper case, other characters to _", () => {
    expect(d.safeSchemaName("branch__fix-price__marts")).toBe("BRANCH__FIX_PRICE__MARTS");
    expect(d.safeSchemaName("branch__v1.2__s")).toBe("BRANCH__V1_2__S");
    expect(d.safeSchemaName("9lives")).toBe("_9LIVES");
    // Two names that only differ in - vs _ collide, which the branch code refuses.
    expect(d.safeSchemaName("a-b")).toBe(d.safeSchemaName("a_b"));
  });
});
