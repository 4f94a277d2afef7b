#!/usr/bin/env bun
/**
 * Cost of the integrity check a state file gets on open (src/state/integrity.ts):
 * `PRAGMA quick_check` on a store of 10,000 runs and 100,000 model rows, warm cache,
 * median of 7, next to the opening of the store by a reader and by a writer.
 *
 *   bun scripts/bench-state-check.ts [--runs 10000] [--models-per-run 10]
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { READER_CHECK_MAX_BYTES } from "../src/state/integrity.ts";
import { openState } from "../src/state/store.ts";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const runs = arg("--runs", 10_000);
const perRun = arg("--models-per-run", 10);
const dir = mkdtempSync(join(tmpdir(), "rocky-bench-state-"));
const path = join(dir, "state.db");

const s = openState(path, { write: true });
s.transaction(() => {
  const run = s.db.query(
    `INSERT INTO runs(run_id, status, trigger, started_at, finished_at, config_hash, scope, rocky_version, adapter_type, pid, command)
     VALUES (?, 'success', 'manual', ?, ?, ?, 'production', '0.1.0', 'duckdb', 1, 'run')`,
  );
  const model = s.db.query(
    `INSERT INTO model_runs(run_id, model_name, seq, target, strategy, status, started_at, finished_at, duration_ms, sql_hash, rows_affected, reads)
     VALUES (?, ?, ?, ?, 'full_refresh', 'success', ?, ?, 12, ?, 1000, '[]')`,
  );
  for (let i = 0; i < runs; i++) {
    const id = `run-${String(i).padStart(12, "0")}`;
    const t = new Date(1_700_000_000_000 + i * 60_000).toISOString();
    run.run(id, t, t, "c".repeat(64));
    for (let j = 0; j < perRun; j++)
      model.run(id, `model_${j}`, j, `"main"."model_${j}"`, t, t, "a".repeat(64));
  }
});
s.close();

const median = (f: () => void): number => {
  const xs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  return xs.sort((a, b) => a - b)[3]!;
};
const db = new Database(path, { readonly: true });
const check = median(() => db.query("PRAGMA quick_check").all());
db.close();
const reader = median(() => openState(path).close());
const writer = median(() => openState(path, { write: true }).close());
const mb = statSync(path).size / 1e6;
console.log(`${runs} runs, ${runs * perRun} model rows, ${mb.toFixed(1)} MB`);
console.log(`quick_check: ${check.toFixed(1)} ms (${(check / mb).toFixed(2)} ms/MB)`);
console.log(
  `open for reading (${statSync(path).size <= READER_CHECK_MAX_BYTES ? "with" : "without"} quick_check): ${reader.toFixed(1)} ms`,
);
console.log(`open for writing (with quick_check): ${writer.toFixed(1)} ms`);
rmSync(dir, { recursive: true, force: true });
