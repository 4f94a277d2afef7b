/**
 * The BigQuery adapter through the real @google-cloud/bigquery SDK against the
 * loopback stand-in (test/standins/bigquery.ts): SDK wiring, auth header, job
 * polling, raw row decoding, error mapping and retries. See the stand-in's
 * header for what it does not model.
 */
import { planStatements } from "../../src/run/strategies.ts";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import * as v from "valibot";
import { BigQueryAdapter } from "../../adapters/bigquery/adapter.ts";
import { BigQueryConfigSchema } from "../../adapters/bigquery/config.ts";
import { RockyError } from "../../src/errors.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";

let standin: BigQueryStandin;
const open: BigQueryAdapter[] = [];

function make(extra: Record<string, unknown> = {}): BigQueryAdapter {
  const config = v.parse(BigQueryConfigSchema, {
    project_id: standin.project,
    dataset: "analytics",
    access_token: standin.token,
    api_endpoint: standin.url,
    retry_initial_ms: 5,
    ...extra,
  });
  const a = new BigQueryAdapter(config, { projectRoot: "/tmp", name: "default" });
  open.push(a);
  return a;
}

beforeAll(() => {
  standin = BigQueryStandin.start({ pageSize: 2, pendingPolls: 1 });
  standin.seedTable(
    "raw",
    "orders",
    [
      ["order_id", "INT64"],
      ["amount", "FLOAT64"],
      ["status", "STRING"],
      ["paid", "BOOL"],
      ["ordered_at", "TIMESTAMP"],
      ["price", "NUMERIC"],
    ],
    [
      [1, 9.5, "paid", 1, "2026-04-20T10:00:00.000Z", "10.25"],
      [2, 20, "open", 0, "2026-04-21T11:30:00.000Z", "3"],
      [3, null, "it's", null, null, null],
    ],
  );
});
afterAll(() => standin.stop());
afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

describe("bigquery adapter against the stand-in", () => {
  test("connect sends the access token and runs a probe job", async () => {
    const a = make();
    await a.connect();
    const insert = standin.requests.find((r) => r.method === "POST" && r.path.endsWith("/jobs"));
    expect(insert?.path).toBe(`/projects/${standin.project}/jobs`);
    const body = insert?.body as {
      jobReference: { jobId: string };
      configuration: { query: { query: string } };
    };
    expect(body.configuration.query.query).toBe("SELECT 1");
    expect(body.jobReference.jobId).toMatch(/^rocky_[0-9a-f]{32}$/);
  });

  test("query decodes typed rows across pages and polls until the job completes", async () => {
    const a = make();
    await a.connect();
    const before = standin.requests.length;
    const r = await a.query(
      "SELECT order_id, amount, status, paid, ordered_at, price FROM `test-project`.`raw`.`orders` ORDER BY order_id",
    );
    expect(r.columns).toEqual([
      { name: "order_id", type: "INT64", nullable: true },
      { name: "amount", type: "FLOAT64", nullable: true },
      { name: "status", type: "STRING", nullable: true },
      { name: "paid", type: "BOOL", nullable: true },
      { name: "ordered_at", type: "TIMESTAMP", nullable: true },
      { name: "price", type: "NUMERIC", nullable: true },
    ]);
    expect(r.rows).toEqual([
      [1n, 9.5, "paid", true, "2026-04-20T10:00:00.000000Z", "10.25"],
      [2n, 20, "open", false, "2026-04-21T11:30:00.000000Z", "3"],
      [3n, null, "it's", null, null, null],
    ]);
    // pageSize 2 → a second page; pendingPolls 1 → one jobComplete:false poll first.
    const reads = standin.requests.slice(before).filter((x) => x.path.includes("/queries/"));
    expect(reads.length).toBe(3);
  });

  test("execute reports rows affected; DDL and datasets work through the API", async () => {
    const a = make();
    await a.connect();
    await a.createSchema(undefined, "analytics");
    await a.createSchema(undefined, "analytics"); // 409 from datasets.insert is "already there"
    await a.execute(
      planStatements(
        a.dialect,
        { schema: "analytics", table: "fix-price" },
        "SELECT order_id, status FROM `raw`.`orders`",
        { type: "full_refresh" },
      )[0]!,
    );
    const del = await a.execute("DELETE FROM `test-project`.`analytics`.`fix-price` WHERE order_id > 1");
    expect(del.rowsAffected).toBe(2);
    expect(await a.tableExists({ schema: "analytics", table: "fix-price" })).toBe(true);
    expect(await a.tableExists({ schema: "analytics", table: "nope" })).toBe(false);
    expect(await a.describeTable({ schema: "analytics", table: "fix-price" })).toEqual([
      { name: "order_id", type: "INT64", nullable: true },
      { name: "status", type: "STRING", nullable: true },
    ]);
    expect(await a.listTables(undefined, "analytics")).toEqual(["fix-price"]);
    // Bytes processed come from the job when the service reports them.
    expect((await a.execute("SELECT status FROM `raw`.`orders`")).bytesWritten).toBe("paidopenit's".length);
    await a.execute("CREATE OR REPLACE VIEW `analytics`.`v` AS SELECT 1 AS one");
    expect(await a.objectKind({ schema: "analytics", table: "v" })).toBe("view");
    expect(await a.objectKind({ schema: "analytics", table: "fix-price" })).toBe("table");
    expect(await a.objectKind({ schema: "analytics", table: "nope" })).toBeUndefined();
    expect(await a.listTables(undefined, "no_such_dataset")).toEqual([]);
    await a.dropSchema(undefined, "analytics");
    expect(standin.datasets.has("analytics")).toBe(false);
    await a.dropSchema(undefined, "analytics"); // 404 is "already gone"
  });

  test("a missing table is one clear not-found error", async () => {
    const a = make();
    await a.connect();
    const err = await a.query("SELECT * FROM `test-project`.`raw`.`missing`").catch((e) => e);
    expect(err).toBeInstanceOf(RockyError);
    expect(err.message).toBe(
      "BigQuery: not found while running a query: Not found: Table test-project:raw.missing was not found in location US",
    );
    expect(err.message).not.toContain("\n");
  });

  const inserts = () => standin.requests.filter((x) => x.method === "POST" && /\/jobs$/.test(x.path)).length;

  test("503 on jobs.insert is retried", async () => {
    const a = make();
    await a.connect();
    const before = inserts();
    standin.failNext(/^POST \/projects\/[^/]+\/jobs$/, 503, "backendError", 2);
    const r = await a.query("SELECT 42 AS answer");
    expect(r.rows).toEqual([[42n]]);
    expect(inserts() - before).toBe(3);
  });

  test("a lost jobs.insert response is not run twice: the retry adopts the job (409)", async () => {
    const a = make();
    await a.connect();
    await a.createSchema(undefined, "once");
    await a.execute("CREATE OR REPLACE TABLE `once`.`t` AS SELECT 1 AS n");
    standin.failNext(/^POST \/projects\/[^/]+\/jobs$/, 503, "backendError", 1, true);
    await a.execute("INSERT INTO `once`.`t` (n) VALUES (2)");
    expect((await a.query("SELECT COUNT(*) AS c FROM `once`.`t`")).rows).toEqual([[2n]]);
  });

  test("retries are bounded", async () => {
    const a = make({ max_retries: 2 });
    await a.connect();
    standin.failNext(/^POST \/projects\/[^/]+\/jobs$/, 503, "backendError", 5);
    const err = await a.execute("SELECT 1").catch((e) => e);
    expect(err.message).toBe(
      "BigQuery error while executing a statement (HTTP 503, backendError): injected 503 backendError",
    );
    standin.clearFaults();
  });

  test("a wrong token is an authentication error", async () => {
    const a = make({ access_token: "wrong-token-0123456789" });
    const err = await a.connect().catch((e) => e);
    expect(err).toBeInstanceOf(RockyError);
    expect(err.message).toStartWith("BigQuery authentication failed:");
    expect(err.hint).toContain("access_token");
  });

  test("another project is permission denied", async () => {
    const a = make();
    await a.connect();
    const err = await a
      .describeTable({ catalog: "other-project", schema: "raw", table: "orders" })
      .catch((e) => e);
    expect(err.message).toStartWith("BigQuery permission denied while describing");
  });

  test("fingerprint: same rows in another order agree, other content differs", async () => {
    const a = make();
    await a.connect();
    await a.createSchema(undefined, "fp");
    await a.execute(
      "CREATE OR REPLACE TABLE `fp`.`a` AS SELECT order_id, status FROM `raw`.`orders` ORDER BY order_id",
    );
    await a.execute(
      "CREATE OR REPLACE TABLE `fp`.`b` AS SELECT order_id, status FROM `raw`.`orders` ORDER BY order_id DESC",
    );
    await a.execute(
      "CREATE OR REPLACE TABLE `fp`.`c` AS SELECT order_id, status FROM `raw`.`orders` WHERE order_id < 3",
    );
    const fa = await a.fingerprint({ schema: "fp", table: "a" });
    expect(fa.rowCount).toBe(3);
    expect(fa.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await a.fingerprint({ schema: "fp", table: "b" })).toEqual(fa);
    expect((await a.fingerprint({ schema: "fp", table: "c" })).hash).not.toBe(fa.hash);
  });

  test("cancel() cancels the running job through jobs.cancel", async () => {
    const slow = BigQueryStandin.start({ pendingPolls: 1_000_000 });
    try {
      const config = v.parse(BigQueryConfigSchema, {
        project_id: slow.project,
        access_token: slow.token,
        api_endpoint: slow.url,
      });
      const a = new BigQueryAdapter(config, { projectRoot: "/tmp", name: "default" });
      open.push(a);
      // connect()'s probe would never finish either: cancel only what we start after it.
      const connecting = a.connect().catch((e: Error) => e);
      while (!slow.requests.some((r) => r.path.includes("/queries/"))) await Bun.sleep(5);
      await a.cancel();
      const err = await connecting;
      expect(err).toBeInstanceOf(RockyError);
      expect((err as Error).message).toMatch(/^BigQuery job cancelled while connecting/);
      const cancels = slow.requests.filter((r) => r.method === "POST" && r.path.endsWith("/cancel"));
      expect(cancels.length).toBe(1);
      expect(cancels[0]!.path).toMatch(/^\/projects\/test-project\/jobs\/rocky_[0-9a-f]{32}\/cancel$/);
    } finally {
      slow.stop();
    }
  });

  test("secrets in a service message are redacted end to end", async () => {
    const a = make();
    await a.connect();
    standin.failNext(/^POST /, 400, "invalid", 1, false, `bad request signed with ${standin.token}`);
    const err = await a.execute("SELECT 1").then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe(
      "BigQuery rejected the SQL while executing a statement: bad request signed with ***",
    );
  });

  test("the SDK's own jobs.query fast path decodes the stand-in's rows", async () => {
    // Not the adapter's path (it uses jobs.insert + getQueryResults): this keeps the
    // stand-in's jobs.query honest against the SDK's own row parser.
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: standin.token });
    const bq = new BigQuery({
      projectId: standin.project,
      apiEndpoint: standin.url,
      authClient: auth,
      autoRetry: false,
    });
    const [rows] = await bq.query(
      "SELECT order_id, status FROM `raw`.`orders` WHERE order_id < 3 ORDER BY order_id",
    );
    expect(rows).toEqual([
      { order_id: 1, status: "paid" },
      { order_id: 2, status: "open" },
    ]);
    expect(
      standin.requests.some((r) => r.method === "POST" && r.path === `/projects/${standin.project}/queries`),
    ).toBe(true);
  });
});
