/**
 * Where a cold compile's memory goes, by owner (issue 17): measured in one process, step
 * by step, on a generated medallion project (bench-project.ts). Each step's figure is the
 * growth of RSS and of the live JS heap (after a full GC) it causes while its result is
 * kept alive:
 *  - DuckDB's parser: the in-memory instance and its two connections, then the native
 *    memory a serialisation of every model leaves behind (JSON text dropped);
 *  - the JSON text: the serialised ASTs as JS strings, all at once;
 *  - the parse trees: those strings JSON.parsed, all at once (compile holds ~3 chunks);
 *  - the compile result (graph, analyses, diagnostics) of a full `compileProject`.
 * For the time by phase, use ROCKY_PROFILE=1 with `rocky compile -o json`.
 *
 *   bun scripts/profile-compile.ts [--models 10000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { heapStats } from "bun:jsc";
import { compileProject } from "../src/compile/compile.ts";
import { loadConfig } from "../src/config/load.ts";
import { loadProject } from "../src/project/load.ts";
import { openStringDatabase } from "../src/sql/duckdb-strings.ts";
import { generateProject } from "./bench-project.ts";

const { values } = parseArgs({ options: { models: { type: "string", default: "10000" } } });
const n = Number(values.models);
const dir = mkdtempSync(join(tmpdir(), `rocky-profile-${n}-`));
generateProject(dir, n);

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const snap = () => {
  Bun.gc(true);
  return { rss: process.memoryUsage.rss(), heap: heapStats().heapSize };
};
let last = snap();
const step = (label: string, t0: number) => {
  const now = snap();
  console.log(
    `${label.padEnd(44)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  rss ${mb(now.rss - last.rss).padStart(7)}  heap ${mb(now.heap - last.heap).padStart(7)}  (rss ${mb(now.rss)})`,
  );
  last = now;
};

console.log(`# ${n} models: time and memory growth per step (one process, results kept alive)`);
let t = performance.now();
const project = await loadProject(await loadConfig(join(dir, "rocky.toml")));
step("config + project (SQL text of every model)", t);

t = performance.now();
const db = await openStringDatabase({ threads: "1" });
const conns = [await db.connect(), await db.connect()];
step("DuckDB instance + 2 connections", t);

const sqls = project.models.map((m) => m.sql);
const CHUNK = 250;
const serialise = async (keep: boolean) => {
  const out: string[] = [];
  const chunks: Promise<void>[] = [];
  let next = 0;
  for (const c of conns)
    chunks.push(
      (async () => {
        while (next < sqls.length) {
          const start = next;
          next += CHUNK;
          const rows = await c.strings(
            "SELECT json_serialize_sql(unnest, skip_null := true, skip_empty := true) FROM unnest(?::VARCHAR[])",
            sqls.slice(start, start + CHUNK),
          );
          if (keep)
            rows.forEach((r, k) => {
              out[start + k] = r ?? "";
            });
        }
      })(),
    );
  await Promise.all(chunks);
  return out;
};
t = performance.now();
await serialise(false);
step("DuckDB serialise all, text dropped (native)", t);

t = performance.now();
const texts = await serialise(true);
const bytes = texts.reduce((s, x) => s + x.length, 0);
step(`JSON text of all ASTs (${mb(bytes)} of characters)`, t);

t = performance.now();
const trees = texts.map((x) => JSON.parse(x));
step("parse trees of all models (JSON.parse)", t);
trees.length = 0;
texts.length = 0;
for (const c of conns) c.close();
db.close();
step("trees, text and DuckDB released", performance.now());

t = performance.now();
const result = await compileProject(project, { cache: false });
step(`compileProject, result kept (${result.graph.edgeCount} edges)`, t);
console.log(
  `result timings: parse ${result.timings.parse_ms} ms, analysis ${result.timings.analysis_ms} ms, graph ${result.timings.semantic_graph_ms} ms`,
);
rmSync(dir, { recursive: true, force: true });
