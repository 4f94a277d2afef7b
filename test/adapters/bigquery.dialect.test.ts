/** Golden SQL of the BigQuery dialect: every strategy, names, schema naming, clone, fingerprint. */
import { describe, expect, test } from "bun:test";
import { adapter as plugin } from "../../adapters/bigquery/index.ts";
import {
  BigQueryDialect,
  fingerprintSql,
  quoteString,
  safeSchemaName,
} from "../../adapters/bigquery/dialect.ts";
import type { MaterializeContext } from "../../src/adapter/types.ts";

const d = new BigQueryDialect({ project: "acme-prod", dataset: "analytics", location: "EU" });
const target = { schema: "marts", table: "fct_orders" };
const T = "`acme-prod`.`marts`.`fct_orders`";
const SELECT = "SELECT order_id, amount, updated_at FROM `acme-prod`.`staging`.`stg_orders`";
const exists: MaterializeContext = {
  targetExists: true,
  fullRefresh: false,
  columns: ["order_id", "amount", "updated_at"],
};
const fresh: MaterializeContext = { ...exists, targetExists: false };

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

describe("bigquery dialect: strategies", () => {
  test("full_refresh", () => {
    expect(d.materialize(target, `${SELECT};\n`, { type: "full_refresh" }, exists)).toEqual([
      `CREATE OR REPLACE TABLE ${T} AS\n${SELECT}`,
    ]);
  });

  test("view, replacing a table that stood there", () => {
    expect(d.materialize(target, SELECT, { type: "view" }, { ...exists, existingKind: "table" })).toEqual([
      `DROP TABLE IF EXISTS ${T}`,
      `CREATE OR REPLACE VIEW ${T} AS\n${SELECT}`,
    ]);
  });

  test("incremental: build on first run, then insert above the watermark", () => {
    const inc = { type: "incremental", timestamp_column: "updated_at" } as const;
    expect(d.materialize(target, SELECT, inc, fresh)).toEqual([`CREATE OR REPLACE TABLE ${T} AS\n${SELECT}`]);
    expect(d.materialize(target, SELECT, inc, { ...exists, fullRefresh: true })).toEqual([
      `CREATE OR REPLACE TABLE ${T} AS\n${SELECT}`,
    ]);
    expect(d.materialize(target, SELECT, inc, { ...exists, watermark: "'2026-04-20 10:00:00+00'" })).toEqual([
      `INSERT INTO ${T} (\`order_id\`, \`amount\`, \`updated_at\`)\nSELECT * FROM (\n${SELECT}\n) AS _rocky_src\nWHERE \`updated_at\` > '2026-04-20 10:00:00+00'`,
    ]);
    expect(d.materialize(target, SELECT, inc, { targetExists: true, fullRefresh: false })).toEqual([
      `INSERT INTO ${T}\nSELECT * FROM (\n${SELECT}\n) AS _rocky_src\nWHERE (SELECT MAX(\`updated_at\`) FROM ${T}) IS NULL OR \`updated_at\` > (SELECT MAX(\`updated_at\`) FROM ${T})`,
    ]);
    // Over a view, the table is rebuilt (the view dropped first).
    expect(d.materialize(target, SELECT, inc, { ...exists, existingKind: "view" })).toEqual([
      `DROP VIEW IF EXISTS ${T}`,
      `CREATE OR REPLACE TABLE ${T} AS\n${SELECT}`,
    ]);
  });

  test("merge with explicit columns", () => {
    expect(d.materialize(target, SELECT, { type: "merge", unique_key: ["order_id"] }, exists)).toEqual([
      [
        `MERGE INTO ${T} AS _rocky_t`,
        `USING (\n${SELECT}\n) AS _rocky_s`,
        "ON _rocky_t.`order_id` = _rocky_s.`order_id`",
        "WHEN MATCHED THEN UPDATE SET `amount` = _rocky_s.`amount`, `updated_at` = _rocky_s.`updated_at`",
        "WHEN NOT MATCHED THEN INSERT (`order_id`, `amount`, `updated_at`) VALUES (_rocky_s.`order_id`, _rocky_s.`amount`, _rocky_s.`updated_at`)",
      ].join("\n"),
    ]);
  });

  test("merge with update_columns and no known columns uses INSERT ROW", () => {
    const sql = d.materialize(
      target,
      SELECT,
      { type: "merge", unique_key: ["order_id", "region"], update_columns: ["amount"] },
      { targetExists: true, fullRefresh: false },
    );
    expect(sql).toEqual([
      [
        `MERGE INTO ${T} AS _rocky_t`,
        `USING (\n${SELECT}\n) AS _rocky_s`,
        "ON _rocky_t.`order_id` = _rocky_s.`order_id` AND _rocky_t.`region` = _rocky_s.`region`",
        "WHEN MATCHED THEN UPDATE SET `amount` = _rocky_s.`amount`",
        "WHEN NOT MATCHED THEN INSERT ROW",
      ].join("\n"),
    ]);
  });

  test("merge refuses what GoogleSQL cannot express", () => {
    expect(() =>
      d.materialize(
        target,
        SELECT,
        { type: "merge", unique_key: ["order_id"] },
        { targetExists: true, fullRefresh: false },
      ),
    ).toThrow("BigQuery MERGE needs the model's columns");
    expect(() => d.materialize(target, SELECT, { type: "merge", unique_key: [] }, exists)).toThrow(
      "at least one unique_key",
    );
  });

  test("merge where every column is a key has no UPDATE arm", () => {
    const [sql] = d.materialize(
      target,
      SELECT,
      { type: "merge", unique_key: ["order_id"] },
      { ...exists, columns: ["order_id"] },
    );
    expect(sql).not.toContain("WHEN MATCHED");
    expect(sql).toContain("WHEN NOT MATCHED THEN INSERT (`order_id`) VALUES (_rocky_s.`order_id`)");
  });

  test("delete_insert is one atomic script", () => {
    expect(
      d.materialize(target, SELECT, { type: "delete_insert", partition_by: ["order_date"] }, exists),
    ).toEqual([
      [
        "BEGIN TRANSACTION;",
        `DELETE FROM ${T} AS _rocky_t WHERE EXISTS (\n  SELECT 1 FROM (\n${SELECT}\n  ) AS _rocky_s WHERE _rocky_s.\`order_date\` IS NOT DISTINCT FROM _rocky_t.\`order_date\`\n);`,
        `INSERT INTO ${T} (\`order_id\`, \`amount\`, \`updated_at\`)\n${SELECT};`,
        "COMMIT TRANSACTION;",
      ].join("\n"),
    ]);
    expect(d.materialize(target, SELECT, { type: "delete_insert", partition_by: ["d"] }, fresh)).toEqual([
      `CREATE OR REPLACE TABLE ${T} AS\n${SELECT}`,
    ]);
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
