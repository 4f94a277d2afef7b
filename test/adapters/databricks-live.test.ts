/**
 * Against a real Databricks SQL warehouse, when ROCKY_TEST_DATABRICKS_HOST,
 * _HTTP_PATH and _TOKEN are set; optional _CATALOG (default `main`). Everything
 * happens in a throwaway schema that is dropped at the end.
 */
import { planStatements } from "../../src/run/strategies.ts";
import { afterAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { runConformance } from "../../src/adapter/conformance.ts";
import type { DatabricksAdapter } from "../../adapters/databricks/adapter.ts";
import plugin from "../../adapters/databricks/index.ts";

const env = process.env;
const live =
  !!env.ROCKY_TEST_DATABRICKS_HOST &&
  !!env.ROCKY_TEST_DATABRICKS_HTTP_PATH &&
  !!env.ROCKY_TEST_DATABRICKS_TOKEN;
if (!live) {
  console.warn(
    "databricks live tests skipped: set ROCKY_TEST_DATABRICKS_HOST, _HTTP_PATH and _TOKEN [, _CATALOG] to run them",
  );
}

const catalog = env.ROCKY_TEST_DATABRICKS_CATALOG ?? "main";
const schema = `rocky_test_${Date.now().toString(36)}`;
let adapter: DatabricksAdapter | undefined;

afterAll(async () => {
  if (!adapter) return;
  await adapter.dropSchema(catalog, schema).catch(() => {});
  await adapter.close();
});

function make(): DatabricksAdapter {
  const config = v.parse(plugin.configSchema, {
    host: env.ROCKY_TEST_DATABRICKS_HOST,
    http_path: env.ROCKY_TEST_DATABRICKS_HTTP_PATH,
    token: env.ROCKY_TEST_DATABRICKS_TOKEN,
    catalog,
  });
  return plugin.create(config, { projectRoot: process.cwd(), name: "live" }) as DatabricksAdapter;
}

describe("databricks live", () => {
  test.skipIf(!live)("schema, strategies, describe, clone, fingerprint, errors", async () => {
    adapter = make();
    const a = adapter;
    const d = a.dialect;
    await a.connect();
    await a.createSchema(catalog, schema);
    const t = { catalog, schema, table: "fix-price" };
    const first =
      "SELECT 1L AS id, CAST(10.5 AS DECIMAL(10,2)) AS amount, TIMESTAMP'2026-01-01 00:00:00' AS ts";
    for (const sql of planStatements(d, t, first, { type: "full_refresh" })) {
      await a.execute(sql);
    }
    expect((await a.describeTable(t))?.map((c) => `${c.name} ${c.type}`)).toEqual([
      "id BIGINT",
      "amount DECIMAL(10,2)",
      "ts TIMESTAMP",
    ]);
    expect(await a.objectKind(t)).toBe("table");
    const more =
      "SELECT 2L AS id, CAST(3.25 AS DECIMAL(10,2)) AS amount, TIMESTAMP'2026-01-02 00:00:00' AS ts";
    // An empty mark (as for a target that had no rows): plain append.
    for (const sql of planStatements(
      d,
      t,
      more,
      { type: "incremental", timestamp_column: "ts" },
      { existingKind: "table", watermark: null },
    )) {
      expect((await a.execute(sql)).rowsAffected).toBe(1);
    }
    const merged =
      "SELECT 2L AS id, CAST(4 AS DECIMAL(10,2)) AS amount, TIMESTAMP'2026-01-03 00:00:00' AS ts";
    for (const sql of planStatements(
      d,
      t,
      merged,
      { type: "merge", unique_key: ["id"] },
      { existingKind: "table" },
    )) {
      await a.execute(sql);
    }
    expect((await a.query(`SELECT id, amount FROM ${d.qualify(t)} ORDER BY id`)).rows).toEqual([
      [1n, "10.50"],
      [2n, "4.00"],
    ]);
    const fp = await a.fingerprint(t);
    const clone = { ...t, table: "Order" };
    await a.cloneTable(t, clone);
    expect(await a.fingerprint(clone)).toEqual(fp);
    expect(fp.rowCount).toBe(2);
    expect(await a.listTables(catalog, schema)).toContain("fix-price");
    await expect(a.query(`SELECT * FROM ${d.qualify({ ...t, table: "nope" })}`)).rejects.toThrow(/not found/);
  });
});

describe("databricks live conformance", () => {
  test.skipIf(!live)("rocky's conformance suite passes against the warehouse", async () => {
    const report = await runConformance(make());
    const failed = report.checks.filter((c) => c.status === "fail");
    expect(failed.map((c) => `${c.name}: ${c.message ?? ""}`)).toEqual([]);
  });
});
