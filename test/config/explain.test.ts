/** Config errors that say what to write: did-you-mean, dbt's `materialized`, a strategy's missing key. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { strategyExample } from "../../src/config/explain.ts";
import { RockyError } from "../../src/errors.ts";
import { loadProject } from "../../src/project/load.ts";
import { rocky, tempDir } from "../helpers/cli.ts";

const TOML = '[project]\nname = "t"\n\n[adapter]\ntype = "duckdb"\n\n[state]\npath = "s.db"\n';

function project(toml: string, sidecar?: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, "rocky.toml"), toml);
  mkdirSync(join(dir, "models"));
  writeFileSync(join(dir, "models", "orders.sql"), "SELECT 1 AS id\n");
  if (sidecar !== undefined) writeFileSync(join(dir, "models", "orders.toml"), sidecar);
  return dir;
}

async function failure(toml: string, sidecar?: string): Promise<RockyError> {
  const dir = project(toml, sidecar);
  try {
    await loadProject(await loadConfig(join(dir, "rocky.toml")));
  } catch (e) {
    expect(e).toBeInstanceOf(RockyError);
    expect((e as RockyError).code).toBe("config_invalid");
    return e as RockyError;
  }
  throw new Error("expected the project to be refused");
}

describe("config errors say what to write", () => {
  test("[stat]: did you mean [state], with the line", async () => {
    const e = await failure(TOML.replace("[state]", "[stat]"));
    expect(e.message).toMatch(/rocky\.toml:7: stat: unknown key \(did you mean 'state'\?\)$/);
  });

  test('typ = "duckdb" under [adapter]: did you mean type', async () => {
    const e = await failure(TOML.replace('type = "duckdb"', 'typ = "duckdb"'));
    expect(e.message).toContain("[adapter] has no 'type' key (did you mean 'type' instead of 'typ'?)");
    expect(e.hint).toContain('type = "duckdb"');
  });

  test("a typo in a nested key: the closest known key", async () => {
    const e = await failure(TOML.replace('path = "s.db"', 'paht = "s.db"'));
    expect(e.message).toMatch(/rocky\.toml:8: state\.paht: unknown key \(did you mean 'path'\?\)/);
  });

  test("materialized = … in a sidecar: rocky uses [strategy] type = …, with the block to write", async () => {
    const e = await failure(TOML, 'materialized = "table"\n');
    expect(e.message).toMatch(
      /orders\.toml:1: materialized: unknown key: rocky uses \[strategy\] type = "full_refresh" \| "view" \| "incremental"/,
    );
    expect(e.hint).toBe('write instead:\n[strategy]\ntype = "full_refresh"');
    const inc = await failure(TOML, 'materialized = "incremental"\n');
    expect(inc.hint).toBe(
      'write instead:\n[strategy]\ntype = "incremental"\ntimestamp_column = "updated_at"',
    );
  });

  test("a strategy without its key says which key and shows an example", async () => {
    const e = await failure(TOML, '[strategy]\ntype = "merge"\n');
    expect(e.message).toMatch(/orders\.toml:1: strategy\.unique_key: missing key 'unique_key'$/);
    expect(e.hint).toBe(
      'the merge strategy needs unique_key, e.g.:\n[strategy]\ntype = "merge"\nunique_key = ["order_id"]',
    );
  });

  test("a misspelt strategy key is reported once, as the missing key it stands for", async () => {
    const e = await failure(TOML, '[strategy]\ntype = "incremental"\ntimestamp_col = "at"\n');
    expect(e.message).toMatch(
      /orders\.toml:3: strategy\.timestamp_column: missing key 'timestamp_column' \(did you mean 'timestamp_column' instead of 'timestamp_col'\?\)$/,
    );
    expect(e.message).not.toContain("unknown key");
  });

  test("an unknown strategy type: the closest one and its example", async () => {
    const e = await failure(TOML, '[strategy]\ntype = "delete_insrt"\n');
    expect(e.message).toContain("did you mean 'delete_insert'?");
    expect(e.hint).toContain(strategyExample("delete_insert"));
  });

  test("rocky validate shows the hint under the problem", () => {
    const dir = project(TOML, '[strategy]\ntype = "delete_insert"\n');
    const r = rocky(["validate", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("strategy.partition_by: missing key 'partition_by'");
    expect(r.stdout).toContain(
      "hint: the delete_insert strategy needs partition_by, e.g.:\n        [strategy]",
    );
  });
});
