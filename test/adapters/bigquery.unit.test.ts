/** BigQuery adapter pieces without the network: config and auth options, error mapping, value decoding. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { BigQueryAdapter } from "../../adapters/bigquery/adapter.ts";
import { BigQueryConfigSchema } from "../../adapters/bigquery/config.ts";
import { isTransient, mapError } from "../../adapters/bigquery/errors.ts";
import { columnsOf, decodeRows, microsToIso } from "../../adapters/bigquery/values.ts";
import { tempDir } from "../helpers/cli.ts";

const KEY = {
  type: "service_account",
  project_id: "acme",
  private_key_id: "abcdef0123456789",
  private_key:
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
  client_email: "rocky@acme.iam.gserviceaccount.com",
};

const make = (cfg: Record<string, unknown>, root = "/tmp") =>
  new BigQueryAdapter(v.parse(BigQueryConfigSchema, { project_id: "acme", ...cfg }), {
    projectRoot: root,
    name: "default",
  });

describe("config and auth", () => {
  test("defaults and validation", () => {
    const c = v.parse(BigQueryConfigSchema, { project_id: "acme" });
    expect(c.dataset).toBe("rocky");
    expect(c.max_retries).toBe(3);
    expect(v.safeParse(BigQueryConfigSchema, { project_id: "acme", dataset: "bad-name" }).success).toBe(
      false,
    );
    expect(v.safeParse(BigQueryConfigSchema, { project_id: "acme", projct: "typo" }).success).toBe(false);
    expect(v.safeParse(BigQueryConfigSchema, {}).success).toBe(false);
  });

  test("keyFilename is resolved against the project root", () => {
    const root = tempDir();
    writeFileSync(join(root, "key.json"), JSON.stringify(KEY));
    const opts = make({ keyFilename: "key.json", location: "EU" }, root).sdkOptions();
    expect(opts.keyFilename).toBe(join(root, "key.json"));
    expect(opts.location).toBe("EU");
    expect(opts.projectId).toBe("acme");
    expect(opts.autoRetry).toBe(false);
  });

  test("credentials JSON from an environment variable is parsed; bad JSON is not echoed", () => {
    const opts = make({ credentials: JSON.stringify(KEY) }).sdkOptions();
    expect(opts.credentials).toEqual(KEY);
    const err = (() => {
      try {
        make({ credentials: '{"private_key": "SECRETSECRET' }).sdkOptions();
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toBe("[adapter] bigquery: 'credentials' is not a service-account JSON object");
    expect(err?.message).not.toContain("SECRETSECRET");
  });

  test("an access token becomes an OAuth2 client", () => {
    const opts = make({ access_token: "ya29.token-value" }).sdkOptions();
    expect(opts.authClient?.credentials.access_token).toBe("ya29.token-value");
  });

  test("only one auth method", () => {
    expect(() => make({ access_token: "x", credentials: "{}" }).sdkOptions()).toThrow("give only one of");
  });
});

describe("error mapping", () => {
  const apiErr = (code: number, reason: string, message: string) =>
    Object.assign(new Error(message), { code, errors: [{ reason, message }] });

  test("secrets are redacted from service messages", () => {
    const e = mapError(
      apiErr(400, "invalidQuery", "bad token ya29.secret-token-123 in request"),
      "running a query",
      ["ya29.secret-token-123"],
    );
    expect(e.message).toBe("BigQuery rejected the SQL while running a query: bad token *** in request");
  });

  test("each kind gets its own clear line", () => {
    expect(mapError(apiErr(401, "unauthorized", "Invalid Credentials"), "connecting", []).message).toBe(
      "BigQuery authentication failed: Invalid Credentials",
    );
    expect(
      mapError(apiErr(403, "accessDenied", "Access Denied: Table x"), "running a query", []).message,
    ).toBe("BigQuery permission denied while running a query: Access Denied: Table x");
    expect(
      mapError(apiErr(403, "quotaExceeded", "Quota exceeded"), "running a query", []).message,
    ).toStartWith("BigQuery quota exceeded");
    expect(mapError(apiErr(404, "notFound", "Not found: Dataset p:d"), "listing", []).message).toBe(
      "BigQuery: not found while listing: Not found: Dataset p:d",
    );
    expect(
      mapError(new Error("Could not load the default credentials. Browse to ..."), "connecting", []).message,
    ).toStartWith("BigQuery authentication failed");
    const multi = mapError(apiErr(500, "backendError", "line one\nline two"), "x", []);
    expect(multi.message).toBe("BigQuery error while x (HTTP 500, backendError): line one");
  });

  test("what is transient", () => {
    expect(isTransient(apiErr(503, "backendError", "x"))).toBe(true);
    expect(isTransient(apiErr(429, "rateLimitExceeded", "x"))).toBe(true);
    expect(isTransient(apiErr(403, "rateLimitExceeded", "x"))).toBe(true);
    expect(isTransient(apiErr(403, "quotaExceeded", "x"))).toBe(false);
    expect(isTransient(apiErr(400, "invalidQuery", "x"))).toBe(false);
    expect(isTransient(apiErr(404, "notFound", "x"))).toBe(false);
    expect(isTransient(new Error("socket hang up"))).toBe(true);
  });
});

describe("value decoding", () => {
  test("timestamps in int64 micros keep microseconds, before and after the epoch", () => {
    expect(microsToIso("1776679200123456")).toBe("2026-04-20T10:00:00.123456Z");
    expect(microsToIso("-1")).toBe("1969-12-31T23:59:59.999999Z");
    expect(microsToIso("0")).toBe("1970-01-01T00:00:00.000000Z");
  });

  test("structs, arrays and legacy type names", () => {
    const fields = [
      { name: "id", type: "INTEGER", mode: "REQUIRED" },
      { name: "tags", type: "STRING", mode: "REPEATED" },
      {
        name: "addr",
        type: "RECORD",
        fields: [
          { name: "city", type: "STRING" },
          { name: "zip", type: "INTEGER" },
        ],
      },
      { name: "big", type: "BIGNUMERIC" },
      { name: "f", type: "FLOAT" },
    ];
    expect(columnsOf(fields)).toEqual([
      { name: "id", type: "INT64", nullable: false },
      { name: "tags", type: "ARRAY<STRING>", nullable: false },
      { name: "addr", type: "STRUCT<city STRING, zip INT64>", nullable: true },
      { name: "big", type: "BIGNUMERIC", nullable: true },
      { name: "f", type: "FLOAT64", nullable: true },
    ]);
    const rows = decodeRows(fields, [
      {
        f: [
          { v: "9007199254740993" },
          { v: [{ v: "a" }, { v: "b" }] },
          { v: { f: [{ v: "Oslo" }, { v: "150" }] } },
          { v: "1.000000000000000000000000000000000001" },
          { v: "NaN" },
        ],
      },
      { f: [{ v: "1" }, { v: [] }, { v: null }, { v: null }, { v: "-Infinity" }] },
    ]);
    expect(rows[0]).toEqual([
      9007199254740993n,
      ["a", "b"],
      { city: "Oslo", zip: 150n },
      "1.000000000000000000000000000000000001",
      Number.NaN,
    ]);
    expect(rows[1]).toEqual([1n, [], null, null, Number.NEGATIVE_INFINITY]);
  });
});
