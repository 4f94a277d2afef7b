/**
 * The embedded DuckDB adapter (SPEC §9). `@duckdb/node-api` is imported only when an
 * adapter is connected, so commands that never touch a warehouse do not load it.
 *
 * Parallel models each need their own connection (a DuckDB connection runs one
 * statement at a time and holds one transaction), so the adapter keeps a small pool;
 * `transaction(fn)` pins one connection to `fn` through AsyncLocalStorage.
 */
import {
  RockyError,
  type Adapter,
  type AdapterContext,
  type AdapterPlugin,
  type ColumnInfo,
  type ExecResult,
  type Fingerprint,
  type QueryResult,
  type TableRef,
} from "../../src/adapter/sdk.ts";
import { AsyncLocalStorage } from "node:async_hooks";
import { isAbsolute, resolve } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { type DuckDBConfig, DuckDBConfigSchema } from "./config.ts";
import { duckdbDialect, literal } from "./dialect.ts";

export type { DuckDBConfig } from "./config.ts";

function toJs(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "toString" in value) {
    // DuckDB value objects (decimals, intervals, blobs...) render as their SQL text.
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype) return String(value);
  }
  return value;
}

/**
 * Row count plus the sum of row hashes: independent of row order, sensitive to duplicates.
 * One scan of every column; what it costs is the decoding of the stored columns (128-bit
 * decimals from storage decode far slower than they hash), so another hash form saves nothing.
 */
export const fingerprintSql = (qualified: string): string =>
  `SELECT count(*) AS n, CAST(coalesce(sum(hash("_t")), 0) AS VARCHAR) AS h FROM ${qualified} AS "_t"`;

class DuckDBAdapter implements Adapter {
  readonly type = "duckdb";
  readonly dialect = duckdbDialect;
  readonly capabilities;
  private instance: DuckDBInstance | undefined;
  private idle: DuckDBConnection[] = [];
  private all: DuckDBConnection[] = [];
  private pinned = new AsyncLocalStorage<DuckDBConnection>();
  private readonly dbPath: string;
  private readonly projectRoot: string;

  constructor(
    private readonly config: DuckDBConfig,
    ctx: AdapterContext,
  ) {
    const path = config.path;
    this.projectRoot = ctx.projectRoot;
    this.dbPath =
      path === undefined || path === ":memory:"
        ? ":memory:"
        : isAbsolute(path)
          ? path
          : resolve(ctx.projectRoot, path);
    const threads = config.threads ?? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 4));
    this.capabilities = {
      transactions: true,
      transactionalDdl: true,
      clone: false,
      fingerprint: config.fingerprints !== false,
      defaultThreads: threads,
    };
  }

  async connect(): Promise<void> {
    if (this.instance) return;
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const options: Record<string, string> = {};
    if (this.config.threads) options.threads = String(this.config.threads);
    if (this.config.memory_limit) options.memory_limit = this.config.memory_limit;
    // `read_csv('data/x.csv')` in a model means the project's data/, whatever the current folder.
    options.file_search_path = this.projectRoot;
    try {
      this.instance = await DuckDBInstance.create(this.dbPath, options);
    } catch (e) {
      throw new Error(`cannot open DuckDB database ${this.dbPath}: ${(e as Error).message}`);
    }
  }

  private async withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const pinned = this.pinned.getStore();
    if (pinned) return fn(pinned).catch((e: unknown) => Promise.reject(oneLineError(e)));
    const c = await this.checkout();
    try {
      return await fn(c);
    } catch (e) {
      throw oneLineError(e);
    } finally {
      this.idle.push(c);
    }
  }

  private async checkout(): Promise<DuckDBConnection> {
    if (!this.instance) await this.connect();
    const c = this.idle.pop();
    if (c) return c;
    const fresh = await this.instance!.connect();
    this.all.push(fresh);
    return fresh;
  }

  async execute(sql: string): Promise<ExecResult> {
    return this.withConnection(async (c) => {
      const r = await c.run(sql);
      let rows = r.rowsChanged;
      // CREATE TABLE AS reports its row count as a one-cell `Count` result rather than rowsChanged.
      if (rows === 0 && r.columnCount === 1 && r.columnName(0) === "Count") {
        const data = await r.getRowsJS();
        rows = Number(data[0]?.[0] ?? 0);
      }
      return { rowsAffected: rows };
    });
  }

  async query(sql: string): Promise<QueryResult> {
    return this.withConnection(async (c) => {
      const r = await c.runAndReadAll(sql);
      const names = r.columnNames();
      const types = r.columnTypes();
      return {
        columns: names.map((name, i) => ({ name, type: String(types[i]).toUpperCase() })),
        rows: r.getRowsJS().map((row) => row.map(toJs)),
      };
    });
  }

  private catalogFilter(ref: { catalog?: string }): string {
    return ref.catalog ? `table_catalog = ${literal(ref.catalog)}` : "table_catalog = current_database()";
  }

  async describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const r = await this.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE ${this.catalogFilter(ref)} AND table_schema = ${literal(ref.schema)} AND table_name = ${literal(ref.table)}
       ORDER BY ordinal_position`,
    );
    if (r.rows.length === 0) return undefined;
    return r.rows.map(([name, type, nullable]) => ({
      name: String(name),
      type: String(type).toUpperCase(),
      nullable: nullable === "YES",
    }));
  }

  async objectKind(ref: TableRef): Promise<"table" | "view" | undefined> {
    const r = await this.query(
      `SELECT table_type FROM information_schema.tables
       WHERE ${this.catalogFilter(ref)} AND table_schema = ${literal(ref.schema)} AND table_name = ${literal(ref.table)}`,
    );
    const t = r.rows[0]?.[0];
    if (t === undefined) return undefined;
    return t === "VIEW" ? "view" : "table";
  }

  async listObjects(
    catalog: string | undefined,
    schema: string,
  ): Promise<{ name: string; kind: "table" | "view" }[]> {
    const r = await this.query(
      `SELECT table_name, table_type FROM information_schema.tables
       WHERE ${this.catalogFilter({ catalog })} AND table_schema = ${literal(schema)}`,
    );
    return r.rows.map(([name, type]) => ({ name: String(name), kind: type === "VIEW" ? "view" : "table" }));
  }

  async tableExists(ref: TableRef): Promise<boolean> {
    return (await this.objectKind(ref)) !== undefined;
  }

  async listTables(catalog: string | undefined, schema: string): Promise<string[]> {
    const r = await this.query(
      `SELECT table_name FROM information_schema.tables
       WHERE ${this.catalogFilter({ catalog })} AND table_schema = ${literal(schema)} ORDER BY table_name`,
    );
    return r.rows.map((row) => String(row[0]));
  }

  async createSchema(catalog: string | undefined, schema: string): Promise<void> {
    await this.execute(duckdbDialect.createSchema(catalog, schema));
  }

  async dropSchema(catalog: string | undefined, schema: string): Promise<void> {
    await this.execute(duckdbDialect.dropSchema(catalog, schema));
  }

  async fingerprint(ref: TableRef): Promise<Fingerprint> {
    const r = await this.query(fingerprintSql(duckdbDialect.qualify(ref)));
    const [n, h] = r.rows[0] ?? [0, "0"];
    return { rowCount: Number(n), hash: String(h) };
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pinned.getStore()) return fn();
    const c = await this.checkout();
    try {
      await c.run("BEGIN TRANSACTION");
      try {
        const out = await this.pinned.run(c, fn);
        await c.run("COMMIT");
        return out;
      } catch (e) {
        await c.run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    } finally {
      this.idle.push(c);
    }
  }

  async cancel(): Promise<void> {
    for (const c of this.all) c.interrupt();
  }

  async close(): Promise<void> {
    for (const c of this.all) c.closeSync();
    this.all = [];
    this.idle = [];
    this.instance?.closeSync();
    this.instance = undefined;
  }
}

const plugin: AdapterPlugin<DuckDBConfig> = {
  type: "duckdb",
  description: "Embedded DuckDB (a local file, or in-memory when no path is set)",
  configSchema: DuckDBConfigSchema,
  dialect: duckdbDialect,
  create: (config, ctx) => new DuckDBAdapter(config, ctx),
};

export default plugin;

/**
 * DuckDB errors span several lines (message, "Did you mean", a caret under the SQL).
 * A run report and a log want one line: keep the message, move the suggestion to the hint.
 */
export function oneLineError(e: unknown): Error {
  if (e instanceof RockyError) return e;
  const text = e instanceof Error ? e.message : String(e);
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const message = lines[0] ?? "DuckDB error";
  const suggestion = lines.find((l) => /^Did you mean/i.test(l));
  return new RockyError(message, { ...(suggestion ? { hint: suggestion } : {}), cause: e });
}
