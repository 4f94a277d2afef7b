/**
 * `rocky branch compare` on a 1M-row DuckDB table (SPEC §18): keyed (`--key id`) and the
 * unkeyed row-hash diff, timed end to end through the CLI (process start, compile and the
 * warehouse queries), median of `--repeat` runs. The branch changes ~1% of the rows,
 * drops 1,000 and adds 1,000.
 *
 *   bun scripts/bench-compare.ts [--rows 1000000] [--repeat 3]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";

const { values } = parseArgs({
  options: { rows: { type: "string", default: "1000000" }, repeat: { type: "string", default: "3" } },
});
const ROWS = Number(values.rows);
const REPEAT = Number(values.repeat);
const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts");
const dir = join(tmpdir(), `rocky-bench-compare-${process.pid}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, "models"), { recursive: true });
writeFileSync(
  join(dir, "rocky.toml"),
  '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n\n[sources.raw.orders]\ncolumns = ["id", "customer", "amount", "status", "day"]\n',
);
const model = (sql: string) => writeFileSync(join(dir, "models", "fct_orders.sql"), sql);
model("SELECT id, customer, amount, status, day FROM raw.orders\n");

const inst = await DuckDBInstance.create(join(dir, "wh.duckdb"));
const conn = await inst.connect();
await conn.run(
  `CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT i AS id, 'c' || (i % 1000) AS customer,
   CAST(i % 10000 AS DECIMAL(12, 2)) / 100 AS amount, CASE WHEN i % 7 = 0 THEN 'refunded' ELSE 'paid' END AS status,
   DATE '2026-01-01' + CAST(i % 365 AS INTEGER) AS day FROM range(1, ${ROWS + 1}) t(i)`,
);
conn.closeSync();
inst.closeSync();

const rocky = (args: string[]) => {
  const t0 = performance.now();
  const p = Bun.spawnSync([process.execPath, MAIN, ...args, "-o", "json"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`rocky ${args.join(" ")}: exit ${p.exitCode}\n${p.stderr}`);
  return { ms, json: JSON.parse(p.stdout.toString()) };
};
rocky(["run"]);
rocky(["branch", "create", "bench"]);
model(`SELECT id, customer, CASE WHEN id % 100 = 0 THEN amount + 1 ELSE amount END AS amount, status, day
FROM raw.orders WHERE id > 1000
UNION ALL SELECT ${ROWS} + i, 'new', 1.00, 'paid', DATE '2026-06-01' FROM range(1, 1001) t(i)
`);
rocky(["run", "--branch", "bench"]);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (args: string[]) => {
  const ms: number[] = [];
  let json: Record<string, unknown> = {};
  for (let i = 0; i < REPEAT; i++) {
    const r = rocky(args);
    ms.push(r.ms);
    json = r.json;
  }
  return { ms: median(ms), json };
};
const noop = time(["branch", "list"]);
const keyed = time(["branch", "compare", "bench", "--key", "id"]);
const unkeyed = time(["branch", "compare", "bench"]);
const k = (keyed.json.results as { keyed: Record<string, number> }[])[0]!.keyed;
console.log(`rows: ${ROWS.toLocaleString("en")} per side (DuckDB, ${dir})`);
console.log(
  `keyed compare (--key id):  ${keyed.ms.toFixed(0)} ms  (added ${k.rows_added}, removed ${k.rows_removed}, changed ${k.rows_changed})`,
);
console.log(`unkeyed row-hash compare: ${unkeyed.ms.toFixed(0)} ms`);
console.log(`process start + state only (branch list): ${noop.ms.toFixed(0)} ms`);

// The same keyed SQL straight on DuckDB: what the warehouse spends of the CLI time.
const { keyedCompareSql, countWithNullKeysSql } = await import("../src/branch/keyed.ts");
const { duckdbDialect } = await import("../adapters/duckdb/dialect.ts");
const plan = {
  branch: { schema: "branch__bench__main", table: "fct_orders" },
  production: { schema: "main", table: "fct_orders" },
  key: ["id"],
  columns: ["customer", "amount", "status", "day"],
  numeric: new Set(["amount"]),
};
const sql = keyedCompareSql(duckdbDialect, plan);
const db = await DuckDBInstance.create(join(dir, "wh.duckdb"));
const c = await db.connect();
const timed = async (q: string) => {
  const t0 = performance.now();
  await c.runAndReadAll(q);
  return performance.now() - t0;
};
const counts =
  (await timed(countWithNullKeysSql(duckdbDialect, plan.branch, plan.key))) +
  (await timed(countWithNullKeysSql(duckdbDialect, plan.production, plan.key)));
const totals = await timed(sql.totals);
const sample = await timed(sql.sample);
console.log(
  `  of which in DuckDB: counts ${counts.toFixed(0)} ms, join + aggregates ${totals.toFixed(0)} ms, sample ${sample.toFixed(0)} ms`,
);
c.closeSync();
db.closeSync();
rmSync(dir, { recursive: true, force: true });
