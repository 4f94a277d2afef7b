/**
 * Against a real Snowflake account, when ROCKY_TEST_SNOWFLAKE_ACCOUNT, _USER and
 * _PASSWORD (or _PRIVATE_KEY_PATH) are set; optional _WAREHOUSE, _ROLE, _DATABASE.
 * Everything happens in a throwaway schema that is dropped at the end.
 */
import { planStatements } from "../../src/run/strategies.ts";
import { afterAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { runConformance } from "../../src/adapter/conformance.ts";
import type { SnowflakeAdapter } from "../../adapters/snowflake/adapter.ts";
import plugin from "../../adapters/snowflake/index.ts";

const env = process.env;
const live =
  !!env.ROCKY_TEST_SNOWFLAKE_ACCOUNT &&
  !!env.ROCKY_TEST_SNOWFLAKE_USER &&
  !!(env.ROCKY_TEST_SNOWFLAKE_PASSWORD || env.ROCKY_TEST_SNOWFLAKE_PRIVATE_KEY_PATH) &&
  !!env.ROCKY_TEST_SNOWFLAKE_DATABASE;
if (!live) {
  console.warn(
    "snowflake live tests skipped: set ROCKY_TEST_SNOWFLAKE_ACCOUNT, _USER, _PASSWORD (or _PRIVATE_KEY_PATH), _DATABASE [, _WAREHOUSE, _ROLE]",
  );
}

const schema = `ROCKY_TEST_${Date.now().toString(36).toUpperCase()}`;
let adapter: SnowflakeAdapter | undefined;

function make(): SnowflakeAdapter {
  const config = v.parse(plugin.configSchema, {
    account: env.ROCKY_TEST_SNOWFLAKE_ACCOUNT,
    user: env.ROCKY_TEST_SNOWFLAKE_USER,
    ...(env.ROCKY_TEST_SNOWFLAKE_PASSWORD ? { password: env.ROCKY_TEST_SNOWFLAKE_PASSWORD } : {}),
    ...(env.ROCKY_TEST_SNOWFLAKE_PRIVATE_KEY_PATH
      ? { private_key_path: env.ROCKY_TEST_SNOWFLAKE_PRIVATE_KEY_PATH }
      : {}),
    ...(env.ROCKY_TEST_SNOWFLAKE_WAREHOUSE ? { warehouse: env.ROCKY_TEST_SNOWFLAKE_WAREHOUSE } : {}),
    ...(env.ROCKY_TEST_SNOWFLAKE_ROLE ? { role: env.ROCKY_TEST_SNOWFLAKE_ROLE } : {}),
    database: env.ROCKY_TEST_SNOWFLAKE_DATABASE,
  });
  return plugin.create(config, { projectRoot: process.cwd(), name: "live" }) as SnowflakeAdapter;
}

afterAll(async () => {
  if (!adapter) return;
  await adapter.dropSchema(env.ROCKY_TEST_SNOWFLAKE_DATABASE, schema).catch(() => {});
  await adapter.close();
});

describe("snowflake live", () => {
  test.skipIf(!live)("schema, strategies, describe, clone, fingerprint, errors", async () => {
    adapter = make();
    const a = adapter;
    const d = a.dialect;
    const db = env.ROCKY_TEST_SNOWFLAKE_DATABASE;
    await a.connect();
    await a.createSchema(db, schema);
    const t = { catalog: db, schema, table: "fix-price" };
    const src = "SELECT 1 AS id, 10.5::NUMBER(10,2) AS amount, '2026-01-01 00:00:00'::TIMESTAMP_NTZ AS ts";
    for (const sql of planStatements(d, t, src, { type: "full_refresh" })) {
      await a.execute(sql);
    }
    expect((await a.describeTable(t))?.map((c) => c.name)).toEqual(["ID", "AMOUNT", "TS"]);
    expect(await a.objectKind(t)).toBe("table");
    const more = "SELECT 2 AS id, 3.25::NUMBER(10,2) AS amount, '2026-01-02 00:00:00'::TIMESTAMP_NTZ AS ts";
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
    const merged = "SELECT 2 AS id, 4.00::NUMBER(10,2) AS amount, '2026-01-03 00:00:00'::TIMESTAMP_NTZ AS ts";
    for (const sql of planStatements(
      d,
      t,
      merged,
      { type: "merge", unique_key: ["id"] },
      { existingKind: "table", columns: ["id", "amount", "ts"] },
    )) {
      await a.execute(sql);
    }
    const rows = (await a.query(`SELECT id, amount FROM ${d.qualify(t)} ORDER BY id`)).rows;
    expect(rows).toEqual([
      [1n, "10.50"],
      [2n, "4.00"],
    ]);
    const fp1 = await a.fingerprint(t);
    const clone = { ...t, table: "Order" };
    await a.cloneTable(t, clone);
    expect(await a.fingerprint(clone)).toEqual(fp1);
    expect(fp1.rowCount).toBe(2);
    await expect(a.query(`SELECT * FROM ${d.qualify({ ...t, table: "nope" })}`)).rejects.toThrow(/not found/);
  });
});

describe("snowflake live conformance", () => {
  test.skipIf(!live)("rocky's conformance suite passes against the account", async () => {
    const report = await runConformance(make());
    const failed = report.checks.filter((c) => c.status === "fail");
    expect(failed.map((c) => `${c.name}: ${c.message ?? ""}`)).toEqual([]);
  });
});
