import { describe, expect, test } from "bun:test";
import { endpoint } from "../../adapters/databricks/config.ts";
import { DatabricksDialect } from "../../adapters/databricks/dialect.ts";
import plugin from "../../adapters/databricks/index.ts";
import type { TableRef } from "../../src/adapter/types.ts";

const d = new DatabricksDialect({ catalog: "main" });
const target: TableRef = { catalog: "main", schema: "marts", table: "orders" };
const T = "`main`.`marts`.`orders`";

describe("databricks dialect: names", () => {
  test("backticks, doubled inside; no case folding (Unity Catalog is case-insensitive)", () => {
    expect(d.quoteIdent("Order")).toBe("`Order`");
    expect(d.quoteIdent("fix-price")).toBe("`fix-price`");
    expect(d.quoteIdent("a`b")).toBe("`a``b`");
  });
  test("qualify: three parts with a catalog, two without", () => {
    expect(d.qualify(target)).toBe(T);
    expect(d.qualify({ schema: "default", table: "x" })).toBe("`default`.`x`");
  });
  test("defaults: catalog from config, schema `default`", () => {
    expect(d.defaultCatalog).toBe("main");
    expect(d.defaultSchema).toBe("default");
    expect(plugin.dialect.defaultCatalog).toBeUndefined();
  });
  test("branch schemas: lower case, characters other than [a-z0-9_] become _", () => {
    expect(d.safeSchemaName("branch__Fix-Price__marts")).toBe("branch__fix_price__marts");
    expect(d.safeSchemaName("branch__v1.2__s")).toBe("branch__v1_2__s");
  });
  test("host forms: bare, https with port, loopback http; plain http elsewhere refused", () => {
    expect(endpoint({ host: "adb-1.2.azuredatabricks.net", http_path: "sql/1.0/warehouses/x" })).toEqual({
      host: "adb-1.2.azuredatabricks.net",
      port: 443,
      path: "/sql/1.0/warehouses/x",
      https: true,
    });
    expect(endpoint({ host: "https://h.cloud.databricks.com:8443", http_path: "/p" }).port).toBe(8443);
    expect(endpoint({ host: "http://127.0.0.1:9999", http_path: "/p" })).toEqual({
      host: "127.0.0.1",
      port: 9999,
      path: "/p",
      https: false,
    });
    expect(() => endpoint({ host: "http://example.com", http_path: "/p" })).toThrow(/https/);
  });
});

describe("databricks dialect: DDL and metadata", () => {
  test("schemas, drops, SHALLOW CLONE, xxhash64 fingerprint, metadata statements", () => {
    expect(d.createSchema("main", "branch__x__marts")).toBe(
      "CREATE SCHEMA IF NOT EXISTS `main`.`branch__x__marts`",
    );
    expect(d.dropSchema(undefined, "s")).toBe("DROP SCHEMA IF EXISTS `s` CASCADE");
    expect(d.dropTable(target)).toBe(`DROP TABLE IF EXISTS ${T}`);
    expect(d.dropView(target)).toBe(`DROP VIEW IF EXISTS ${T}`);
    expect(d.cloneTable(target, { ...target, schema: "branch__x__marts" })).toBe(
      `CREATE OR REPLACE TABLE \`main\`.\`branch__x__marts\`.\`orders\` SHALLOW CLONE ${T}`,
    );
    expect(d.fingerprintSql(target)).toBe(
      "SELECT COUNT(*) AS row_count, COALESCE(SUM(CAST(xxhash64(*) AS DECIMAL(38,0))), 0) AS hash_sum, " +
        `COALESCE(BIT_XOR(xxhash64(*)), 0) AS hash_xor FROM ${T}`,
    );
    expect(d.maxValueQuery(target, "updated_at")).toBe(
      `SELECT CAST(MAX(\`updated_at\`) AS STRING) FROM ${T}`,
    );
    // Spark joins adjacent literals ('a''b' is "ab"), so a quote is escaped with a backslash.
    expect(d.watermarkLiteral("it's \\")).toBe("'it\\'s \\\\'");
    expect(d.describeSql(target)).toBe(`DESCRIBE TABLE ${T}`);
    expect(d.listTablesSql("main", "marts")).toBe("SHOW TABLES IN `main`.`marts`");
  });
});
