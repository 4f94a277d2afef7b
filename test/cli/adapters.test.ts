/** `rocky adapters` and `rocky test-adapter` as a user runs them. */
import { describe, expect, test } from "bun:test";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky, rockyAsync, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";

function sqliteProject(): string {
  const root = tempDir();
  cpSync(join(REPO, "test", "fixtures", "sqlite-plugin"), root, { recursive: true });
  return root;
}

interface AdaptersJson {
  adapters: {
    type: string;
    source: string;
    available: boolean;
    configured_as: string[];
    capabilities: unknown;
    dialect: string | null;
  }[];
}
interface TestAdapterJson {
  adapter: string;
  adapter_type: string;
  success: boolean;
  passed: number;
  failed: number;
  skipped: number;
  checks: { name: string; status: string; message?: string }[];
}

describe("rocky adapters", () => {
  test("lists built-ins and the project's plugins with capabilities (JSON)", () => {
    const r = rocky(["adapters", "-o", "json"], { cwd: sqliteProject() });
    expect(r.code).toBe(0);
    const out = r.json<AdaptersJson>();
    expectOurSchema("adapters", out);
    const byType = Object.fromEntries(out.adapters.map((a) => [a.type, a]));
    expect(out.adapters.slice(0, 4).map((a) => a.type)).toEqual([
      "duckdb",
      "snowflake",
      "bigquery",
      "databricks",
    ]);
    expect(byType.sqlite).toMatchObject({
      source: "project",
      available: true,
      dialect: "sqlite",
      configured_as: ["default"],
      capabilities: { transactions: true, clone: false, fingerprint: true, default_threads: 1 },
    });
    // BigQuery needs a project id to be created: capabilities are not guessed.
    expect(byType.bigquery).toMatchObject({
      source: "builtin",
      available: true,
      dialect: "bigquery",
      capabilities: null,
    });
  });

  test("outside a project only the built-ins, as text", () => {
    const r = rocky(["adapters", "-o", "table"], { cwd: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("TYPE        SOURCE    CONFIGURED AS  CAPABILITIES\n");
    expect(r.stdout).toMatch(/^bigquery {4}built-in {2}- {14}\(configure it to see capabilities\)$/m);
    expect(r.stdout).toMatch(/^duckdb {6}built-in {2}- {14}transactions, fingerprint/m);
    expect(r.stdout).not.toContain("sqlite");
  });

  test("a plugin that does not load is listed as unavailable, with why", () => {
    const root = sqliteProject();
    writeFileSync(join(root, "adapters", "halfdone.ts"), "export default { type: 'halfdone' };");
    const out = rocky(["adapters", "-o", "json"], { cwd: root }).json<AdaptersJson>();
    const half = out.adapters.find((a) => a.type === "halfdone");
    expect(half).toMatchObject({ available: false, source: "project" });
    expect((half as { error?: string }).error).toContain("missing or wrong 'create(config, ctx)' (function)");
  });
});

describe("rocky test-adapter", () => {
  test("the SQLite project plugin passes the whole suite (JSON validated)", () => {
    const root = sqliteProject();
    const r = rocky(["test-adapter", "-o", "json"], { cwd: root });
    expect(r.code).toBe(0);
    const out = r.json<TestAdapterJson>();
    expectOurSchema("test_adapter", out);
    expect(out).toMatchObject({
      command: "test-adapter",
      adapter: "default",
      adapter_type: "sqlite",
      success: true,
      failed: 0,
      skipped: 0,
    });
    expect(out.passed).toBe(17);
  });

  test("text report and exit 1 when a check fails", () => {
    const root = sqliteProject();
    // A plugin whose query errors are raw, multi-line driver errors.
    writeFileSync(
      join(root, "adapters", "rawerr.ts"),
      `import sqlite from "./sqlite.ts";
export default (sdk) => {
  const p = sqlite(sdk);
  return { ...p, type: "rawerr", create(c, ctx) {
    const a = p.create(c, ctx);
    const query = a.query.bind(a);
    a.query = async (sql) => { try { return await query(sql); } catch { throw new Error("boom\\nsecond line"); } };
    return a;
  } };
};`,
    );
    writeFileSync(
      join(root, "rocky.toml"),
      '[adapter.good]\ntype = "sqlite"\n\n[adapter.bad]\ntype = "rawerr"\n',
    );
    const r = rocky(["test-adapter", "bad", "-o", "table"], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Adapter conformance: bad (sqlite)");
    expect(r.stdout).toMatch(/ {2}X error_mapping {4}FAILED: the error does not name the table: boom/);
    expect(r.stdout).toContain("Result: 16 passed, 1 failed, 0 skipped");
    expect(r.stderr).toContain("Error: 1 conformance check(s) failed");
  });

  test("an unknown adapter name is a clear error", () => {
    const root = sqliteProject();
    const r = rocky(["test-adapter", "defualt"], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: no adapter named 'defualt' in");
    expect(r.stderr).toContain("hint: did you mean 'default'?");
  });

  test("DuckDB passes the whole suite", () => {
    const root = tempDir();
    writeFileSync(join(root, "rocky.toml"), '[adapter]\ntype = "duckdb"\npath = "w.duckdb"\n');
    const r = rocky(["test-adapter", "-o", "json"], { cwd: root });
    const out = r.json<TestAdapterJson>();
    expect(out.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(r.code).toBe(0);
  });

  test("BigQuery through the CLI, the SDK and the stand-in", async () => {
    const standin = BigQueryStandin.start();
    try {
      const root = tempDir();
      writeFileSync(
        join(root, "rocky.toml"),
        `[adapter.bq]\ntype = "bigquery"\nproject_id = "${standin.project}"\naccess_token = "\${BQ_TOKEN}"\napi_endpoint = "${standin.url}"\n`,
      );
      // Async spawn (rockyAsync): the stand-in answers from this process's event loop.
      const { stdout, stderr, code } = await rockyAsync(["test-adapter", "bq", "-o", "json"], {
        cwd: root,
        env: { BQ_TOKEN: standin.token },
      });
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const out = JSON.parse(stdout) as TestAdapterJson;
      expectOurSchema("test_adapter", out);
      expect(out).toMatchObject({ adapter: "bq", adapter_type: "bigquery", failed: 0, skipped: 1 });
    } finally {
      standin.stop();
    }
  });
});
