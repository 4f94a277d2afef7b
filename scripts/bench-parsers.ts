/**
 * Why the DuckDB parser: parse cost per model of the candidates, on the same
 * synthetic models, in one run. Usage: bun scripts/bench-parsers.ts [DIR_WITH_MODELS] [N]
 * (default: generates models like scripts/bench-compile.ts does, via its project folder).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createSqlParser } from "../src/sql/parse.ts";

function collect(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.name.endsWith(".sql")) out.push(readFileSync(p, "utf8"));
  }
  return out;
}

const dir = process.argv[2];
if (!dir) {
  console.error(
    "usage: bun scripts/bench-parsers.ts <project models folder> [N]\n(e.g. a project made by scripts/bench-compile.ts)",
  );
  process.exit(2);
}
const n = Number(process.argv[3] ?? 1000);
const sqls = collect(dir).slice(0, n);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perModel = (ms: number) => `${(ms / sqls.length).toFixed(3)} ms/model`;

const duck = await createSqlParser();
await duck.parseMany(sqls.slice(0, 50)); // warm-up
const duckRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await duck.parseMany(sqls);
  duckRuns.push(performance.now() - t);
}
await duck.close();
console.log(`DuckDB json_serialize_sql, batched: ${perModel(median(duckRuns))} (${sqls.length} models)`);

const polyglot = await import("@polyglot-sql/sdk");
const t0 = performance.now();
await polyglot.init?.();
const initMs = performance.now() - t0;
polyglot.parse(sqls[0]!, "duckdb" as never);
const pgRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  for (const s of sqls) polyglot.parse(s, "duckdb" as never);
  pgRuns.push(performance.now() - t);
}
console.log(`@polyglot-sql/sdk parse: ${perModel(median(pgRuns))} (init ${initMs.toFixed(0)} ms)`);
