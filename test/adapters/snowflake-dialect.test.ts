import { describe, expect, test } from "bun:test";
import plugin from "../../adapters/snowflake/index.ts";
import { denormalizeIdent, normalizeIdent, SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import type { MaterializeContext, TableRef } from "../../src/adapter/types.ts";

const d = new SnowflakeDialect({ database: "ANALYTICS" });
const target: TableRef = { catalog: "analytics", schema: "marts", table: "orders" };
const T = `"ANALYTICS"."MARTS"."ORDERS"`;
const select = "SELECT id, amount, updated_at FROM raw.orders";
const exists: MaterializeContext = { targetExists: true, fullRefresh: false };
const fresh: MaterializeContext = { targetExists: false, fullRefresh: false };

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

describe("snowflake dialect: strategies (golden SQL)", () => {
  test("full_refresh", () => {
    expect(d.materialize(target, select, { type: "full_refresh" }, fresh)).toEqual([
      `CREATE OR REPLACE TABLE ${T} AS\n${select}`,
    ]);
  });
  test("view", () => {
    expect(d.materialize(target, select, { type: "view" }, exists)).toEqual([
      `CREATE OR REPLACE VIEW ${T} AS\n${select}`,
    ]);
  });
  test("a strategy change drops the object of the other kind first", () => {
    expect(d.materialize(target, select, { type: "view" }, { ...exists, existingKind: "table" })).toEqual([
      `DROP TABLE IF EXISTS ${T}`,
      `CREATE OR REPLACE VIEW ${T} AS\n${select}`,
    ]);
    expect(
      d.materialize(
        target,
        select,
        { type: "incremental", timestamp_column: "updated_at" },
        { ...exists, existingKind: "view" },
      ),
    ).toEqual([`DROP VIEW IF EXISTS ${T}`, `CREATE OR REPLACE TABLE ${T} AS\n${select}`]);
  });
  test("incremental: first run and --full-refresh build the table", () => {
    const s = { type: "incremental", timestamp_column: "updated_at" } as const;
    expect(d.materialize(target, select, s, fresh)).toEqual([`CREATE OR REPLACE TABLE ${T} AS\n${select}`]);
    expect(d.materialize(target, select, s, { ...exists, fullRefresh: true })).toEqual([
      `CREATE OR REPLACE TABLE ${T} AS\n${select}`,
    ]);
  });
  test("incremental with a stored watermark", () => {
    const wm = d.watermarkLiteral("2026-01-02 03:04:05.123456789");
    expect(
      d.materialize(
        target,
        select,
        { type: "incremental", timestamp_column: "updated_at" },
        { ...exists, watermark: wm },
      ),
    ).toEqual([
      `INSERT INTO ${T}\nSELECT * FROM (\n${select}\n) AS _rocky_src\nWHERE "UPDATED_AT" > '2026-01-02 03:04:05.123456789'`,
    ]);
  });
  test("incremental without a stored watermark falls back to the target's maximum", () => {
    expect(
      d.materialize(target, select, { type: "incremental", timestamp_column: "updated_at" }, exists),
    ).toEqual([
      `INSERT INTO ${T}\nSELECT * FROM (\n${select}\n) AS _rocky_src\n` +
        `WHERE "UPDATED_AT" > (SELECT MAX("UPDATED_AT") FROM ${T}) OR (SELECT MAX("UPDATED_AT") FROM ${T}) IS NULL`,
    ]);
  });
  test("merge with known columns spells out UPDATE SET and INSERT (no SET * in Snowflake)", () => {
    expect(
      d.materialize(
        target,
        select,
        { type: "merge", unique_key: ["id"] },
        { ...exists, columns: ["id", "amount", "updated_at"] },
      ),
    ).toEqual([
      `MERGE INTO ${T} AS t\nUSING (\n${select}\n) AS s\nON t."ID" = s."ID"\n` +
        `WHEN MATCHED THEN UPDATE SET "AMOUNT" = s."AMOUNT", "UPDATED_AT" = s."UPDATED_AT"\n` +
        `WHEN NOT MATCHED THEN INSERT ("ID", "AMOUNT", "UPDATED_AT") VALUES (s."ID", s."AMOUNT", s."UPDATED_AT")`,
    ]);
  });
  test("merge: composite key, explicit update_columns, unknown columns use ALL BY NAME", () => {
    expect(
      d.materialize(
        target,
        select,
        { type: "merge", unique_key: ["id", "region"], update_columns: ["amount"] },
        exists,
      ),
    ).toEqual([
      `MERGE INTO ${T} AS t\nUSING (\n${select}\n) AS s\nON t."ID" = s."ID" AND t."REGION" = s."REGION"\n` +
        `WHEN MATCHED THEN UPDATE SET "AMOUNT" = s."AMOUNT"\nWHEN NOT MATCHED THEN INSERT ALL BY NAME`,
    ]);
    expect(() => d.materialize(target, select, { type: "merge", unique_key: [] }, exists)).toThrow(
      /unique_key/,
    );
  });
  test("delete_insert: NULL-safe delete of the incoming partitions, then insert", () => {
    expect(
      d.materialize(target, select, { type: "delete_insert", partition_by: ["order_day"] }, exists),
    ).toEqual([
      `DELETE FROM ${T}\nWHERE EXISTS (\n  SELECT 1 FROM (\n${select}\n) AS _rocky_incoming\n` +
        `  WHERE _rocky_incoming."ORDER_DAY" IS NOT DISTINCT FROM ${T}."ORDER_DAY"\n)`,
      `INSERT INTO ${T}\n${select}`,
    ]);
  });
  test("schemas, drops, clone, fingerprint, watermark query", () => {
    expect(d.createSchema("analytics", "branch__x")).toBe(
      `CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."BRANCH__X"`,
    );
    expect(d.dropSchema(undefined, "fix-price")).toBe(`DROP SCHEMA IF EXISTS "fix-price" CASCADE`);
    expect(d.dropTable(target)).toBe(`DROP TABLE IF EXISTS ${T}`);
    expect(d.dropView(target)).toBe(`DROP VIEW IF EXISTS ${T}`);
    expect(d.cloneTable(target, { ...target, schema: "BRANCH__X__MARTS" })).toBe(
      `CREATE OR REPLACE TABLE "ANALYTICS"."BRANCH__X__MARTS"."ORDERS" CLONE ${T}`,
    );
    expect(d.fingerprintSql(target)).toBe(
      `SELECT COUNT(*) AS ROW_COUNT, HASH_AGG(*) AS CONTENT_HASH FROM ${T}`,
    );
    expect(d.maxValueQuery(target, "updated_at")).toBe(`SELECT TO_VARCHAR(MAX("UPDATED_AT")) FROM ${T}`);
    expect(d.watermarkLiteral("it's \\ here")).toBe(`'it''s \\\\ here'`);
  });
  test("metadata queries match names the way Snowflake stores them", () => {
    expect(d.describeSql({ catalog: "db", schema: "s", table: "fix-price" })).toContain(
      `FROM "DB".INFORMATION_SCHEMA.COLUMNS\nWHERE table_schema = 'S' AND table_name = 'fix-price'`,
    );
    expect(d.listTablesSql(undefined, "marts")).toBe(
      "SELECT table_name FROM INFORMATION_SCHEMA.TABLES\nWHERE table_schema = 'MARTS'\nORDER BY table_name",
    );
  });
});
