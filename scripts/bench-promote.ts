/**
 * `rocky branch promote` of 20 tables × 1M rows on DuckDB (issue 15), timed end to end
 * through the CLI, median of `--repeat` promotes (each a fresh copy of the same
 * warehouse and state). `--rocky PATH` times another checkout's src/cli/main.ts (e.g.
 * the commit before promote backups) on the same data.
 *
 *   bun scripts/bench-promote.ts [--tables 20] [--rows 1000000] [--repeat 3] [--rocky PATH]
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";

const { values } = parseArgs({
  options: {
    tables: { type: "string", default: "20" },
    rows: { type: "string", default: "1000000" },
    repeat: { type: "string", default: "3" },
    rocky: { type: "string" },
  },
});
const TABLES = Number(values.tables);
const ROWS = Number(values.rows);
const REPEAT = Number(values.repeat);
const MAIN = values.rocky ?? join(import.meta.dir, "..", "src", "cli", "main.ts");
const root = join(tmpdir(), `rocky-bench-promote-${process.pid}`);
const template = join(root, "template");
rmSync(root, { recursive: true, force: true });
mkdirSync(join(template, "models"), { recursive: true });
writeFileSync(
  join(template, "rocky.toml"),
  '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n\n[sources.raw.big]\ncolumns = ["id", "customer", "amount", "day"]\n',
);
const models = (factor: number) => {
  for (let t = 0; t < TABLES; t++)
    writeFileSync(
      join(template, "models", `t${String(t).padStart(2, "0")}.sql`),
      `SELECT id, customer, amount * ${factor} AS amount, day FROM raw.big\n`,
    );
};
models(1);
const inst = await DuckDBInstance.create(join(template, "wh.duckdb"));
const conn = await inst.connect();
await conn.run(
  `CREATE SCHEMA raw; CREATE TABLE raw.big AS SELECT i AS id, 'c' || (i % 1000) AS customer,
   CAST(i % 10000 AS DECIMAL(12, 2)) / 100 AS amount, DATE '2026-01-01' + CAST(i % 365 AS INTEGER) AS day
   FROM range(1, ${ROWS + 1}) t(i)`,
);
conn.closeSync();
inst.closeSync();

const rocky = (args: string[], cwd: string) => {
  const t0 = performance.now();
  const p = Bun.spawnSync([process.execPath, MAIN, ...args, "-o", "json"], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (p.exitCode !== 0) throw new Error(`rocky ${args.join(" ")}: exit ${p.exitCode}\n${p.stderr}`);
  return { ms: performance.now() - t0, json: JSON.parse(p.stdout.toString()) as Record<string, unknown> };
};
rocky(["run"], template);
rocky(["branch", "create", "bench"], template);
models(2);
rocky(["run", "--branch", "bench"], template);

const ms: number[] = [];
let last: Record<string, unknown> = {};
for (let i = 0; i < REPEAT; i++) {
  const dir = join(root, `p${i}`);
  cpSync(template, dir, { recursive: true });
  const r = rocky(["branch", "promote", "bench"], dir);
  ms.push(r.ms);
  last = r.json;
  rmSync(dir, { recursive: true, force: true });
}
const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
const backups = (last.backups as unknown[] | undefined)?.length;
console.log(`rocky: ${MAIN}`);
console.log(
  `promote of ${TABLES} tables x ${ROWS.toLocaleString("en")} rows: median ${median.toFixed(0)} ms of ${REPEAT} (${ms.map((m) => m.toFixed(0)).join(", ")})` +
    (backups === undefined
      ? ", no backups (before issue 15)"
      : `, ${backups} backups kept (${JSON.stringify(last.lifecycle)})`),
);
rmSync(root, { recursive: true, force: true });
