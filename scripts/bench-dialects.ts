/**
 * Parse cost of models written in Snowflake, BigQuery and Databricks SQL (SPEC §14), per
 * model, for each way src/sql/dialect.ts can take:
 *   - DuckDB's parser on the text as written (DuckDB-dialect baseline);
 *   - lexical normalisation (`normalizeForDuckDb`) then DuckDB's parser, batched;
 *   - @polyglot-sql/sdk `parse` in the model's dialect (a polyglot-native analysis
 *     would start from this);
 *   - polyglot `transpile` to DuckDB SQL + fixes, then DuckDB's parser, batched;
 * and what loading polyglot costs (time, RSS) in a fresh process.
 *
 *   bun scripts/bench-dialects.ts [--models 1000] [--runs 3]
 *
 * Models: the synthetic project of bench-project.ts in each dialect, plus a few
 * hand-written statements per dialect with the constructs of SPEC §14.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadPolyglot, normalizeForDuckDb, transpileToDuckDb } from "../src/sql/dialect.ts";
import { createSqlParser } from "../src/sql/parse.ts";
import type { SqlDialect } from "../src/sql/types.ts";
import { type BenchDialect, generateProject } from "./bench-project.ts";

const { values } = parseArgs({
  options: { models: { type: "string", default: "1000" }, runs: { type: "string", default: "3" } },
});
const n = Number(values.models);
const runs = Number(values.runs);

const SAMPLES: Record<Exclude<BenchDialect, "duckdb">, string[]> = {
  snowflake: [
    "SELECT raw:customer.name::string AS name, raw:items[0].sku AS sku, IFF(amount > 0, amount, 0) AS amt FROM raw.events",
    "SELECT e.id, f.value:sku::string AS sku, f.index FROM raw.events e, LATERAL FLATTEN(input => e.payload:items) f",
    "SELECT id, LISTAGG(name, ',') WITHIN GROUP (ORDER BY name) AS names FROM raw.t GROUP BY id",
    "SELECT id, DATEADD(day, -7, created_at) AS d, DATEDIFF(week, a, b) AS w FROM raw.t QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) = 1",
    "SELECT name FROM raw.t WHERE name ILIKE ANY ('%a%', '%b%')",
    'SELECT "Events".id, x::variant AS v, LAG(y) IGNORE NULLS OVER (ORDER BY id) AS ly FROM "Events"',
  ],
  bigquery: [
    "SELECT * EXCEPT (a, b) REPLACE (c * 2 AS c) FROM `proj.ds.tbl`",
    'SELECT arr[OFFSET(1)] AS a, arr[SAFE_OFFSET(2)] AS b, SAFE_CAST(x AS INT64) AS c, SAFE.PARSE_DATE(\'%Y\', y) AS d, "str" AS s, r"a\\d" AS r FROM `ds.tbl` t',
    "SELECT e, o FROM `ds.tbl` t, UNNEST(t.arr) AS e WITH OFFSET AS o",
    "SELECT STRUCT(a AS f, b AS g) AS s, ARRAY<INT64>[1, 2] AS arr FROM `region-us`.INFORMATION_SCHEMA.JOBS",
    "SELECT DATE_DIFF(a, b, DAY) AS dd, DATE_TRUNC(d, MONTH) AS m FROM ds.t",
    "SELECT AS STRUCT a, b FROM ds.t",
  ],
  databricks: [
    "SELECT `tbl`.`b`, raw:a.b AS ab, transform(xs, x -> x + 1) AS t, filter(xs, x -> x > 0) AS f FROM `cat`.`sch`.`tbl`",
    "SELECT id, item FROM cat.sch.t LATERAL VIEW explode(arr) e AS item",
    "SELECT * FROM STREAM read_files('/path/x', format => 'json')",
    "SELECT * FROM delta.`/mnt/data/t`",
    "SELECT t.* EXCEPT (a) FROM STREAM(cat.s.t) t",
    "SELECT get_json_object(j, '$.a') AS a, \"str\" AS s, CAST(x AS INT) FROM t",
  ],
};

function collect(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.name.endsWith(".sql")) out.push(readFileSync(p, "utf8"));
  }
  return out;
}

function modelsOf(dialect: BenchDialect): string[] {
  const dir = mkdtempSync(join(tmpdir(), `rocky-bench-dialect-${dialect}-`));
  generateProject(dir, n, dialect);
  const sqls = collect(join(dir, "models"));
  rmSync(dir, { recursive: true, force: true });
  return dialect === "duckdb" ? sqls : [...sqls, ...SAMPLES[dialect]];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const per = (ms: number, count: number) => `${((1000 * ms) / count).toFixed(0)} µs/model`;
const time = async (f: () => unknown): Promise<number> => {
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return median(out);
};

// Loading polyglot, in a fresh process (the figure a compile pays once when a model needs it).
const probe = Bun.spawnSync(
  [
    process.execPath,
    "-e",
    `const r0 = process.memoryUsage().rss; const t = performance.now();
     const p = await import("@polyglot-sql/sdk"); await p.init?.();
     const ms = performance.now() - t;
     p.transpile("SELECT a:b FROM t", "snowflake", "duckdb");
     console.log(JSON.stringify({ ms, rss0: r0, rss: process.memoryUsage().rss }));`,
  ],
  { cwd: join(import.meta.dir, "..") },
);
const load = JSON.parse(probe.stdout.toString() || "{}") as { ms?: number; rss0?: number; rss?: number };
console.log(
  `# dialect parse costs (${new Date().toISOString()}, ${navigator.hardwareConcurrency} cores, bun ${Bun.version}, ${n} synthetic models + samples per dialect, median of ${runs})`,
);
console.log(
  `polyglot load (import + init, fresh process): ${load.ms?.toFixed(0)} ms, RSS ${((load.rss0 ?? 0) / 1e6).toFixed(0)} → ${((load.rss ?? 0) / 1e6).toFixed(0)} MB`,
);

const parser = await createSqlParser();
const p = await loadPolyglot();
const base = modelsOf("duckdb");
await parser.parseMany(base.slice(0, 50));
console.log(
  `\nduckdb: DuckDB parse as written, batched: ${per(await time(() => parser.parseMany(base)), base.length)}`,
);
for (const dialect of ["snowflake", "bigquery", "databricks"] as const) {
  const sqls = modelsOf(dialect);
  const d = dialect as Exclude<SqlDialect, "duckdb">;
  const normalised = sqls.map((s) => normalizeForDuckDb(s, d));
  const tNorm = await time(() => sqls.map((s) => normalizeForDuckDb(s, d)));
  const soft = normalised.filter((x) => !x.hard).map((x) => x.text);
  const tDuck = await time(() => parser.parseMany(soft));
  const softParsed = await parser.parseMany(soft);
  const softOk = softParsed.filter((r) => r.ok).length;
  const tPg = await time(() => {
    for (const s of sqls) p.parse(s, dialect as never);
  });
  const pgOk = sqls.filter((s) => p.parse(s, dialect as never).success).length;
  const tTrans = await time(() => sqls.map((s) => transpileToDuckDb(p, s, d)));
  const transpiled = sqls.map((s) => transpileToDuckDb(p, s, d));
  const texts = transpiled.filter((t) => t.ok).map((t) => t.sql as string);
  const tTransDuck = await time(() => parser.parseMany(texts));
  const transOk = (await parser.parseMany(texts)).filter((r) => r.ok).length;
  console.log(`\n${dialect} (${sqls.length} models):`);
  console.log(
    `  normalise + DuckDB parse, batched: ${per(tNorm + tDuck, soft.length)} (normalise ${per(tNorm, sqls.length)}); ${softOk}/${sqls.length} parsed, ${sqls.length - soft.length} need polyglot (FLATTEN, …)`,
  );
  console.log(`  polyglot parse: ${per(tPg, sqls.length)}; ${pgOk}/${sqls.length} parsed`);
  console.log(
    `  polyglot transpile + fixes, then DuckDB parse: ${per(tTrans + tTransDuck, sqls.length)} (transpile ${per(tTrans, sqls.length)}); ${transOk}/${sqls.length} parsed`,
  );
}
parser.close();
