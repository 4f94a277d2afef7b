/**
 * `rocky seed`: every `seeds/*.csv` beside rocky.toml becomes a table of the default schema,
 * read by DuckDB's read_csv (types detected, or declared in `seeds/<name>.toml`), and the
 * load is recorded as a run (command `seed`) with one row per seed. On DuckDB the table is
 * created straight from read_csv; on another warehouse see ./warehouse.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import * as v from "valibot";
import { createAdapter } from "../adapter/loader.ts";
import type { Adapter, TableRef } from "../adapter/types.ts";
import { defaultLocation } from "../compile/location.ts";
import { type LoadedConfig, validateOrThrow } from "../config/load.ts";
import { parseToml } from "../config/toml.ts";
import { RockyError } from "../errors.ts";
import { connectAdapter, pickAdapter } from "../run/connect.ts";
import { finishRun, insertRun, recordModel, sqlHash, type Trigger } from "../state/runs.ts";
import { openState } from "../state/store.ts";
import { VERSION } from "../version.ts";
import { firstRaggedRow } from "./csv.ts";
import {
  loadIntoWarehouse,
  readCsvLocally,
  recordedStatements,
  seedSqlOf,
  seedStatements,
} from "./warehouse.ts";

/** `seeds/<name>.toml`: the column types of the seed (every column, in file order). */
export const SeedSidecarSchema = v.strictObject({
  columns: v.record(v.string(), v.pipe(v.string(), v.nonEmpty())),
});

export interface SeedResult {
  name: string;
  /** The CSV, relative to the project. */
  file: string;
  table: string;
  rows: number;
  columns: { name: string; type: string }[];
  duration_ms: number;
}

export interface SeedOutcome {
  runId: string;
  seeds: SeedResult[];
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function readCsvSql(csv: string, sidecar: string): Promise<string> {
  const opts = ["header = true", "delim = ','", "quote = '\"'"];
  if (existsSync(sidecar)) {
    const toml = validateOrThrow(
      SeedSidecarSchema,
      await parseToml(readFileSync(sidecar, "utf8"), sidecar),
      sidecar,
    );
    const cols = Object.entries(toml.columns).map(([k, t]) => `${sqlString(k)}: ${sqlString(t)}`);
    opts.push(`columns = {${cols.join(", ")}}`);
  }
  return `SELECT * FROM read_csv(${sqlString(csv)}, ${opts.join(", ")})`;
}

/** DuckDB's "CSV Error on Line: N" becomes `file:N: …`; other errors are prefixed with the file. */
function csvError(rel: string, e: Error): RockyError {
  const m = /CSV Error on Line: (\d+)/.exec(e.message);
  const detail = e.message
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(Original Line|Error when converting|Could not convert)/.test(l))
    .join("; ");
  const where = m ? `${rel}:${m[1]}` : rel;
  return new RockyError(`seed ${where}: ${detail || e.message.split("\n")[0]}`, {
    hint: m
      ? "fix that line, or declare the column's type in the seed's .toml sidecar"
      : "check that the file is comma-separated with a header row",
  });
}

export async function seedProject(
  config: LoadedConfig,
  opts: { trigger: Trigger; only?: string[] },
): Promise<SeedOutcome> {
  const dir = join(config.root, "seeds");
  const all = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".csv"))
        .sort()
    : [];
  if (all.length === 0)
    throw new RockyError(`no seeds: ${relative(process.cwd(), dir) || dir} has no .csv files`, {
      hint: "put CSV files with a header row in seeds/ beside rocky.toml",
    });
  const names = all.map((f) => basename(f, ".csv"));
  for (const n of opts.only ?? [])
    if (!names.includes(n))
      throw new RockyError(`no seed named '${n}'`, { hint: `the seeds are: ${names.join(", ")}` });
  const chosen = all.filter((f) => !opts.only?.length || opts.only.includes(basename(f, ".csv")));
  const { block } = pickAdapter(config);
  const inWarehouse = block.type !== "duckdb";
  // Shape errors first: nothing is loaded when one file is malformed.
  const plans = chosen.map((f) => {
    const csv = join(dir, f);
    const rel = relative(config.root, csv);
    const ragged = firstRaggedRow(readFileSync(csv, "utf8"));
    if (ragged)
      throw new RockyError(
        `seed ${rel}:${ragged.line}: ${ragged.fields} fields, the header has ${ragged.expected}`,
        { hint: "fix that line (quote a value that holds a comma)" },
      );
    return { name: basename(f, ".csv"), csv, rel, sidecar: join(dir, `${basename(f, ".csv")}.toml`) };
  });
  const store = openState(config.statePath, { lock: { command: "seed" } });
  let adapter: Adapter | undefined;
  /** Another warehouse's seeds are read by an in-memory DuckDB here (src/seed/warehouse.ts). */
  let reader: Adapter | undefined;
  let runId: string | undefined;
  try {
    adapter = await connectAdapter(config);
    const seedSql = inWarehouse ? seedSqlOf(adapter.dialect, adapter.type) : undefined;
    if (inWarehouse) {
      reader = await createAdapter({ type: "duckdb" }, { projectRoot: config.root, name: "seed-reader" });
      await reader.connect();
      // Instants are sent as UTC text, whatever this machine's time zone.
      await reader.execute("SET TimeZone = 'UTC'");
    }
    runId = insertRun(store, {
      trigger: opts.trigger,
      startedAt: new Date(),
      configHash: config.hash,
      scope: "production",
      rockyVersion: VERSION,
      adapterType: adapter.type,
      command: "seed",
    });
    const loc = defaultLocation(config);
    const schema = loc.schema ?? adapter.dialect.defaultSchema;
    await adapter.createSchema(loc.catalog, schema);
    const seeds: SeedResult[] = [];
    for (const [seq, p] of plans.entries()) {
      const ref: TableRef = { ...(loc.catalog ? { catalog: loc.catalog } : {}), schema, table: p.name };
      const table = adapter.dialect.qualify(ref);
      const started = new Date();
      const select = await readCsvSql(p.csv, p.sidecar);
      let statements = [`CREATE OR REPLACE TABLE ${table} AS ${select}`];
      const base = {
        run_id: runId,
        model_name: p.name,
        seq,
        target: table,
        strategy: "seed",
        started_at: started.toISOString(),
        bytes_written: null,
        fingerprint_rows: null,
        fingerprint_hash: null,
        reads: [],
      };
      const fail = (err: RockyError): never => {
        recordModel(
          store,
          {
            ...base,
            status: "failed",
            finished_at: new Date().toISOString(),
            duration_ms: Date.now() - started.getTime(),
            sql_hash: null,
            rows_affected: null,
            error: err.message,
          },
          undefined,
        );
        throw err;
      };
      // The adapter keeps DuckDB's first line; the offending line and value are in its cause.
      const readError = (e: unknown) => {
        const cause = (e as Error).cause;
        return csvError(p.rel, cause instanceof Error ? cause : (e as Error));
      };
      let rows: number;
      let columns: { name: string; type: string }[];
      if (seedSql && reader) {
        const csv = await readCsvLocally(reader, select).catch((e: unknown) => fail(readError(e)));
        const load = seedStatements(adapter.dialect, seedSql, ref, csv);
        await loadIntoWarehouse(adapter, load).catch((e: unknown) =>
          fail(
            new RockyError(
              `seed ${p.rel}: the ${adapter!.type} warehouse refused it: ${(e as Error).message}`,
              {
                hint: `${table} is left as it was; fix the cause and run 'rocky seed ${p.name}' again`,
              },
            ),
          ),
        );
        rows = csv.rows.length;
        columns = csv.columns.map((c) => ({ name: c.name, type: seedSql.columnType(c.type) }));
        statements = recordedStatements(load, rows);
      } else {
        await adapter.execute(statements[0]!).catch((e: unknown) => fail(readError(e)));
        const count = await adapter.query(`SELECT count(*) FROM ${table}`);
        rows = Number(count.rows[0]?.[0] ?? 0);
        columns = ((await adapter.describeTable(ref)) ?? []).map((c) => ({ name: c.name, type: c.type }));
      }
      const finished = new Date();
      recordModel(
        store,
        {
          ...base,
          status: "success",
          finished_at: finished.toISOString(),
          duration_ms: finished.getTime() - started.getTime(),
          sql_hash: sqlHash(statements),
          rows_affected: rows,
          error: null,
        },
        statements,
      );
      seeds.push({
        name: p.name,
        file: p.rel,
        table,
        rows,
        columns,
        duration_ms: finished.getTime() - started.getTime(),
      });
    }
    finishRun(store, runId, "success", new Date());
    return { runId, seeds };
  } catch (e) {
    if (runId !== undefined) finishRun(store, runId, "failure", new Date(), (e as Error).message);
    throw e;
  } finally {
    await adapter?.close().catch(() => {});
    await reader?.close().catch(() => {});
    store.close();
  }
}
