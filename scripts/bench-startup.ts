#!/usr/bin/env bun
/**
 * Start-up of the compiled binary against a bare `bun` running an empty
 * script, measured in the same run (SPEC §12: at most 1.5×).
 *
 *   bun scripts/bench-startup.ts [--binary dist/rocky-linux-x64] [--runs 21] [--check]
 *
 * Each sample is one process start to exit, wall clock. The commands are
 * interleaved run by run so that machine load affects them alike; the medians
 * are compared. `--check` exits 1 when a ratio is above the target.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const TARGET_RATIO = 1.5;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const host = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
const binary = resolve(arg("--binary") ?? join(ROOT, "dist", `rocky-${host}`));
const runs = Math.max(15, Number(arg("--runs") ?? 21));
const check = process.argv.includes("--check");
// The pinned bun of the repository: the same runtime version the binary embeds.
const bun = process.execPath;

if (!existsSync(binary)) {
  console.error(`Error: ${binary} does not exist\nhint: run 'bun run build' first, or pass --binary PATH`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "rocky-bench-"));
const env = {
  PATH: "/usr/bin:/bin",
  HOME: join(work, "home"),
  XDG_CACHE_HOME: join(work, "cache"),
  NO_COLOR: "1",
};
mkdirSync(env.HOME);
const empty = join(work, "empty.js");
writeFileSync(empty, "");

function exec(cmd: string[], cwd: string): { ms: number; code: number; stderr: string } {
  const t0 = performance.now();
  const p = Bun.spawnSync(cmd, { cwd, env, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  return { ms: performance.now() - t0, code: p.exitCode ?? -1, stderr: p.stderr.toString() };
}

function must(cmd: string[], cwd: string): void {
  const r = exec(cmd, cwd);
  if (r.code !== 0) {
    console.error(`Error: '${cmd.join(" ")}' exited ${r.code}:\n${r.stderr}`);
    process.exit(1);
  }
}

// A project with a state file that holds a branch: `branch list` then reads real state.
must([binary, "playground", "proj"], work);
const proj = join(work, "proj");
must([binary, "branch", "create", "b"], proj);
// A run recorded in the state store: `history` then lists real rows.
must([binary, "run"], proj);

// The floor of any compiled Bun binary: one that prints a line, built the way rocky is
// (bytecode, minified). Shown for reference; the target stays relative to `bun empty.js`.
const hello = join(work, "hello");
writeFileSync(`${hello}.ts`, 'console.log("rocky 0.0.0");\n');
must([bun, "build", "--compile", "--bytecode", "--minify", `${hello}.ts`, "--outfile", hello], work);

const cases: { name: string; cmd: string[]; cwd: string }[] = [
  { name: "bun empty.js", cmd: [bun, empty], cwd: work },
  { name: "compiled hello", cmd: [hello], cwd: work },
  { name: "rocky --version", cmd: [binary, "--version"], cwd: work },
  { name: "rocky branch list", cmd: [binary, "branch", "list"], cwd: proj },
  { name: "rocky history", cmd: [binary, "history"], cwd: proj },
];

const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const c of cases) {
    const r = exec(c.cmd, c.cwd);
    if (r.code !== 0) {
      console.error(`Error: '${c.name}' exited ${r.code}:\n${r.stderr}`);
      process.exit(1);
    }
    if (i >= 2) samples.get(c.name)!.push(r.ms); // the first two rounds warm the page cache
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const base = median(samples.get("bun empty.js")!);
let ok = true;
console.log(`start-up, median of ${runs} runs (bun ${Bun.version}, ${host}):`);
for (const c of cases) {
  const m = median(samples.get(c.name)!);
  const ratio = m / base;
  const verdict = c.name.startsWith("bun")
    ? "baseline"
    : !c.name.startsWith("rocky")
      ? "reference"
      : ratio <= TARGET_RATIO
        ? `ok (<= ${TARGET_RATIO}x)`
        : `ABOVE ${TARGET_RATIO}x`;
  if (c.name.startsWith("rocky") && ratio > TARGET_RATIO) ok = false;
  console.log(`  ${c.name.padEnd(20)} ${m.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x  ${verdict}`);
}
console.log(`binary: ${binary} (${(statSync(binary).size / 1024 / 1024).toFixed(1)} MB)`);
rmSync(work, { recursive: true, force: true });
if (check && !ok) process.exit(1);
