/**
 * The conformance suite itself: a correct adapter passes every check, and each
 * kind of broken adapter fails the check that covers it (a suite that cannot
 * fail proves nothing).
 */
import { describe, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { BigQueryAdapter } from "../../adapters/bigquery/adapter.ts";
import { BigQueryConfigSchema } from "../../adapters/bigquery/config.ts";
import { type ConformanceReport, runConformance } from "../../src/adapter/conformance.ts";
import { createAdapter } from "../../src/adapter/loader.ts";
import type { Adapter, Dialect } from "../../src/adapter/types.ts";
import { REPO, tempDir } from "../helpers/cli.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";

const FIXTURE = join(REPO, "test", "fixtures", "sqlite-plugin");

async function sqlite(path = "w.sqlite"): Promise<Adapter> {
  const root = tempDir();
  cpSync(FIXTURE, root, { recursive: true });
  return createAdapter({ type: "sqlite", path }, { projectRoot: root, name: "default" });
}

/** The adapter with some members replaced; everything else delegates to it. */
function broken(base: Adapter, over: Partial<Record<keyof Adapter, unknown>>): Adapter {
  return Object.assign(Object.create(base) as Adapter, over);
}

const statusOf = (r: ConformanceReport) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));
const messageOf = (r: ConformanceReport, name: string) => r.checks.find((c) => c.name === name)?.message;

const ALL = [
  "connect",
  "query_types",
  "create_schema",
  "ctas",
  "describe_table",
  "table_exists",
  "view",
  "list_tables",
  "incremental",
  "merge",
  "delete_insert",
  "fingerprint",
  "clone",
  "transaction",
  "error_mapping",
  "drop_schema",
  "close",
];

describe("conformance suite", () => {
  test("the SQLite plugin passes every check, on a file and in memory", async () => {
    for (const path of ["w.sqlite", ":memory:"]) {
      const r = await runConformance(await sqlite(path), { suffix: "t1" });
      expect(r.checks.map((c) => c.name)).toEqual(ALL);
      expect(r.checks.filter((c) => c.status !== "pass")).toEqual([]);
      expect(r.schema).toBe("rocky_conformance_hotfix.2026-04-20_t1");
      // The clone passed through its fallback, and says so.
      expect(messageOf(r, "clone")).toContain("fallback copy");
    }
  });

  test("the BigQuery adapter passes against the stand-in (no transaction: skipped with the reason)", async () => {
    const standin = BigQueryStandin.start();
    try {
      const config = v.parse(BigQueryConfigSchema, {
        project_id: standin.project,
        access_token: standin.token,
        api_endpoint: standin.url,
      });
      const r = await runConformance(new BigQueryAdapter(config, { projectRoot: "/tmp", name: "default" }), {
        suffix: "bq",
      });
      expect(r.schema).toBe("rocky_conformance_hotfix_2026_04_20_bq"); // datasets: letters, digits, _
      expect(r.checks.filter((c) => c.status === "fail")).toEqual([]);
      expect(r.checks.filter((c) => c.status === "skip").map((c) => [c.name, c.message])).toEqual([
        ["transaction", "adapter has no transaction() (capabilities.transactions is false)"],
      ]);
      // It really ran: the scratch dataset was created and dropped through the API.
      expect(standin.requests.some((x) => x.method === "POST" && x.path.endsWith("/datasets"))).toBe(true);
      expect(standin.datasets.has(r.schema)).toBe(false);
    } finally {
      standin.stop();
    }
  });

  test("an order-dependent fingerprint fails 'fingerprint'", async () => {
    const base = await sqlite();
    const a = broken(base, {
      // `this` is the wrapper, which holds the connection after connect().
      async fingerprint(this: Adapter, ref: { schema: string; table: string }) {
        const r = await this.query(`SELECT * FROM ${this.dialect.qualify(ref)}`);
        return {
          rowCount: r.rows.length,
          hash: String(Bun.hash(JSON.stringify(r.rows, (_k, x) => (typeof x === "bigint" ? Number(x) : x)))),
        };
      },
    });
    const r = await runConformance(a);
    expect(statusOf(r).fingerprint).toBe("fail");
    expect(messageOf(r, "fingerprint")).toStartWith("same rows in another order hash differently");
    expect(r.failed).toBe(1);
  });

  test("a merge that only appends fails 'merge'", async () => {
    const base = await sqlite();
    const dialect: Dialect = Object.assign(Object.create(base.dialect) as Dialect, {
      merge: (t: never, select: string) => `INSERT INTO ${base.dialect.qualify(t)}\n${select}`,
    });
    const r = await runConformance(broken(base, { dialect }));
    expect(statusOf(r).merge).toBe("fail");
    expect(messageOf(r, "merge")).toStartWith('merged: expected [[1,"a",10],[2,"B",21]');
  });

  test("raw driver errors fail 'error_mapping'", async () => {
    const base = await sqlite();
    const query = base.query;
    const a = broken(base, {
      async query(this: Adapter, sql: string) {
        try {
          return await query.call(this, sql);
        } catch {
          throw new Error("SQLITE_ERROR\nsomething went wrong");
        }
      },
    });
    const r = await runConformance(a);
    expect(statusOf(r).error_mapping).toBe("fail");
    expect(messageOf(r, "error_mapping")).toBe("the error does not name the table: SQLITE_ERROR");
    expect(r.failed).toBe(1);
  });

  test("capabilities that lie fail; absent capabilities skip with the reason", async () => {
    const base = await sqlite();
    const lying = broken(base, { capabilities: { ...base.capabilities, clone: true } });
    const r1 = await runConformance(lying);
    expect(messageOf(r1, "clone")).toBe("capabilities.clone is true but cloneTable() is absent");
    const minimal = broken(await sqlite(), {
      fingerprint: undefined,
      transaction: undefined,
      capabilities: { transactions: false, clone: false, fingerprint: false, defaultThreads: 1 },
    });
    const r2 = await runConformance(minimal);
    expect(statusOf(r2)).toMatchObject({ fingerprint: "skip", transaction: "skip" });
    expect(messageOf(r2, "fingerprint")).toBe(
      "adapter has no fingerprint() (capabilities.fingerprint is false)",
    );
    expect(r2.failed).toBe(0);
  });

  test("metadata that lies fails describe/list checks", async () => {
    const base = await sqlite();
    const r = await runConformance(
      broken(base, { listTables: async () => [], describeTable: async () => undefined }),
    );
    expect(statusOf(r)).toMatchObject({ describe_table: "fail", list_tables: "fail", create_schema: "pass" });
    expect(messageOf(r, "list_tables")).toBe("'fix-price' missing from []");
  });

  test("a failed prerequisite fails its dependants with the reason, and the scratch schema is still dropped", async () => {
    const base = await sqlite();
    const dropped: string[] = [];
    const a = broken(base, {
      createSchema: async () => {
        throw new Error("permission denied to create schema");
      },
      dropSchema: async (_c: string | undefined, s: string) => {
        dropped.push(s);
      },
    });
    const r = await runConformance(a, { suffix: "x" });
    expect(statusOf(r)).toMatchObject({
      connect: "pass",
      create_schema: "fail",
      ctas: "fail",
      merge: "fail",
      close: "pass",
    });
    expect(messageOf(r, "ctas")).toBe("not run: 'create_schema' failed");
    expect(dropped).toEqual(["rocky_conformance_hotfix.2026-04-20_x"]);
  });
});
