/**
 * Random bytes in the middle of a state file: every command refuses it with the usual
 * clear error and exit 1, never a crash (Bun used to segfault, exit 139, on some of
 * them), and the file is left as it was.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finishRun, insertRun, recordModel, sqlHash } from "../../src/state/runs.ts";
import { openState } from "../../src/state/store.ts";
import { setWatermark } from "../../src/state/watermarks.ts";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { makeProject } from "../run/project.ts";

/** mulberry32: a small seeded PRNG, so every corruption is the same on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A healthy store: 40 runs of 6 models, their SQL and watermarks (about 30 pages). */
function healthyStore(): string {
  const path = join(tempDir(), "healthy.db");
  const s = openState(path, { write: true });
  for (let i = 0; i < 40; i++) {
    const started = new Date(Date.UTC(2026, 0, 1, 0, i));
    const id = insertRun(s, {
      trigger: "manual",
      startedAt: started,
      configHash: "c".repeat(64),
      scope: "production",
      rockyVersion: "t",
      adapterType: "duckdb",
    });
    for (let m = 0; m < 6; m++) {
      const statements = [`CREATE OR REPLACE TABLE main.m${m} AS SELECT ${i} AS x`];
      recordModel(
        s,
        {
          run_id: id,
          model_name: `m${m}`,
          seq: m,
          target: `"main"."m${m}"`,
          strategy: "full_refresh",
          status: "success",
          started_at: started.toISOString(),
          finished_at: started.toISOString(),
          duration_ms: 3,
          sql_hash: sqlHash(statements),
          rows_affected: 1,
          bytes_written: null,
          fingerprint_rows: 1,
          fingerprint_hash: "f".repeat(64),
          reads: [],
          error: null,
        },
        statements,
      );
      setWatermark(s, {
        tableKey: `main.m${m}_${i}`,
        model: `m${m}`,
        column: "x",
        value: String(i),
        runId: id,
      });
    }
    finishRun(s, id, "success", started);
  }
  s.close();
  return path;
}

/** 4 kB of random bytes at a random offset in the middle half of the file. */
function corrupt(path: string, seed: number): void {
  const rand = prng(seed);
  const bytes = readFileSync(path);
  const at = Math.floor(bytes.length / 4 + rand() * (bytes.length / 2 - 4096));
  for (let i = 0; i < 4096; i++) bytes[at + i] = Math.floor(rand() * 256);
  writeFileSync(path, bytes);
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe("corrupt state files", () => {
  test("history, state and run refuse a damaged file with exit 1 and a clear message, never a crash", () => {
    const healthy = healthyStore();
    expect(statSync(healthy).size).toBeGreaterThan(64 * 1024);
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
    const state = join(dir, ".rocky-state.db");
    const seen: string[] = [];
    for (const seed of SEEDS) {
      copyFileSync(healthy, state);
      corrupt(state, seed);
      const before = readFileSync(state);
      for (const cmd of [["history"], ["state"], ["run"]]) {
        const r = rocky([...cmd, "-o", "json"], { cwd: dir });
        seen.push(`seed ${seed} ${cmd[0]}: exit ${r.code}`);
        expect({ seed, cmd: cmd[0], code: r.code }).toEqual({ seed, cmd: cmd[0], code: 1 });
        expect(r.stderr).toMatch(/^Error: state file .*\.rocky-state\.db is corrupt \(/m);
        expect(r.stderr).toContain("hint: restore it from a backup");
        expect(r.stderr).not.toContain("unexpected");
        expectJsonError(r, "state_corrupt", cmd[0]);
      }
      expect(readFileSync(state).equals(before)).toBe(true);
    }
    expect(seen).toHaveLength(SEEDS.length * 3);
  }, 120_000);
});
