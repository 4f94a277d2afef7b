/**
 * The Snowflake adapter through the real snowflake-sdk, against the loopback
 * stand-in of Snowflake's REST API (test/standins/snowflake.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import type { SnowflakeAdapter } from "../../adapters/snowflake/adapter.ts";
import plugin from "../../adapters/snowflake/index.ts";
import { createAdapter } from "../../src/adapter/loader.ts";
import { RockyError } from "../../src/errors.ts";
import { SF_STATEMENT_TYPE, SnowflakeStandin } from "../standins/snowflake.ts";

const PASSWORD = "s3cret-pass-word";
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const sf = new SnowflakeStandin({
  users: {
    ALICE: { password: PASSWORD },
    ROBOT: { publicKey: keys.publicKey.export({ type: "spki", format: "pem" }).toString() },
  },
  oauthTokens: ["oauth-token-123456"],
  echoSecrets: true,
});
const root = mkdtempSync(join(tmpdir(), "rocky-sf-"));
const open: SnowflakeAdapter[] = [];

beforeAll(() => sf.start());
afterAll(() => sf.stop());
afterEach(async () => {
  sf.clearFaults();
  await Promise.all(open.splice(0).map((a) => a.close()));
  sf.onQuery = () => ({
    columns: [{ name: "status", type: "text" }],
    rows: [["ok"]],
    statementTypeId: SF_STATEMENT_TYPE.DDL,
  });
});

function make(extra: Record<string, unknown> = {}): SnowflakeAdapter {
  const config = v.parse(plugin.configSchema, {
    account: "standin",
    user: "alice",
    password: PASSWORD,
    warehouse: "TRANSFORMING",
    role: "ROCKY_ROLE",
    database: "ANALYTICS",
    access_url: sf.url,
    retry_delay_ms: 20,
    ...extra,
  });
  const a = plugin.create(config, { projectRoot: root, name: "default" }) as SnowflakeAdapter;
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

describe("snowflake adapter over snowflake-sdk (stand-in)", () => {
  test("connect logs in with user, password, warehouse and role, and pins the session formats", async () => {
    const before = sf.logins.length;
    const a = make();
    await a.connect();
    const login = sf.logins[before]!;
    expect(login.LOGIN_NAME).toBe("alice");
    expect(login.PASSWORD).toBe(PASSWORD);
    expect(login.ACCOUNT_NAME).toBe("standin");
    const setup = sf.statements.at(-1)!;
    expect(setup.sql).toStartWith("ALTER SESSION SET DATE_OUTPUT_FORMAT = 'YYYY-MM-DD'");
    expect(setup.warehouse).toBe("TRANSFORMING");
    expect(setup.role).toBe("ROCKY_ROLE");
    expect(setup.database).toBe("ANALYTICS");
  });

  test("models querying at once before connect share one login, after the session setup", async () => {
    sf.onQuery = () => ({ columns: [{ name: "X", type: "fixed" }], rows: [["1"]] });
    const a = make();
    const before = sf.logins.length;
    const seen = sf.statements.length;
    await Promise.all([a.query("SELECT 1"), a.query("SELECT 1"), a.query("SELECT 1")]);
    expect(sf.logins.length).toBe(before + 1);
    expect(sf.statements.slice(seen).map((s) => s.sql.split(" ")[0])).toEqual([
      "ALTER",
      "SELECT",
      "SELECT",
      "SELECT",
    ]);
  });

  test("query decodes typed rows: bigint integers, exact decimals, floats, booleans, dates, nulls", async () => {
    sf.onQuery = () => ({
      columns: [
        { name: "ID", type: "fixed" },
        { name: "AMOUNT", type: "fixed", precision: 12, scale: 2 },
        { name: "RATIO", type: "real" },
        { name: "NAME", type: "text" },
        { name: "OK", type: "boolean" },
        { name: "DAY", type: "date" },
      ],
      // The wire format: everything is text; dates are days since the epoch.
      rows: [
        ["12345678901234567890", "10.50", "0.25", "it's", "true", "20454"],
        ["2", null, null, null, "false", null],
      ],
    });
    const a = make();
    const r = await a.query("SELECT * FROM t");
    // Column names as rocky spells them: upper-case plain names read back in lower case.
    expect(r.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      "id NUMBER(38,0)",
      "amount NUMBER(12,2)",
      "ratio FLOAT",
      "name VARCHAR",
      "ok BOOLEAN",
      "day DATE",
    ]);
    expect(r.rows).toEqual([
      [12345678901234567890n, "10.50", 0.25, "it's", true, "2026-01-01"],
      [2n, null, null, null, false, null],
    ]);
  });

  test("execute reports rows affected by DML", async () => {
    sf.onQuery = (sql) =>
      sql.startsWith("INSERT")
        ? {
            columns: [{ name: "number of rows inserted", type: "fixed" }],
            rows: [["42"]],
            statementTypeId: SF_STATEMENT_TYPE.INSERT,
          }
        : {
            columns: [{ name: "status", type: "text" }],
            rows: [["Table ORDERS successfully created."]],
            statementTypeId: SF_STATEMENT_TYPE.DDL,
          };
    const a = make();
    expect(await a.execute("INSERT INTO t SELECT 1")).toEqual({ rowsAffected: 42 });
    expect(await a.execute("CREATE TABLE t (x INT)")).toEqual({});
  });

  test("describeTable, objectKind, tableExists and listTables read information_schema", async () => {
    sf.onQuery = (sql) => {
      if (sql.includes("INFORMATION_SCHEMA.COLUMNS") && sql.includes("'ORDERS'")) {
        return {
          columns: [
            "COLUMN_NAME",
            "DATA_TYPE",
            "IS_NULLABLE",
            "NUMERIC_PRECISION",
            "NUMERIC_SCALE",
            "CHARACTER_MAXIMUM_LENGTH",
          ].map((name) => ({ name, type: "text" })),
          rows: [
            ["ID", "NUMBER", "NO", "38", "0", null],
            ["NOTE", "TEXT", "YES", null, null, "16777216"],
            ["Order", "FLOAT", "YES", null, null, null],
          ],
        };
      }
      if (sql.startsWith("SELECT table_type") && sql.includes("'ORDERS'")) {
        return { columns: [{ name: "TABLE_TYPE", type: "text" }], rows: [["BASE TABLE"]] };
      }
      if (sql.startsWith("SELECT table_type") && sql.includes("'V_ORDERS'")) {
        return { columns: [{ name: "TABLE_TYPE", type: "text" }], rows: [["VIEW"]] };
      }
      if (sql.startsWith("SELECT table_name")) {
        return { columns: [{ name: "TABLE_NAME", type: "text" }], rows: [["ORDERS"], ["fix-price"]] };
      }
      return { columns: [{ name: "X", type: "text" }], rows: [] };
    };
    const a = make();
    const ref = { catalog: "analytics", schema: "marts", table: "orders" };
    expect(await a.describeTable(ref)).toEqual([
      { name: "id", type: "NUMBER(38,0)", nullable: false },
      { name: "note", type: "VARCHAR(16777216)", nullable: true },
      { name: "Order", type: "FLOAT", nullable: true },
    ]);
    expect(sf.statements.at(-1)!.sql).toContain(`FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS`);
    expect(await a.describeTable({ ...ref, table: "missing" })).toBeUndefined();
    expect(await a.objectKind(ref)).toBe("table");
    expect(await a.objectKind({ ...ref, table: "v_orders" })).toBe("view");
    expect(await a.tableExists(ref)).toBe(true);
    expect(await a.tableExists({ ...ref, table: "missing" })).toBe(false);
    expect(await a.listTables("analytics", "marts")).toEqual(["orders", "fix-price"]);
  });

  test("schema, clone and fingerprint send the dialect's SQL and decode the answer", async () => {
    sf.onQuery = (sql) =>
      sql.includes("HASH_AGG")
        ? {
            columns: [
              { name: "ROW_COUNT", type: "fixed" },
              { name: "CONTENT_HASH", type: "fixed" },
            ],
            rows: [["3", "-8170621233358404536"]],
          }
        : {
            columns: [{ name: "status", type: "text" }],
            rows: [["ok"]],
            statementTypeId: SF_STATEMENT_TYPE.DDL,
          };
    const a = make();
    const src = { catalog: "analytics", schema: "marts", table: "orders" };
    await a.createSchema("analytics", "BRANCH__X__MARTS");
    await a.cloneTable(src, { ...src, schema: "BRANCH__X__MARTS" });
    await a.dropSchema("analytics", "BRANCH__X__MARTS");
    const fp = await a.fingerprint(src);
    expect(sf.statements.slice(-4).map((s) => s.sql)).toEqual([
      `CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."BRANCH__X__MARTS"`,
      `CREATE OR REPLACE TABLE "ANALYTICS"."BRANCH__X__MARTS"."ORDERS" CLONE "ANALYTICS"."MARTS"."ORDERS"`,
      `DROP SCHEMA IF EXISTS "ANALYTICS"."BRANCH__X__MARTS" CASCADE`,
      `SELECT COUNT(*) AS ROW_COUNT, HASH_AGG(*) AS CONTENT_HASH FROM "ANALYTICS"."MARTS"."ORDERS"`,
    ]);
    expect(fp).toEqual({ rowCount: 3, hash: "-8170621233358404536" });
  });

  test("a wrong password is one clear line, with the echoed secret redacted", async () => {
    const a = make({ password: "wrong-password-xyz" });
    const e = await failure(a.connect());
    expect(e.message).toStartWith("Snowflake authentication failed for user 'alice' on account 'standin'");
    expect(e.message).toContain("Incorrect username or password");
    expect(e.message).not.toContain("wrong-password-xyz");
    expect(e.message).toContain("***");
    expect(e.message).not.toContain("\n");
    expect(e.hint).toContain("password");
  });

  test("key-pair login: encrypted PEM on disk relative to the project, JWT verified by the stand-in", async () => {
    writeFileSync(
      join(root, "rsa_key.p8"),
      keys.privateKey.export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase: "pp-secret",
      }),
    );
    const a = make({
      user: "robot",
      password: undefined,
      private_key_path: "rsa_key.p8",
      private_key_passphrase: "pp-secret",
    });
    await a.connect();
    expect(sf.logins.at(-1)!.AUTHENTICATOR).toBe("SNOWFLAKE_JWT");
    // A key the service does not know is refused.
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    const b = make({ user: "robot", password: undefined, private_key: other.toString() });
    expect((await failure(b.connect())).message).toStartWith(
      "Snowflake authentication failed for user 'robot'",
    );
  });

  test("OAuth token login, and a bad token redacted from the error", async () => {
    await make({ user: undefined, password: undefined, token: "oauth-token-123456" }).connect();
    expect(sf.logins.at(-1)!.AUTHENTICATOR).toBe("OAUTH");
    const e = await failure(
      make({ user: undefined, password: undefined, token: "leaked-token-987654" }).connect(),
    );
    expect(e.message).toContain("authentication failed");
    expect(e.message).not.toContain("leaked-token-987654");
  });

  test("service errors map to one line each: not found, permission, warehouse", async () => {
    const a = make();
    sf.onQuery = () => ({
      error: {
        code: "002003",
        sqlState: "42S02",
        message: "SQL compilation error:\nObject 'ANALYTICS.MARTS.NOPE' does not exist or not authorized.",
      },
    });
    let e = await failure(a.query("SELECT * FROM analytics.marts.nope"));
    expect(e.message).toBe(
      "Snowflake object not found 'analytics.marts.nope': SQL compilation error: Object 'ANALYTICS.MARTS.NOPE' does not exist or not authorized.",
    );
    sf.onQuery = () => ({
      error: {
        code: "003001",
        sqlState: "42501",
        message: "SQL access control error:\nInsufficient privileges to operate on schema 'MARTS'",
      },
    });
    e = await failure(a.execute("CREATE TABLE marts.x (i INT)"));
    expect(e.message).toStartWith(
      "Snowflake permission denied: SQL access control error: Insufficient privileges",
    );
    sf.onQuery = () => ({
      error: {
        code: "000606",
        sqlState: "57P03",
        message: "No active warehouse selected in the current session.",
      },
    });
    e = await failure(a.query("SELECT 1"));
    expect(e.message).toStartWith("Snowflake warehouse 'TRANSFORMING' is suspended or not available");
  });

  test("a transient 503 at login is retried with backoff; persistent 503s give up after the bound", async () => {
    sf.failNext("/session/v1/login-request", 503, 2);
    const before = sf.logins.length;
    await make().connect();
    expect(sf.logins.length).toBe(before + 1);

    sf.failNext("/session/v1/login-request", 503, 10);
    const e = await failure(make({ retries: 1 }).connect());
    expect(e.message).toBe("Snowflake request failed with HTTP 503 (retries exhausted)");
    // Two attempts (retries = 1) consumed two of the ten faults: the bound held.
    expect(sf.clearFaults()).toBe(8);
  });

  test("a 503 on a statement is retried (by the SDK, same requestId) and the statement succeeds", async () => {
    const a = make();
    await a.connect();
    sf.onQuery = () => ({ columns: [{ name: "X", type: "fixed" }], rows: [["7"]] });
    sf.failNext("/queries/v1/query-request", 503, 1);
    expect((await a.query("SELECT 7")).rows).toEqual([[7n]]);
  });

  test("transaction runs on its own session and commits; a failure rolls back", async () => {
    const a = make();
    await a.connect();
    const main = sf.statements.at(-1)!.session;
    await a.transaction(async () => {
      await a.execute("DELETE FROM t");
      await a.execute("INSERT INTO t SELECT 1");
    });
    const txn = sf.statements.slice(-4);
    expect(txn.map((s) => s.sql)).toEqual(["BEGIN", "DELETE FROM t", "INSERT INTO t SELECT 1", "COMMIT"]);
    expect(new Set(txn.map((s) => s.session)).size).toBe(1);
    expect(txn[0]!.session).not.toBe(main);

    sf.onQuery = (sql) =>
      sql === "BAD"
        ? { error: { code: "001003", message: "SQL compilation error: syntax error" } }
        : { columns: [], rows: [] };
    const e = await failure(a.transaction(() => a.execute("BAD")));
    expect(e.message).toContain("syntax error");
    expect(sf.statements.at(-1)!.sql).toBe("ROLLBACK");
    // The caller's own error comes back unchanged.
    const mine = new Error("rollback on purpose");
    await expect(a.transaction(() => Promise.reject(mine))).rejects.toBe(mine);
    expect(sf.statements.at(-1)!.sql).toBe("ROLLBACK");
  });

  test("cancel aborts the statement in flight", async () => {
    const a = make();
    await a.connect();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    sf.onQuery = () => {
      started();
      return new Promise(() => {}); // never finishes on its own
    };
    const q = a.query("SELECT SYSTEM$WAIT(3600)");
    await running;
    await a.cancel();
    const e = await failure(q);
    expect(e.message).toBe("Snowflake statement cancelled");
    expect(sf.aborted.length).toBeGreaterThan(0);
  });

  test("close ends the session on the service", async () => {
    const a = make();
    await a.connect();
    const before = sf.sessionsClosed;
    await a.close();
    expect(sf.sessionsClosed).toBe(before + 1);
  });

  test("loaded by type through the plugin loader; config errors name the key", async () => {
    const a = await createAdapter(
      { type: "snowflake", account: "standin", user: "alice", password: PASSWORD, access_url: sf.url },
      { projectRoot: root, name: "default" },
    );
    expect(a.type).toBe("snowflake");
    await a.close();
    await expect(
      createAdapter(
        { type: "snowflake", account: "standin", user: "alice" },
        { projectRoot: root, name: "default" },
      ),
    ).rejects.toThrow(/password, private_key_path/);
    await expect(
      createAdapter(
        { type: "snowflake", account: "x", user: "u", password: "p", pasword: "typo" },
        { projectRoot: root, name: "default" },
      ),
    ).rejects.toThrow(/pasword/);
  });
});

describe("snowflake adapter: long statements (answered 'in progress', then polled)", () => {
  const slow = new SnowflakeStandin({ users: { ALICE: { password: PASSWORD } }, inProgressAfterMs: 30 });
  beforeAll(() => slow.start());
  afterAll(() => slow.stop());

  function makeSlow(): SnowflakeAdapter {
    const config = v.parse(plugin.configSchema, {
      account: "standin",
      user: "alice",
      password: PASSWORD,
      access_url: slow.url,
    });
    const a = plugin.create(config, { projectRoot: root, name: "default" }) as SnowflakeAdapter;
    open.push(a);
    return a;
  }

  test("the SDK polls the result URL until the statement finishes", async () => {
    slow.onQuery = async () => {
      await Bun.sleep(150);
      return { columns: [{ name: "N", type: "fixed" }], rows: [["42"]] };
    };
    const a = makeSlow();
    const polls = slow.resultPolls;
    expect((await a.query("SELECT 42")).rows).toEqual([[42n]]);
    expect(slow.resultPolls).toBeGreaterThan(polls);
  });

  test("cancel of a statement in progress aborts it on the service", async () => {
    const a = makeSlow();
    await a.connect();
    slow.onQuery = () => new Promise(() => {});
    const polls = slow.resultPolls;
    const q = a.query("SELECT SYSTEM$WAIT(3600)");
    for (let i = 0; slow.resultPolls === polls; i++) {
      if (i > 200) throw new Error("statement never went in progress");
      await Bun.sleep(10);
    }
    await a.cancel();
    expect((await failure(q)).message).toBe("Snowflake statement cancelled");
    // snowflake-sdk 3.3 aborts by requestId (/queries/v1/abort-request) even once it has a query id.
    expect(slow.aborted.length).toBe(1);
  });
});
