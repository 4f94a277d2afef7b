import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expandEnv, redact } from "../../src/config/env.ts";
import { findConfig, loadConfig } from "../../src/config/load.ts";
import { RockyError } from "../../src/errors.ts";
import { tempDir } from "../helpers/cli.ts";

function project(toml: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, "rocky.toml"), toml);
  return join(dir, "rocky.toml");
}

async function loadError(toml: string): Promise<string> {
  try {
    await loadConfig(project(toml));
  } catch (e) {
    expect(e).toBeInstanceOf(RockyError);
    return (e as Error).message;
  }
  throw new Error("expected loadConfig to fail");
}

describe("env expansion", () => {
  test("expands ${VAR} and ${VAR:-default}, leaves comment lines alone", () => {
    const out = expandEnv('a = "${A}"\nb = "${B:-fallback}"\n# c = "${MISSING}"', "f", { A: "x" });
    expect(out).toBe('a = "x"\nb = "fallback"\n# c = "${MISSING}"');
  });
  test("an empty variable takes the default", () => {
    expect(expandEnv('b = "${B:-d}"', "f", { B: "" })).toBe('b = "d"');
  });
  test("a missing variable names it, the file and line, and suggests a default", () => {
    try {
      expandEnv('a = 1\ntoken = "${DATABRICKS_TOKEN}"', "rocky.toml", {});
      throw new Error("no error");
    } catch (e) {
      expect((e as Error).message).toBe(
        "environment variable 'DATABRICKS_TOKEN' is not set (referenced in rocky.toml:2)",
      );
      expect((e as RockyError).hint).toContain("${DATABRICKS_TOKEN:-value}");
    }
  });
  test("values with quotes cannot break the TOML string", () => {
    expect(Bun.TOML.parse(expandEnv('p = "${P}"', "f", { P: 'a"b\\c' }))).toEqual({ p: 'a"b\\c' });
  });
  test("redact hides secret values only", () => {
    expect(redact({ type: "snowflake", password: "hunter2", nested: { token: "t", host: "h" } })).toEqual({
      type: "snowflake",
      password: "***",
      nested: { token: "***", host: "h" },
    });
  });
});

describe("rocky.toml", () => {
  test("a bare [adapter] is the default adapter; state path is relative to rocky.toml", async () => {
    const file = project('[adapter]\ntype = "duckdb"\npath = "x.duckdb"\n[state]\npath = "state/s.db"\n');
    const c = await loadConfig(file);
    expect([...c.adapters.keys()]).toEqual(["default"]);
    expect(c.adapters.get("default")).toEqual({ type: "duckdb", path: "x.duckdb" });
    expect(c.statePath).toBe(join(c.root, "state", "s.db"));
  });
  test("default state path sits beside rocky.toml, not in the current folder", async () => {
    const c = await loadConfig(project('[adapter]\ntype = "duckdb"\n'));
    expect(c.statePath).toBe(join(c.root, ".rocky-state.db"));
  });
  test("named adapters and sources with one to three parts", async () => {
    const c = await loadConfig(
      project(
        '[adapter.prod]\ntype = "snowflake"\n[adapter.local]\ntype = "duckdb"\n' +
          '[sources.raw.orders]\ncolumns = ["id", { name = "amount", type = "DECIMAL(10,2)" }]\n' +
          '[sources.lake.raw.events]\ncolumns = ["event_id"]\n',
      ),
    );
    expect([...c.adapters.keys()].sort()).toEqual(["local", "prod"]);
    expect(c.sources.get("raw.orders")?.columns).toEqual([
      { name: "id" },
      { name: "amount", type: "DECIMAL(10,2)" },
    ]);
    expect(c.sources.get("lake.raw.events")?.columns).toEqual([{ name: "event_id" }]);
  });
  test("an unknown key names the file and key path", async () => {
    const msg = await loadError('[adapter]\ntype = "duckdb"\n[state]\npaht = "x"\n');
    expect(msg).toContain("rocky.toml");
    expect(msg).toContain("state.paht");
  });
  test("a wrong type names the key path and what was expected", async () => {
    const msg = await loadError("[adapter]\ntype = 3\n");
    expect(msg).toContain("adapter.type");
    expect(msg).toContain('expected a string such as "duckdb"');
  });
  test("a TOML syntax error gives line and column", async () => {
    const msg = await loadError('[adapter]\ntype = "duckdb"\npath = = "x"\n');
    expect(msg).toMatch(/invalid TOML syntax in .*rocky\.toml:3:\d+/);
  });
  // Past 256 KiB another parser reads the file (Bun's is quadratic in the number of tables).
  const manySources = (n: number) =>
    `[adapter]\ntype = "duckdb"\n\n${Array.from({ length: n }, (_, i) => `[sources.raw.src_${i}]\ncolumns = ["id", "amount_${i}"]\n`).join("\n")}`;
  test("a large rocky.toml (thousands of sources) loads every source and its columns", async () => {
    const toml = manySources(6000);
    expect(toml.length).toBeGreaterThan(256 * 1024);
    const config = await loadConfig(project(toml));
    expect(config.sources.size).toBe(6000);
    expect(config.sources.get("raw.src_5999")!.columns.map((c) => c.name)).toEqual(["id", "amount_5999"]);
    expect(config.adapters.get("default")?.type).toBe("duckdb");
  });
  test("a TOML syntax error in a large rocky.toml gives line and column", async () => {
    const msg = await loadError(`${manySources(6000)}\n[broken\n`);
    expect(msg).toMatch(/invalid TOML syntax in .*rocky\.toml:\d+:\d+/);
  });
  test("a source entry with a bad column list is named", async () => {
    const msg = await loadError('[sources.raw.orders]\ncolumns = [""]\n');
    expect(msg).toContain("sources.raw.orders.columns");
  });
  test("rocky.toml is found from a sub-folder", () => {
    const file = project("");
    const sub = join(file, "..", "models", "deep");
    mkdirSync(sub, { recursive: true });
    expect(findConfig(undefined, sub)).toBe(file);
  });
  test("no rocky.toml anywhere gives a hint to init or playground", () => {
    expect(() => findConfig(undefined, "/")).toThrow(/no rocky.toml found/);
  });
});
