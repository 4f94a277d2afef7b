/** Golden SQL of the BigQuery dialect: every strategy, names, schema naming, clone, fingerprint. */
import { describe, expect, test } from "bun:test";
import { adapter as plugin } from "../../adapters/bigquery/index.ts";
import {
  BigQueryDialect,
  fingerprintSql,
  quoteString,
  safeSchemaName,
} from "../../adapters/bigquery/dialect.ts";

const d = new BigQueryDialect({ project: "acme-prod", dataset: "analytics", location: "EU" });
const target = { schema: "marts", table: "fct_orders" };
const T = "`acme-prod`.`marts`.`fct_orders`";

describe("bigquery dialect: names", () => {
  test("backtick-quotes each part of project.dataset.table", () => {
    expect(d.qualify(target)).toBe(T);
    expect(d.qualify({ catalog: "other-proj", schema: "s", table: "Order" })).toBe(
      "`other-proj`.`s`.`Order`",
    );
    // No project configured (the plugin's dialect before connecting): dataset.table.
    expect(plugin.dialect.qualify(target)).toBe("`marts`.`fct_orders`");
    expect(plugin.dialect.defaultSchema).toBe("rocky");
  });

  test("escapes backticks and backslashes inside identifiers", () => {
    expect(d.quoteIdent("we`ird\\name")).toBe("`we\\`ird\\\\name`");
    expect(d.quoteIdent("fix-price")).toBe("`fix-price`");
  });

  test("dataset names keep only letters, digits and underscores", () => {
    expect(safeSchemaName("branch__fix-price")).toBe("branch__fix_price");
    expect(d.safeSchemaName("hotfix.2026-04-20")).toBe("hotfix_2026_04_20");
    expect(d.safeSchemaName("Already_OK_1")).toBe("Already_OK_1");
    expect(() => d.safeSchemaName("")).toThrow("cannot be empty");
  });

  test("string literals escape quotes, backslashes and newlines", () => {
    expect(quoteString("it's a\\b\nc")).toBe("'it\\'s a\\\\b\\nc'");
  });
});

describe("bigquery dialect: DDL, clone, fingerprint, watermarks", () => {
  test("schema DDL carries the location", () => {
    expect(d.createSchema(undefined, "branch__fix_price")).toBe(
      "CREATE SCHEMA IF NOT EXISTS `acme-prod`.`branch__fix_price` OPTIONS (location = 'EU')",
    );
    expect(d.dropSchema("p", "s")).toBe("DROP SCHEMA IF EXISTS `p`.`s` CASCADE");
    expect(d.dropTable(target)).toBe(`DROP TABLE IF EXISTS ${T}`);
    expect(d.dropView(target)).toBe(`DROP VIEW IF EXISTS ${T}`);
  });

  test("table clone", () => {
    expect(d.cloneTable(target, { schema: "branch__x", table: "fct_orders" })).toBe(
      `CREATE OR REPLACE TABLE \`acme-prod\`.\`branch__x\`.\`fct_orders\` CLONE ${T}`,
    );
  });

  test("fingerprint hashes grouped rows so duplicates count", () => {
    const sql = fingerprintSql(T);
    expect(sql).toContain("BIT_XOR(FARM_FINGERPRINT(CONCAT(_rocky_j, '#', CAST(_rocky_n AS STRING))))");
    expect(sql).toContain(
      `SELECT TO_JSON_STRING(_rocky_t) AS _rocky_j, COUNT(*) AS _rocky_n\n  FROM ${T} AS _rocky_t\n  GROUP BY _rocky_j`,
    );
  });

  test("watermarks: numbers stay bare, everything else is a string literal", () => {
    expect(d.watermarkLiteral("42")).toBe("42");
    expect(d.watermarkLiteral("-1.5")).toBe("-1.5");
    expect(d.watermarkLiteral("2026-04-20 10:00:00.123456+00")).toBe("'2026-04-20 10:00:00.123456+00'");
    expect(d.maxValueQuery(target, "updated_at")).toBe(
      `SELECT CAST(MAX(\`updated_at\`) AS STRING) FROM ${T}`,
    );
  });
});
