/**
 * The Databricks adapter through the real @databricks/sql client, against the
 * loopback Thrift stand-in (test/standins/databricks.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import type { DatabricksAdapter } from "../../adapters/databricks/adapter.ts";
import plugin from "../../adapters/databricks/index.ts";
import { createAdapter } from "../../src/adapter/loader.ts";
import { RockyError } from "../../src/errors.ts";
import { DatabricksStandin } from "../standins/databricks.ts";

const TOKEN = "dapi0123456789abcdef";
const dbx = new DatabricksStandin({ tokens: [TOKEN] });
const open: DatabricksAdapter[] = [];

beforeAll(() => dbx.start());
afterAll(() => dbx.stop());
afterEach(async () => {
  dbx.clearFaults();
  await Promise.all(open.splice(0).map((a) => a.close()));
  dbx.onQuery = () => ({ columns: [], rows: [] });
});

function make(extra: Record<string, unknown> = {}): DatabricksAdapter {
  const config = v.parse(plugin.configSchema, {
    host: `http://127.0.0.1:${dbx.port}`,
    http_path: dbx.path,
    token: TOKEN,
    catalog: "main",
    retry_delay_ms: 20,
    ...extra,
  });
  const a = plugin.create(config, { projectRoot: "/tmp", name: "default" }) as DatabricksAdapter;
  open.push(a);
  return a;
}

async function failure(p: Promise<unknown>): Promise<RockyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RockyError);
    return e as RockyError;
  }
  throw new Error("expected a failure");
}

describe("databricks adapter over @databricks/sql (Thrift stand-in)", () => {
  test("connect opens a session; query decodes Arrow rows to typed values in schema order", async () => {
    dbx.onQuery = () => ({
      columns: [
        { name: "id", type: "BIGINT" },
        { name: "n", type: "INT" },
        { name: "amount", type: "DECIMAL(12,2)" },
        { name: "ratio", type: "DOUBLE" },
        { name: "name", type: "STRING" },
        { name: "ok", type: "BOOLEAN" },
        { name: "day", type: "DATE" },
        { name: "at", type: "TIMESTAMP" },
      ],
      rows: [
        [9007199254740993n, 7, "10.50", 0.25, "it's", true, "2026-01-01", "2026-01-01 10:00:00.123456"],
        [null, null, null, null, null, null, null, null],
      ],
    });
    const a = make();
    const before = dbx.sessions.size;
    await a.connect();
    expect(dbx.sessions.size).toBe(before + 1);
    const r = await a.query("SELECT * FROM t");
    expect(r.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      "id BIGINT",
      "n INT",
      "amount DECIMAL(12,2)",
      "ratio DOUBLE",
      "name STRING",
      "ok BOOLEAN",
      "day DATE",
      "at TIMESTAMP",
    ]);
    // 2^53 + 1 survives (bigint); decimals and timestamps stay exact text.
    expect(r.rows).toEqual([
      [9007199254740993n, 7, "10.50", 0.25, "it's", true, "2026-01-01", "2026-01-01 10:00:00.123456"],
      [null, null, null, null, null, null, null, null],
    ]);
    expect(dbx.statements.at(-1)!.sql).toBe("SELECT * FROM t");
    // Every operation is closed on the service once read.
    expect(dbx.closedOps.length).toBeGreaterThan(0);
  });

  test("statements issued at once before connect share one session", async () => {
    const a = make();
    const before = dbx.sessions.size;
    await Promise.all([a.query("SELECT 1"), a.query("SELECT 2"), a.query("SELECT 3")]);
    expect(dbx.sessions.size).toBe(before + 1);
    expect(new Set(dbx.statements.slice(-3).map((s) => s.session)).size).toBe(1);
  });

  test("execute reports num_affected_rows", async () => {
    dbx.onQuery = (sql) =>
      sql.startsWith("MERGE")
        ? {
            columns: [
              { name: "num_affected_rows", type: "BIGINT" },
              { name: "num_updated_rows", type: "BIGINT" },
              { name: "num_inserted_rows", type: "BIGINT" },
            ],
            rows: [[5n, 2n, 3n]],
          }
        : { columns: [], rows: [] };
    const a = make();
    expect(await a.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET *")).toEqual({
      rowsAffected: 5,
    });
    expect(await a.execute("CREATE SCHEMA x")).toEqual({});
  });

  test("describeTable, objectKind, tableExists, listTables", async () => {
    const notFound = {
      error: {
        message:
          "[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`marts`.`missing` cannot be found. SQLSTATE: 42P01\n== SQL ==\nDESCRIBE TABLE x\n^^^",
        sqlState: "42P01",
      },
    };
    dbx.onQuery = (sql) => {
      if (sql.includes("`missing`")) return notFound;
      if (sql.startsWith("DESCRIBE TABLE EXTENDED")) {
        return {
          columns: ["col_name", "data_type", "comment"].map((name) => ({ name, type: "STRING" as const })),
          rows: [
            ["id", "bigint", null],
            ["", "", ""],
            ["# Detailed Table Information", "", ""],
            ["Type", sql.includes("`v_orders`") ? "VIEW" : "MANAGED", ""],
          ],
        };
      }
      if (sql.startsWith("DESCRIBE TABLE")) {
        return {
          columns: ["col_name", "data_type", "comment"].map((name) => ({ name, type: "STRING" as const })),
          rows: [
            ["id", "bigint", null],
            ["amount", "decimal(12,2)", "money"],
            ["day", "date", null],
            ["# Partition Information", "", ""],
            ["# col_name", "data_type", "comment"],
            ["day", "date", null],
          ],
        };
      }
      if (sql.startsWith("SHOW TABLES")) {
        return {
          columns: [
            { name: "database", type: "STRING" },
            { name: "tableName", type: "STRING" },
            { name: "isTemporary", type: "BOOLEAN" },
          ],
          rows: [
            ["marts", "orders", false],
            ["marts", "fix-price", false],
            ["", "tmp_view", true],
          ],
        };
      }
      return { columns: [], rows: [] };
    };
    const a = make();
    const ref = { catalog: "main", schema: "marts", table: "orders" };
    expect(await a.describeTable(ref)).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "amount", type: "DECIMAL(12,2)" },
      { name: "day", type: "DATE" },
    ]);
    expect(await a.describeTable({ ...ref, table: "missing" })).toBeUndefined();
    expect(await a.objectKind(ref)).toBe("table");
    expect(await a.objectKind({ ...ref, table: "v_orders" })).toBe("view");
    expect(await a.tableExists({ ...ref, table: "missing" })).toBe(false);
    expect(await a.listTables("main", "marts")).toEqual(["orders", "fix-price"]);
    expect(dbx.statements.at(-1)!.sql).toBe("SHOW TABLES IN `main`.`marts`");
  });

  test("schema, clone and fingerprint send the dialect's SQL and decode the answer", async () => {
    dbx.onQuery = (sql) =>
      sql.includes("xxhash64")
        ? {
            columns: [
              { name: "row_count", type: "BIGINT" },
              { name: "hash_sum", type: "DECIMAL(38,0)" },
              { name: "hash_xor", type: "BIGINT" },
            ],
            rows: [[3n, "-1234567890123456789012", -42n]],
          }
        : { columns: [], rows: [] };
    const a = make();
    const src = { catalog: "main", schema: "marts", table: "orders" };
    await a.createSchema("main", "branch__x__marts");
    await a.cloneTable(src, { ...src, schema: "branch__x__marts" });
    const fp = await a.fingerprint(src);
    await a.dropSchema("main", "branch__x__marts");
    expect(dbx.statements.slice(-4).map((s) => s.sql)).toEqual([
      "CREATE SCHEMA IF NOT EXISTS `main`.`branch__x__marts`",
      "CREATE OR REPLACE TABLE `main`.`branch__x__marts`.`orders` SHALLOW CLONE `main`.`marts`.`orders`",
      a.dialect.fingerprintSql(src),
      "DROP SCHEMA IF EXISTS `main`.`branch__x__marts` CASCADE",
    ]);
    expect(fp).toEqual({ rowCount: 3, hash: "-1234567890123456789012:-42" });
  });

  test("a bad token is one clear line with no secret in it", async () => {
    const a = make({ token: "dapi-wrong-token-value" });
    const e = await failure(a.connect());
    expect(e.message).toBe(`Databricks authentication failed at 'http://127.0.0.1:${dbx.port}' (HTTP 403)`);
    expect(e.message).not.toContain("dapi-wrong-token-value");
    expect(e.hint).toContain("token");
  });

  test("a service message that echoes the token is redacted", async () => {
    const a = make();
    dbx.onQuery = () => ({
      error: { message: `[INVALID_PARAMETER_VALUE] bad credential '${TOKEN}' in option`, sqlState: "22023" },
    });
    const e = await failure(a.query("SELECT 1"));
    expect(e.message).toBe("Databricks error: [INVALID_PARAMETER_VALUE] bad credential '***' in option");
  });

  test("SQL errors: Spark's multi-line message becomes one line; permission denied is named", async () => {
    const a = make();
    dbx.onQuery = () => ({
      error: {
        message:
          "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01\n== SQL ==\nSELECT * FROM nope\n^^^",
        sqlState: "42P01",
      },
    });
    let e = await failure(a.query("SELECT * FROM nope"));
    expect(e.message).toBe(
      "Databricks object not found: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. SQLSTATE: 42P01 SELECT * FROM nope",
    );
    dbx.onQuery = () => ({
      error: {
        message:
          "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have CREATE on Schema 'main.marts'.",
        sqlState: "42501",
      },
    });
    e = await failure(a.execute("CREATE TABLE main.marts.x AS SELECT 1"));
    expect(e.message).toStartWith("Databricks permission denied: [INSUFFICIENT_PERMISSIONS]");
  });

  test("a transient 503 (warehouse starting) at connect and at submit is retried; the bound holds", async () => {
    const a = make();
    dbx.failNext(503, 2);
    await a.connect();
    expect(dbx.clearFaults()).toBe(0);

    dbx.onQuery = () => ({ columns: [{ name: "x", type: "INT" }], rows: [[1]] });
    dbx.failNext(503, 1);
    const seen = dbx.statements.length;
    expect((await a.query("SELECT 1")).rows).toEqual([[1]]);
    // The statement reached the service once: the 503 was refused before it ran.
    expect(dbx.statements.slice(seen).map((s) => s.sql)).toEqual(["SELECT 1"]);

    dbx.failNext(503, 10);
    const e = await failure(make({ retries: 1 }).connect());
    expect(e.message).toBe("Databricks request failed with HTTP 503 (retries exhausted)");
    expect(dbx.clearFaults()).toBe(8);
  });

  test("cancel cancels the running operation on the service", async () => {
    const a = make();
    await a.connect();
    dbx.onQuery = () => new Promise(() => {}); // runs until cancelled
    const q = a.query("SELECT sleep_forever()");
    for (let i = 0; dbx.running === 0; i++) {
      if (i > 200) throw new Error("statement never started");
      await Bun.sleep(10);
    }
    await a.cancel();
    const e = await failure(q);
    expect(e.message).toBe("Databricks statement cancelled");
    expect(dbx.cancelled.length).toBe(1);
  });

  test("close ends the session on the service", async () => {
    const a = make();
    await a.connect();
    const before = dbx.sessionsClosed;
    await a.close();
    expect(dbx.sessionsClosed).toBe(before + 1);
  });

  test("loaded by type through the plugin loader; config errors are named", async () => {
    const a = await createAdapter(
      { type: "databricks", host: `http://127.0.0.1:${dbx.port}`, http_path: dbx.path, token: TOKEN },
      { projectRoot: "/tmp", name: "default" },
    );
    expect(a.type).toBe("databricks");
    await a.close();
    await expect(
      createAdapter(
        { type: "databricks", host: "h", http_path: "/p" },
        { projectRoot: "/tmp", name: "default" },
      ),
    ).rejects.toThrow(/token/);
    await expect(
      createAdapter(
        { type: "databricks", host: "http://example.com", http_path: "/p", token: "t" },
        { projectRoot: "/tmp", name: "default" },
      ),
    ).rejects.toThrow(/only https/);
  });
});
