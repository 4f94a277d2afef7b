/**
 * Benchmark of `rocky run` on DuckDB (SPEC §12: at most 1.10× executing the same
 * statements directly through @duckdb/node-api), state-store write overhead per model,
 * and `rocky replay latest` on a store holding 10k runs.
 *
 *   bun scripts/bench-run.ts [--models 200] [--rows 20000] [--repeat 5] [--threads N]
 *
 * Both sides run in this one invocation, alternately, each on a fresh warehouse file;
 * medians are reported. The direct side executes exactly the statements rocky recorded
 * for the run (read back from the state store), layer by layer with the same number of
 * parallel connections as rocky's threads: the cost of the SQL alone, without
 * process start, compile, existence checks, fingerprints or run records. Both sides get
 * the same thread count: rocky through the adapter's `threads` option (its connections
 * and DuckDB's worker threads), the direct side as DuckDB's `threads` setting and as
 * many connections.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { fingerprintSql } from "../adapters/duckdb/index.ts";
import { insertRun, modelRuns, recordModel, sqlHash, statementsFor } from "../src/state/runs.ts";
import { openState } from "../src/state/store.ts";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "200" },
    rows: { type: "string", default: "20000" },
    repeat: { type: "string", default: "5" },
    runs: { type: "string", default: "10000" },
    /** Default: rocky's default for DuckDB, one per core, at most 8. */
    threads: { type: "string" },
  },
});
const MODELS = Number(values.models);
const ROWS = Number(values.rows);
const REPEAT = Number(values.repeat);
const RUNS = Number(values.runs);
const THREADS = Number(values.threads ?? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 4)));
const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

/** A 4-layer medallion: sources → staging → intermediate → marts, `n` models in all. */
function writeProject(dir: string, n: number, rows: number): void {
  mkdirSync(join(dir, "models"), { recursive: true });
  writeFileSync(
    join(dir, "rocky.toml"),
    `[project]\nname = "bench"\n\n[adapter]\ntype = "duckdb"\npath = "bench.duckdb"\nthreads = ${THREADS}\n`,
  );
  const per = Math.floor(n / 4);
  const src = Array.from({ length: n - 3 * per }, (_, i) => `src_${i}`);
  const stg = Array.from({ length: per }, (_, i) => `stg_${i}`);
  const int = Array.from({ length: per }, (_, i) => `int_${i}`);
  const mart = Array.from({ length: per }, (_, i) => `mart_${i}`);
  const w = (name: string, sql: string) => writeFileSync(join(dir, "models", `${name}.sql`), `${sql}\n`);
  // A data test on every model (SPEC §12: "fingerprints and tests on").
  writeFileSync(join(dir, "models", "_defaults.toml"), '[[tests]]\ntype = "not_null"\ncolumn = "k"\n');
  for (const [i, m] of src.entries()) {
    w(
      m,
      `SELECT range AS id, range % ${97 + i} AS k, (range * ${i + 1}) % 1000 AS amount, 'c' || (range % 50) AS cat FROM range(${rows})`,
    );
  }
  for (const [i, m] of stg.entries()) {
    w(
      m,
      `SELECT id, k, amount * 1.1 AS amount, upper(cat) AS cat FROM ${src[i % src.length]} WHERE amount > ${i % 10}`,
    );
  }
  for (const [i, m] of int.entries()) {
    const a = stg[i % stg.length]!;
    const b = stg[(i + 1) % stg.length]!;
    w(
      m,
      `SELECT a.id, a.k, a.amount + b.amount AS amount, a.cat FROM ${a} AS a JOIN ${b} AS b ON a.id = b.id`,
    );
  }
  for (const [i, m] of mart.entries()) {
    w(m, `SELECT cat, k, count(*) AS n, sum(amount) AS total FROM ${int[i % int.length]} GROUP BY cat, k`);
  }
}

/** Wall time, and CPU time (user + system, all threads): steadier than wall on a loaded machine. */
interface Timing {
  ms: number;
  cpuMs: number;
}

async function rockyRun(dir: string): Promise<Timing & { rssMb: number }> {
  rmSync(join(dir, "bench.duckdb"), { force: true });
  rmSync(join(dir, "bench.duckdb.wal"), { force: true });
  const t0 = performance.now();
  const p = Bun.spawnSync([process.execPath, MAIN, "run", "-o", "json"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`rocky run failed: ${p.stderr.toString()}`);
  const u = p.resourceUsage;
  return {
    ms,
    cpuMs: u ? Number(u.cpuTime.user + u.cpuTime.system) / 1000 : Number.NaN,
    // Bun reports maxRSS in bytes.
    rssMb: u ? Number(u.maxRSS) / 1024 / 1024 : Number.NaN,
  };
}

const LAYERS = ["src", "stg", "int", "mart"];

/**
 * The statements of the newest run, grouped by DAG layer (models of a layer are independent);
 * with `fingerprints`, each model's list ends with the fingerprint query rocky ran on its table.
 */
function recordedStatements(dir: string, fingerprints: boolean): string[][][] {
  const store = openState(join(dir, ".rocky-state.db"));
  try {
    const run = store.db.query("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").get() as {
      run_id: string;
    };
    const layers: string[][][] = LAYERS.map(() => []);
    for (const m of modelRuns(store, run.run_id)) {
      const layer = LAYERS.indexOf(m.model_name.split("_")[0]!);
      // The model's statements, then its tests' queries, as rocky ran them.
      const tests = store.db
        .query("SELECT sql FROM test_results WHERE run_id = ? AND model_name = ? ORDER BY seq")
        .all(run.run_id, m.model_name) as { sql: string }[];
      layers[layer]!.push([
        ...(m.sql_hash ? (statementsFor(store, m.sql_hash) ?? []) : []),
        ...tests.map((t) => t.sql),
        ...(fingerprints && m.fingerprint_hash !== null ? [fingerprintSql(m.target)] : []),
      ]);
    }
    return layers;
  } finally {
    store.close();
  }
}

async function direct(dir: string, layers: string[][][], threads: number): Promise<Timing> {
  const file = join(dir, "direct.duckdb");
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const inst = await DuckDBInstance.create(file, { threads: String(threads) });
  const conns = await Promise.all(Array.from({ length: threads }, () => inst.connect()));
  for (const layer of layers) {
    let next = 0;
    await Promise.all(
      conns.map(async (c) => {
        while (next < layer.length) {
          for (const s of layer[next++]!) await c.run(s);
        }
      }),
    );
  }
  for (const c of conns) c.closeSync();
  inst.closeSync();
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function stateOverhead(): { perModelUs: number } {
  const dir = join(tmpdir(), `rocky-bench-state-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const store = openState(join(dir, "s.db"), { lock: { command: "bench" } });
  const n = 2000;
  const t0 = performance.now();
  const runId = insertRun(store, {
    trigger: "manual",
    startedAt: new Date(),
    configHash: "h",
    scope: "production",
    rockyVersion: "bench",
    adapterType: "duckdb",
  });
  for (let i = 0; i < n; i++) {
    const stmts = [`CREATE OR REPLACE TABLE "main"."m_${i}" AS\nSELECT ${i} AS x FROM range(10)`];
    const now = new Date().toISOString();
    recordModel(
      store,
      {
        run_id: runId,
        model_name: `m_${i}`,
        seq: i,
        target: `"main"."m_${i}"`,
        strategy: "full_refresh",
        status: "success",
        started_at: now,
        finished_at: now,
        duration_ms: 1,
        sql_hash: sqlHash(stmts),
        rows_affected: 10,
        bytes_written: null,
        fingerprint_rows: 10,
        fingerprint_hash: "123",
        reads: [{ table: '"raw"."x"', from: "source" }],
        error: null,
      },
      stmts,
    );
  }
  const ms = performance.now() - t0;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { perModelUs: (ms / n) * 1000 };
}

/** A state file with `runs` runs of 10 models each, then time `rocky replay latest`. */
async function replayOnBigStore(runs: number): Promise<{ cliMs: number; buildMs: number }> {
  const dir = join(tmpdir(), `rocky-bench-replay-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "rocky.toml"), '[adapter]\ntype = "duckdb"\n');
  const store = openState(join(dir, ".rocky-state.db"), { write: true });
  const t0 = performance.now();
  const base = Date.UTC(2026, 0, 1);
  const insRun = store.db.query(
    `INSERT INTO runs(run_id, status, trigger, started_at, finished_at, config_hash, scope, rocky_version, adapter_type, pid, command)
     VALUES (?, 'success', 'manual', ?, ?, 'h', 'production', 'bench', 'duckdb', 1, 'run')`,
  );
  const insModel = store.db.query(
    `INSERT INTO model_runs(run_id, model_name, seq, target, strategy, status, started_at, finished_at, duration_ms, sql_hash, rows_affected, reads)
     VALUES (?, ?, ?, ?, 'full_refresh', 'success', ?, ?, 5, ?, 100, '[]')`,
  );
  const insSql = store.db.query("INSERT OR IGNORE INTO sql_texts(hash, statements) VALUES (?, ?)");
  store.db.transaction(() => {
    for (let m = 0; m < 10; m++) {
      const stmts = [`CREATE OR REPLACE TABLE "main"."m_${m}" AS\nSELECT 1`];
      insSql.run(sqlHash(stmts), JSON.stringify(stmts));
    }
    for (let r = 0; r < runs; r++) {
      const d = new Date(base + r * 60_000);
      const id = `run-${d
        .toISOString()
        .replace(/[-:]/g, "")
        .replace("T", "-")
        .replace(/\.(\d{3})Z$/, "-$1")}`;
      insRun.run(id, d.toISOString(), d.toISOString());
      for (let m = 0; m < 10; m++) {
        const stmts = [`CREATE OR REPLACE TABLE "main"."m_${m}" AS\nSELECT 1`];
        insModel.run(id, `m_${m}`, m, `"main"."m_${m}"`, d.toISOString(), d.toISOString(), sqlHash(stmts));
      }
    }
  })();
  const buildMs = performance.now() - t0;
  store.close();
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    const p = Bun.spawnSync([process.execPath, MAIN, "replay", "latest", "-o", "json"], {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe",
    });
    times.push(performance.now() - t);
    if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  }
  rmSync(dir, { recursive: true, force: true });
  return { cliMs: median(times), buildMs };
}

const dir = join(tmpdir(), `rocky-bench-run-${process.pid}`);
rmSync(dir, { recursive: true, force: true });
writeProject(dir, MODELS, ROWS);
console.log(`project: ${MODELS} models, ${ROWS} source rows each, in ${dir}`);

await rockyRun(dir); // warm-up (compile cache, file system)
const statements = recordedStatements(dir, false);
// The same, plus rocky's fingerprint query per table: the floor that fingerprinting sets.
const withFp = recordedStatements(dir, true);
const threads = THREADS;
await direct(dir, statements, threads);
const TOML = join(dir, "rocky.toml");
const baseToml = readFileSync(TOML, "utf8");
const rockyTimes: (Timing & { rssMb: number })[] = [];
const noFpTimes: (Timing & { rssMb: number })[] = [];
const directTimes: Timing[] = [];
const directFpTimes: Timing[] = [];
for (let i = 0; i < REPEAT; i++) {
  writeFileSync(TOML, baseToml);
  rockyTimes.push(await rockyRun(dir));
  directTimes.push(await direct(dir, statements, threads));
  directFpTimes.push(await direct(dir, withFp, threads));
  // The same run without output fingerprints (adapter option `fingerprints = false`).
  writeFileSync(
    TOML,
    baseToml.replace('path = "bench.duckdb"', 'path = "bench.duckdb"\nfingerprints = false'),
  );
  noFpTimes.push(await rockyRun(dir));
}
type Sample = Timing & { rssMb?: number };
const med = (xs: Sample[], k: "ms" | "cpuMs" | "rssMb") => median(xs.map((x) => x[k] ?? Number.NaN));
const line = (label: string, xs: Sample[]) =>
  `${label} median ${fmt(med(xs, "ms"))} [${xs.map((x) => fmt(x.ms)).join(", ")}], CPU ${fmt(med(xs, "cpuMs"))} [${xs.map((x) => fmt(x.cpuMs)).join(", ")}]${xs[0]?.rssMb !== undefined ? `, peak RSS ${med(xs, "rssMb").toFixed(0)} MB` : ""}`;
console.log(line("rocky run (whole CLI process):     ", rockyTimes));
console.log(line("rocky run, fingerprints = false:   ", noFpTimes));
console.log(
  line(`same ${statements.flat(2).length} statements via node-api (${threads} connections):`, directTimes),
);
console.log(line("  the same plus the fingerprint queries:", directFpTimes));
const ratio = (a: Timing[], k: keyof Timing, b = directTimes) => (med(a, k) / med(b, k)).toFixed(3);
for (const k of ["ms", "cpuMs"] as const) {
  console.log(
    `ratio to node-api (${k === "ms" ? "wall" : "CPU"}): ${ratio(rockyTimes, k)} (target ≤ 1.10), without fingerprints ${ratio(noFpTimes, k)}; node-api with fingerprint queries ${ratio(directFpTimes, k)}, rocky to that ${ratio(rockyTimes, k, directFpTimes)}`,
  );
}

const so = stateOverhead();
console.log(`state store write per model (record + SQL text): ${so.perModelUs.toFixed(0)} µs`);

const rp = await replayOnBigStore(RUNS);
console.log(
  `rocky replay latest on ${RUNS} runs (${RUNS * 10} model rows): median ${fmt(rp.cliMs)} (store built in ${fmt(rp.buildMs)})`,
);
rmSync(dir, { recursive: true, force: true });
