/**
 * Replay rewrites recorded statements by the offsets of whole table names found by the SQL
 * lexer: names in strings and comments, and table-qualified column names, stay as recorded.
 */
import { describe, expect, test } from "bun:test";
import { namesTable, rewriteTableNames } from "../../src/replay/execute.ts";

const to = new Map([['"main"."orders"', '"replay__r1"."orders"']]);

describe("replay rewrite by lexer offsets", () => {
  test("the target and a read are rewritten; strings and comments are not", () => {
    const sql = `CREATE OR REPLACE TABLE "main"."orders" AS -- built from "main"."orders" yesterday
SELECT '"main"."orders"' AS label, o.id FROM "main"."orders" AS o`;
    expect(rewriteTableNames(sql, to, "duckdb")).toBe(
      `CREATE OR REPLACE TABLE "replay__r1"."orders" AS -- built from "main"."orders" yesterday
SELECT '"main"."orders"' AS label, o.id FROM "replay__r1"."orders" AS o`,
    );
  });

  test("a longer dotted name that starts with the table's name is a column, not the table", () => {
    const sql = `SELECT "main"."orders"."id" FROM "main"."orders"`;
    expect(rewriteTableNames(sql, to, "duckdb")).toBe(
      `SELECT "main"."orders"."id" FROM "replay__r1"."orders"`,
    );
  });

  test("DuckDB names match in any case and spelling; BigQuery backtick forms too", () => {
    expect(rewriteTableNames("SELECT * FROM MAIN.Orders", to, "duckdb")).toBe(
      'SELECT * FROM "replay__r1"."orders"',
    );
    const bq = new Map([["`p`.`d`.`t`", "`p`.`replay__r1`.`t`"]]);
    expect(rewriteTableNames("SELECT * FROM `p.d.t` JOIN `p`.`d`.`t` USING (id)", bq, "bigquery")).toBe(
      "SELECT * FROM `p`.`replay__r1`.`t` JOIN `p`.`replay__r1`.`t` USING (id)",
    );
    // BigQuery table names are case-sensitive: another table.
    expect(rewriteTableNames("SELECT * FROM `p`.`d`.`T`", bq, "bigquery")).toBe("SELECT * FROM `p`.`d`.`T`");
  });

  test("the leak check finds the production name however it is spelled, and only outside strings", () => {
    expect(namesTable("INSERT INTO main.ORDERS SELECT 1", '"main"."orders"', "duckdb")).toBe(true);
    expect(namesTable(`SELECT 'main.orders' AS s`, '"main"."orders"', "duckdb")).toBe(false);
  });
});
