/** Shared by the branch tests: a DuckDB catalog reader and small project builders. */
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { type CliResult, rocky } from "../helpers/cli.ts";

/**
 * Read the warehouse the way a user would check it, opening and closing the file each time
 * (DuckDB locks the file; the CLI under test must be able to open it next).
 */
export async function duck(dbPath: string, sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(dbPath);
  const conn = await inst.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    return r
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
      );
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

/** Every table and view in the database, as `schema.name (kind)`, sorted: the catalog at a glance. */
export async function catalog(dbPath: string): Promise<string[]> {
  const rows = await duck(
    dbPath,
    `SELECT table_schema AS s, table_name AS t, table_type AS k FROM information_schema.tables
     WHERE table_catalog = current_database() ORDER BY 1, 2`,
  );
  return rows.map((r) => `${r.s}.${r.t} (${r.k === "VIEW" ? "view" : "table"})`);
}

export async function schemas(dbPath: string): Promise<string[]> {
  const rows = await duck(
    dbPath,
    "SELECT schema_name AS s FROM information_schema.schemata WHERE catalog_name = current_database() ORDER BY 1",
  );
  return rows.map((r) => String(r.s));
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

/** Run rocky in `cwd` with JSON output; fail the test with the CLI's own words when the exit code differs. */
export function ok(args: string[], cwd: string, expectCode = 0): CliResult {
  const r = rocky([...args, "-o", "json"], { cwd, env: { USER: "tester" } });
  if (r.code !== expectCode) {
    throw new Error(
      `rocky ${args.join(" ")} exited ${r.code} (expected ${expectCode})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
    );
  }
  return r;
}

export function text(args: string[], cwd: string): CliResult {
  return rocky([...args, "-o", "table"], { cwd, env: { USER: "tester" } });
}

/**
 * Content fingerprint of every table and view outside the branch schemas: row count plus
 * an order-independent hash. Equal fingerprints mean production was not written.
 */
export async function productionFingerprint(dbPath: string): Promise<Record<string, string>> {
  const objects = await duck(
    dbPath,
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
     WHERE table_catalog = current_database() AND table_schema NOT LIKE 'branch\\_\\_%' ESCAPE '\\' ORDER BY 1, 2`,
  );
  if (objects.length === 0) return {};
  const q = (id: unknown) => `"${String(id).replaceAll('"', '""')}"`;
  const sql = objects
    .map(
      (o) =>
        `SELECT '${o.s}.${o.t}' AS k, count(*)::VARCHAR || ':' || coalesce(sum(hash(x)), 0)::VARCHAR AS v FROM ${q(o.s)}.${q(o.t)} AS x`,
    )
    .join(" UNION ALL ");
  const rows = await duck(dbPath, sql);
  return Object.fromEntries(rows.map((r) => [String(r.k), String(r.v)]));
}

/** Rows of the state file, read directly as a user (or a Dagster sensor) could. */
export function stateRows(statePath: string, sql: string): Record<string, unknown>[] {
  const db = new Database(statePath, { readonly: true });
  try {
    return db.query(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/**
 * Drop the tables a promote keeps beside the production tables it replaced
 * (`<table>__rocky_backup_<run>_<seq>`, for `branch rollback`; see rollback.test.ts).
 */
export function withoutBackups<T>(items: T): T {
  const keep = (k: string) => !k.includes("__rocky_backup_");
  if (Array.isArray(items)) return items.filter((x) => keep(String(x))) as T;
  return Object.fromEntries(Object.entries(items as Record<string, unknown>).filter(([k]) => keep(k))) as T;
}
