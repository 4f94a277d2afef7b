/**
 * Compile benchmark (SPEC §12): synthetic 4-layer medallion projects (declared
 * sources → staging → intermediate → marts, with joins, CASE, COALESCE, casts,
 * aggregates, CTEs and windows) at 1k, 10k and 50k models.
 *
 * Reports, per size: median wall time and peak RSS of `rocky compile -o json` run as
 * a child process (cold: no cache; warm: cache present and one model file edited), the
 * wall and CPU time of `rocky lineage mart_0 --column total` on the warm project (the
 * first run compiles and stores the lineage snapshot, the later ones answer from it),
 * and the in-process time of a downstream column trace whose fan-out is the same at
 * every size. Each size after the first is also given as a ratio to the previous one
 * (SPEC §12: 50k at most 5.5× the 10k time and memory).
 *
 *   bun scripts/bench-compile.ts [--sizes 1000,10000] [--runs 3] [--keep]
 *     [--dialect snowflake,bigquery,databricks [--only] [--no-polyglot-models]]
 *
 * With --dialect, the same project is also generated in each dialect (see
 * bench-project.ts) and measured in the same run, after the DuckDB one, with each
 * dialect's cold figures as a ratio to DuckDB's.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compileProject } from "../src/compile/compile.ts";
import { loadConfig } from "../src/config/load.ts";
import { loadProject } from "../src/project/load.ts";
import { type BenchDialect, generateProject } from "./bench-project.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,50000" },
    runs: { type: "string", default: "3" },
    keep: { type: "boolean", default: false },
    /** Also (or only, with --only) a project written in these dialects: snowflake,bigquery,databricks. */
    dialect: { type: "string", default: "" },
    only: { type: "boolean", default: false },
    /** Leave out the 0.1% of dialect models only polyglot reads (so it is never loaded). */
    "no-polyglot-models": { type: "boolean", default: false },
  },
});
const dialects = [
  ...(values.only && values.dialect ? [] : ["duckdb"]),
  ...values.dialect!.split(",").filter((d) => d !== ""),
] as BenchDialect[];
const sizes = values.sizes!.split(",").map(Number);
const runs = Number(values.runs);
const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Run `rocky compile -o json` under /usr/bin/time -v: wall ms and peak RSS MB. */
function timedCompile(dir: string): {
  ms: number;
  cpuMs: number;
  rssMb: number;
  models: number;
  edges: number;
  misses: number;
} {
  const t0 = performance.now();
  // time's report goes to a file: read through Bun's stderr pipe it sometimes arrived cut
  // short (time then exited 1), losing the RSS line.
  const timeFile = join(dir, ".bench-time.txt");
  const p = Bun.spawnSync(
    ["/usr/bin/time", "-v", "-o", timeFile, process.execPath, MAIN, "compile", "-o", "json"],
    {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  const ms = performance.now() - t0;
  const err = `${p.stderr.toString()}\n${readFileSync(timeFile, "utf8")}`;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? Number.NaN) / 1024;
  // CPU time (user + system) says what the work costs even when other processes share the cores.
  const cpuMs =
    1000 *
    (Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? Number.NaN) +
      Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? Number.NaN));
  const out = p.stdout.toString();
  let json: { models: number; lineage: { edges: number }; cache: { misses: number } };
  try {
    json = JSON.parse(out);
  } catch {
    throw new Error(`compile failed (exit ${p.exitCode}):\n${out.slice(0, 1500)}\n${err.slice(0, 1500)}`);
  }
  return { ms, cpuMs, rssMb: rss, models: json.models, edges: json.lineage.edges, misses: json.cache.misses };
}

const report: string[] = [];
/** Cold medians per dialect, by size, for the ratio between consecutive sizes. */
const coldOf = new Map<string, { n: number; ms: number; rssMb: number }>();
const say = (line: string) => {
  console.log(line);
  report.push(line);
};

say(
  `# rocky compile benchmark (${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, load average ${loadavg()[0]!.toFixed(1)}, bun ${Bun.version})`,
);
for (const n of sizes)
  for (const dialect of dialects) {
    const dir = mkdtempSync(join(tmpdir(), `rocky-bench-${n}-`));
    const start = generateProject(dir, n, dialect, { polyglotModels: !values["no-polyglot-models"] });
    say(`\n## ${n} models, ${dialect} (${dir})`);

    const cold: ReturnType<typeof timedCompile>[] = [];
    for (let r = 0; r < runs; r++) {
      rmSync(join(dir, ".rocky-cache"), { recursive: true, force: true });
      cold.push(timedCompile(dir));
    }
    const c = cold.at(-1)!;
    say(
      `cold compile: median ${median(cold.map((x) => x.ms)).toFixed(0)} ms (CPU ${median(cold.map((x) => x.cpuMs)).toFixed(0)} ms), peak RSS ${median(cold.map((x) => x.rssMb)).toFixed(0)} MB (${c.models} models, ${c.edges} lineage edges, ${c.misses} parsed)`,
    );

    const coldMedian = { n, ms: median(cold.map((x) => x.ms)), rssMb: median(cold.map((x) => x.rssMb)) };
    const prev = coldOf.get(dialect);
    if (prev)
      say(
        `cold ${n}/${prev.n}: time ${(coldMedian.ms / prev.ms).toFixed(2)}×, peak RSS ${(coldMedian.rssMb / prev.rssMb).toFixed(2)}× (models ${(n / prev.n).toFixed(1)}×)`,
      );
    coldOf.set(dialect, coldMedian);
    const duck = coldOf.get("duckdb");
    if (dialect !== "duckdb" && duck?.n === n)
      say(
        `cold ${dialect}/duckdb at ${n}: time ${(coldMedian.ms / duck.ms).toFixed(2)}×, peak RSS ${(coldMedian.rssMb / duck.rssMb).toFixed(2)}× (SPEC §12: at most 1.5×)`,
      );

    const warm: ReturnType<typeof timedCompile>[] = [];
    for (let r = 0; r < runs; r++) {
      // One edited file: a comment changes its hash, not its columns.
      appendFileSync(join(dir, "models", "intermediate", "int_0.sql"), `\n-- edit ${r}\n`);
      warm.push(timedCompile(dir));
    }
    const warmMs = median(warm.map((x) => x.ms));
    const coldMs = median(cold.map((x) => x.ms));
    say(
      `warm compile (1 file edited): median ${warmMs.toFixed(0)} ms (CPU ${median(warm.map((x) => x.cpuMs)).toFixed(0)} ms), peak RSS ${median(warm.map((x) => x.rssMb)).toFixed(0)} MB, ${warm.at(-1)!.misses} parsed; ${((100 * warmMs) / coldMs).toFixed(0)}% of cold`,
    );

    // `rocky lineage M --column C` on the warm project (cache complete): the whole process.
    // The first run after the edit compiles (and stores the lineage snapshot); later ones
    // answer from the snapshot: both are reported.
    const lineageMs: number[] = [];
    const lineageCpuMs: number[] = [];
    for (let r = 0; r < runs + 1; r++) {
      const t = performance.now();
      const p = Bun.spawnSync(
        [process.execPath, MAIN, "lineage", "mart_0", "--column", "total", "-o", "json"],
        {
          cwd: dir,
          stdout: "pipe",
          stderr: "pipe",
          env: { ...process.env, NO_COLOR: "1" },
        },
      );
      lineageMs.push(performance.now() - t);
      const cpu = p.resourceUsage?.cpuTime;
      lineageCpuMs.push(cpu ? Number(cpu.user + cpu.system) / 1000 : Number.NaN);
      if (p.exitCode !== 0) throw new Error(`lineage failed (exit ${p.exitCode}):\n${p.stderr.toString()}`);
    }
    say(
      `lineage mart_0 --column total (whole process): first after the edit ${lineageMs[0]!.toFixed(0)} ms (CPU ${lineageCpuMs[0]!.toFixed(0)} ms); unchanged project, median ${median(lineageMs.slice(1)).toFixed(0)} ms (CPU ${median(lineageCpuMs.slice(1)).toFixed(0)} ms)`,
    );

    // In process: phase timings and the trace walk itself.
    const t0 = performance.now();
    const project = await loadProject(await loadConfig(join(dir, "rocky.toml")));
    const tLoad = performance.now() - t0;
    const result = await compileProject(project, { cache: false, projectLoadMs: tLoad });
    say(
      `in-process cold phases: load ${tLoad.toFixed(0)} ms, parse ${result.timings.parse_ms} ms, analysis ${result.timings.analysis_ms} ms, graph ${result.timings.semantic_graph_ms} ms, total ${result.timings.total_ms} ms`,
    );
    const walks: number[] = [];
    let size = 0;
    for (let r = 0; r < 200; r++) {
      const w0 = performance.now();
      size = result.graph.traceDownstream(start.source, start.column).length;
      walks.push(performance.now() - w0);
    }
    say(
      `downstream trace ${start.source}.${start.column}: ${size} edges, median walk ${(median(walks) * 1000).toFixed(1)} µs`,
    );
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
