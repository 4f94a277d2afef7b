/**
 * What write-audit-publish costs on DuckDB (SPEC §17: "measure and report the overhead"):
 * one project of `--models` independent models over `--rows` rows each, run as
 *
 *   plain     no tests, no contract: written directly
 *   contract  a [contract] on every model: written in a transaction, columns described and
 *             the primary key checked for NULLs before COMMIT
 *   tests     not_null + unique on every model: written and tested in one transaction
 *   no-tests  the `tests` project with --no-tests: the write alone, for the tests' own share
 *
 *   bun scripts/bench-wap.ts [--models 40] [--rows 20000] [--repeat 3]
 *
 * Each `rocky run` is a fresh process on a fresh warehouse file; medians are reported.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "40" },
    rows: { type: "string", default: "20000" },
    repeat: { type: "string", default: "3" },
  },
});
const MODELS = Number(values.models);
const ROWS = Number(values.rows);
const REPEAT = Number(values.repeat);
const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type Kind = "plain" | "contract" | "tests";

function writeProject(dir: string, kind: Kind): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "models"), { recursive: true });
  writeFileSync(
    join(dir, "rocky.toml"),
    '[project]\nname = "bench"\n\n[adapter]\ntype = "duckdb"\npath = "bench.duckdb"\n',
  );
  for (let i = 0; i < MODELS; i++) {
    writeFileSync(
      join(dir, "models", `m_${i}.sql`),
      `SELECT range AS id, range % ${7 + i} AS k, (range * ${i + 1}) % 1000 AS amount FROM range(${ROWS})\n`,
    );
    if (kind === "contract")
      writeFileSync(
        join(dir, "models", `m_${i}.toml`),
        '[contract]\nprimary_key = "id"\ncolumns = [{ name = "id", type = "BIGINT" }, { name = "k", type = "BIGINT" }, { name = "amount", type = "BIGINT" }]\n',
      );
    if (kind === "tests")
      writeFileSync(
        join(dir, "models", `m_${i}.toml`),
        '[[tests]]\ntype = "not_null"\ncolumn = "id"\n\n[[tests]]\ntype = "unique"\ncolumn = "id"\n',
      );
  }
}

function run(dir: string, extra: string[] = []): number {
  rmSync(join(dir, "bench.duckdb"), { force: true });
  rmSync(join(dir, "bench.duckdb.wal"), { force: true });
  const t0 = performance.now();
  const p = Bun.spawnSync([process.execPath, MAIN, "run", "-o", "json", ...extra], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`rocky run failed: ${p.stderr.toString()}`);
  return ms;
}

const root = join(tmpdir(), `rocky-bench-wap-${process.pid}`);
const dirs = { plain: join(root, "plain"), contract: join(root, "contract"), tests: join(root, "tests") };
for (const k of ["plain", "contract", "tests"] as const) writeProject(dirs[k], k);
const times: Record<string, number[]> = { plain: [], contract: [], tests: [], "no-tests": [] };
// One warm-up of each, then alternate so drift hits every configuration alike.
run(dirs.plain);
run(dirs.contract);
run(dirs.tests);
for (let r = 0; r < REPEAT; r++) {
  times.plain!.push(run(dirs.plain));
  times.contract!.push(run(dirs.contract));
  times.tests!.push(run(dirs.tests));
  times["no-tests"]!.push(run(dirs.tests, ["--no-tests"]));
}
rmSync(root, { recursive: true, force: true });

const base = median(times.plain!);
console.log(`write-audit-publish on DuckDB: ${MODELS} models x ${ROWS} rows, median of ${REPEAT} runs`);
for (const [k, xs] of Object.entries(times)) {
  const m = median(xs);
  const over = m - base;
  console.log(
    `  ${k.padEnd(9)} ${m.toFixed(0).padStart(6)} ms  ${k === "plain" ? "" : `${over >= 0 ? "+" : ""}${over.toFixed(0)} ms (${((100 * over) / base).toFixed(1)}%), ${(over / MODELS).toFixed(1)} ms/model`}`,
  );
}
