/**
 * `rocky diff` benchmark (SPEC §12): the synthetic medallion project of
 * scripts/bench-compile.ts (generator copied here so that file stays untouched), in a
 * git repository, one model edited in the working tree; `rocky diff HEAD -o json` as a
 * child process against a warm `rocky compile -o json` after one edited file.
 * Target: diff ≤ 2× the warm compile. Cold: no analysis cache at all.
 *
 *   bun scripts/bench-diff.ts [--sizes 10000] [--runs 3] [--keep]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000" },
    runs: { type: "string", default: "3" },
    keep: { type: "boolean", default: false },
  },
});
const sizes = values.sizes!.split(",").map(Number);
const runs = Number(values.runs);
const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");

/** Copied from scripts/bench-compile.ts. */
function generateProject(dir: string, n: number): { source: string; column: string } {
  const nStg = Math.round(n * 0.4);
  const nInt = Math.round(n * 0.3);
  const nMart = n - nStg - nInt;
  const nSrc = Math.ceil(nStg / 2);
  for (const d of ["staging", "intermediate", "marts"])
    mkdirSync(join(dir, "models", d), { recursive: true });
  const toml = ['[project]\nname = "bench"\n\n[adapter]\ntype = "duckdb"\npath = "bench.duckdb"\n'];
  for (let s = 0; s < nSrc; s++) {
    toml.push(
      `[sources.raw.src_${s}]\ncolumns = ["id", "customer_id", "amount", "status", "name", "updated_at", "country"]\n`,
    );
  }
  writeFileSync(join(dir, "rocky.toml"), toml.join("\n"));
  for (let i = 0; i < nStg; i++) {
    writeFileSync(
      join(dir, "models", "staging", `stg_${i}.sql`),
      `SELECT
  id,
  customer_id,
  CAST(amount AS DECIMAL(12, 2)) AS amount,
  LOWER(status) AS status,
  TRIM(name) AS name,
  updated_at,
  CASE WHEN country IN ('US', 'CA') THEN 'na' ELSE 'row' END AS region
FROM raw.src_${Math.floor(i / 2)}
WHERE status <> 'deleted'
`,
    );
  }
  for (let i = 0; i < nInt; i++) {
    const a = i % nStg;
    const b = (i + 1) % nStg;
    writeFileSync(
      join(dir, "models", "intermediate", `int_${i}.sql`),
      `SELECT
  a.id,
  a.customer_id,
  COALESCE(a.amount, b.amount, 0) AS amount,
  CASE WHEN a.status = 'paid' THEN a.amount ELSE 0 END AS paid_amount,
  b.region,
  GREATEST(a.updated_at, b.updated_at) AS updated_at
FROM stg_${a} AS a
LEFT JOIN stg_${b} AS b ON a.customer_id = b.customer_id
`,
    );
  }
  for (let i = 0; i < nMart; i++) {
    writeFileSync(
      join(dir, "models", "marts", `mart_${i}.sql`),
      `WITH base AS (
  SELECT customer_id, region, amount, paid_amount, updated_at FROM int_${i % nInt}
),
agg AS (
  SELECT customer_id, region, SUM(amount) AS total, SUM(paid_amount) AS paid, COUNT(*) AS n_orders,
         MAX(updated_at) AS last_update
  FROM base
  GROUP BY customer_id, region
)
SELECT
  customer_id,
  region,
  total,
  paid,
  n_orders,
  last_update,
  RANK() OVER (PARTITION BY region ORDER BY total DESC) AS rank_in_region,
  total / NULLIF(n_orders, 0) AS avg_order
FROM agg
`,
    );
  }
  return { source: "raw.src_0", column: "amount" };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function git(cwd: string, ...args: string[]): void {
  const p = Bun.spawnSync(["git", ...args], {
    cwd,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "b",
      GIT_AUTHOR_EMAIL: "b@x",
      GIT_COMMITTER_NAME: "b",
      GIT_COMMITTER_EMAIL: "b@x",
    },
  });
  if (p.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${p.stderr.toString()}`);
}

/** Wall ms and peak RSS MB of `rocky <args>` under /usr/bin/time. */
function timed(dir: string, args: string[]): { ms: number; cpuMs: number; rssMb: number; out: string } {
  const timeFile = join(dir, "..", ".bench-time.txt");
  const t0 = performance.now();
  const p = Bun.spawnSync(["/usr/bin/time", "-v", "-o", timeFile, process.execPath, MAIN, ...args], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = performance.now() - t0;
  const t = readFileSync(timeFile, "utf8");
  const rssMb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(t)?.[1] ?? Number.NaN) / 1024;
  // CPU (user + system) says what the work costs when other processes share the cores.
  const cpuMs =
    1000 *
    (Number(/User time \(seconds\): ([\d.]+)/.exec(t)?.[1] ?? Number.NaN) +
      Number(/System time \(seconds\): ([\d.]+)/.exec(t)?.[1] ?? Number.NaN));
  if (p.exitCode !== 0)
    throw new Error(`rocky ${args.join(" ")} exited ${p.exitCode}: ${p.stderr.toString().slice(0, 1500)}`);
  return { ms, cpuMs, rssMb, out: p.stdout.toString() };
}

console.log(
  `# rocky diff benchmark (${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, load average ${loadavg()[0]!.toFixed(1)}, bun ${Bun.version})`,
);
for (const n of sizes) {
  const top = mkdtempSync(join(tmpdir(), `rocky-bench-diff-${n}-`));
  const dir = join(top, "project");
  mkdirSync(dir);
  generateProject(dir, n);
  writeFileSync(join(dir, ".gitignore"), ".rocky-cache/\n*.duckdb\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  console.log(`\n## ${n} models (${dir})`);

  // Warm compile after one edited file, as bench-compile measures it.
  timed(dir, ["compile", "-o", "json"]);
  const warmRuns: { ms: number; cpuMs: number }[] = [];
  for (let r = 0; r < runs; r++) {
    appendFileSync(join(dir, "models", "intermediate", "int_1.sql"), `-- edit ${r}\n`);
    warmRuns.push(timed(dir, ["compile", "-o", "json"]));
  }
  const warm = warmRuns.map((x) => x.ms);
  git(dir, "checkout", "-q", "--", "models/intermediate/int_1.sql");
  timed(dir, ["compile", "-o", "json"]);

  // One model changed for real: an expression of an intermediate model.
  const file = join(dir, "models", "intermediate", "int_0.sql");
  writeFileSync(file, readFileSync(file, "utf8").replace("a.amount", "a.amount * 2"));
  const warmDiff: { ms: number; cpuMs: number; rssMb: number }[] = [];
  let summary = "";
  for (let r = 0; r < runs; r++) {
    const t = timed(dir, ["diff", "HEAD", "-o", "json"]);
    warmDiff.push(t);
    const j = JSON.parse(t.out) as { summary: Record<string, number>; rebuild: string[] };
    summary = `${j.summary.modified} modified, ${j.summary.breaking} breaking, rebuild ${j.rebuild.length}`;
  }
  const coldDiff: { ms: number; cpuMs: number; rssMb: number }[] = [];
  for (let r = 0; r < runs; r++) {
    rmSync(join(dir, ".rocky-cache"), { recursive: true, force: true });
    coldDiff.push(timed(dir, ["diff", "HEAD", "-o", "json"]));
  }
  const w = median(warm);
  const d = median(warmDiff.map((x) => x.ms));
  const wc = median(warmRuns.map((x) => x.cpuMs));
  const dc = median(warmDiff.map((x) => x.cpuMs));
  console.log(`warm compile (1 file edited): median ${w.toFixed(0)} ms (CPU ${wc.toFixed(0)} ms)`);
  console.log(
    `rocky diff HEAD, warm cache: median ${d.toFixed(0)} ms (CPU ${dc.toFixed(0)} ms), peak RSS ${median(warmDiff.map((x) => x.rssMb)).toFixed(0)} MB (${summary}); ${(d / w).toFixed(2)}× the warm compile wall, ${(dc / wc).toFixed(2)}× its CPU (target ≤ 2×)`,
  );
  console.log(
    `rocky diff HEAD, no cache: median ${median(coldDiff.map((x) => x.ms)).toFixed(0)} ms (CPU ${median(coldDiff.map((x) => x.cpuMs)).toFixed(0)} ms), peak RSS ${median(coldDiff.map((x) => x.rssMb)).toFixed(0)} MB`,
  );
  if (!values.keep) rmSync(top, { recursive: true, force: true });
}
