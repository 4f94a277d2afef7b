/**
 * `rocky seed` on Snowflake, BigQuery and Databricks: DuckDB reads the CSV here (the same
 * read_csv, sniffed or declared types, as a DuckDB seed), then the rows go to the warehouse
 * in a staging table that replaces the seed in one statement, so a half-loaded seed is
 * never visible: CREATE staging (typed) → INSERT … VALUES in batches → publish over the
 * seed (the dialect's copyTable, else CREATE OR REPLACE … AS SELECT) → DROP staging.
 */
import type { Adapter, Dialect, TableRef } from "../adapter/types.ts";
import type { SeedSql } from "../adapter/seed-sql.ts";
import { RockyError } from "../errors.ts";

export interface LocalCsv {
  /** Column names with the DuckDB type each was read as. */
  columns: { name: string; type: string }[];
  /** Every value as DuckDB's VARCHAR cast of it (null: NULL). */
  rows: (string | null)[][];
}

export interface SeedStatements {
  staging: TableRef;
  create: string;
  inserts: string[];
  publish: string;
  drop: string;
}

/** Per INSERT: few enough rows for Snowflake's VALUES limit (16,384), text well under BigQuery's 1 MB. */
export const BATCH = { rows: 1000, bytes: 256 * 1024 };

export function seedSqlOf(dialect: Dialect, adapterType: string): SeedSql {
  if (!dialect.seed)
    throw new RockyError(
      `rocky seed cannot load into the ${adapterType} adapter: its dialect has no seed SQL`,
      {
        hint: "give the adapter's dialect a `seed` (standardSeedSql from the adapter SDK), or seed into DuckDB",
      },
    );
  return dialect.seed;
}

export function seedStatements(
  dialect: Dialect,
  seed: SeedSql,
  target: TableRef,
  csv: LocalCsv,
  batch = BATCH,
): SeedStatements {
  const staging = { ...target, table: `${target.table}__rocky_seed` };
  const stagingName = dialect.qualify(staging);
  const q = (c: string) => dialect.quoteIdent(c);
  // An empty typed CTAS rather than a column list: the one spelling all three accept as is.
  const create = `CREATE OR REPLACE TABLE ${stagingName} AS SELECT ${csv.columns
    .map((c) => `CAST(NULL AS ${seed.columnType(c.type)}) AS ${q(c.name)}`)
    .join(", ")} LIMIT 0`;
  const head = `INSERT INTO ${stagingName} (${csv.columns.map((c) => q(c.name)).join(", ")}) VALUES\n`;
  const inserts: string[] = [];
  let tuples: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (tuples.length > 0) inserts.push(head + tuples.join(",\n"));
    tuples = [];
    bytes = 0;
  };
  for (const row of csv.rows) {
    const tuple = `(${row.map((v, i) => seed.value(v, csv.columns[i]!.type)).join(", ")})`;
    if (tuples.length >= batch.rows || (tuples.length > 0 && bytes + tuple.length > batch.bytes)) flush();
    tuples.push(tuple);
    bytes += tuple.length + 2;
  }
  flush();
  const publish =
    dialect.copyTable?.(staging, target) ??
    `CREATE OR REPLACE TABLE ${dialect.qualify(target)} AS SELECT * FROM ${stagingName}`;
  return { staging, create, inserts, publish, drop: dialect.dropTable(staging) };
}

/** Read a CSV with an in-memory DuckDB (the seed's `read_csv` SELECT) into names, types and text values. */
export async function readCsvLocally(reader: Adapter, select: string): Promise<LocalCsv> {
  const described = await reader.query(`DESCRIBE ${select}`);
  const columns = described.rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  const data = await reader.query(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (${select})`);
  return {
    columns,
    rows: data.rows.map((r) => r.map((v) => (v === null || v === undefined ? null : String(v)))),
  };
}

/** Load one seed; on failure the staging table is dropped (best effort) and the seed is as it was. */
export async function loadIntoWarehouse(adapter: Adapter, s: SeedStatements): Promise<void> {
  try {
    await adapter.execute(s.create);
    for (const insert of s.inserts) await adapter.execute(insert);
    await adapter.execute(s.publish);
  } catch (e) {
    await adapter.execute(s.drop).catch(() => {});
    throw e;
  }
  await adapter.execute(s.drop);
}

/** What the state file keeps of a warehouse seed: the DDL, not the data (a seed can be large). */
export function recordedStatements(s: SeedStatements, rows: number): string[] {
  return [
    s.create,
    `-- ${rows} row${rows === 1 ? "" : "s"} inserted in ${s.inserts.length} INSERT statement${s.inserts.length === 1 ? "" : "s"}`,
    s.publish,
    s.drop,
  ];
}
