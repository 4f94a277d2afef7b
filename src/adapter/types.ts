/**
 * The warehouse contract (SPEC §9). An adapter is a plugin: built-in ones live in
 * the top-level `adapters/<type>/`, a project's own in `<project>/adapters/<type>.ts`.
 * The run engine, branches, replay and the conformance suite only talk to this.
 */
import type { SeedSql } from "./seed-sql.ts";
import type * as v from "valibot";
import type { StrategySql } from "./strategy-sql.ts";

/** A fully resolved table name. `catalog` is absent on warehouses without one. */
export interface TableRef {
  catalog?: string;
  schema: string;
  table: string;
}

export interface ColumnInfo {
  name: string;
  /** The warehouse's own type name, upper-cased (e.g. `INTEGER`, `VARCHAR`, `NUMBER(38,0)`). */
  type: string;
  nullable?: boolean;
}

export interface QueryResult {
  columns: ColumnInfo[];
  /** Rows as plain JS values (bigint for 64-bit integers, string for decimals and dates). */
  rows: unknown[][];
}

export interface ExecResult {
  /** Rows inserted/updated/deleted, when the warehouse reports it. */
  rowsAffected?: number;
  bytesWritten?: number;
}

/** Output fingerprint: row count plus an order-independent hash of the content. */
export interface Fingerprint {
  rowCount: number;
  hash: string;
}

/**
 * Everything dialect-specific about SQL text. Pure: no I/O. The strategy building
 * blocks come from `StrategySql`; src/run/strategies.ts decides which to use.
 */
export interface Dialect extends StrategySql {
  readonly name: string;
  /** Quote an identifier, always (any branch or model name must be valid). */
  quoteIdent(id: string): string;
  /** Fully-qualified, quoted name (`"cat"."schema"."table"`, or project.dataset.table). */
  qualify(ref: TableRef): string;
  /** Defaults for a model with no [target] catalog/schema. */
  readonly defaultCatalog: string | undefined;
  readonly defaultSchema: string;
  /**
   * Make a schema name valid where the warehouse restricts it (BigQuery datasets:
   * letters, digits, `_`). Two branch names mapping to one schema are refused.
   */
  safeSchemaName(name: string): string;
  /**
   * The name the warehouse resolves `id` to once rocky has quoted it, for deciding whether
   * two names are one object (isolation collision checks, src/run/collisions.ts). DuckDB
   * and Databricks ignore case even when quoted; Snowflake keeps a quoted name exactly as
   * rocky normalises it; BigQuery compares exactly. Without it names compare case-insensitively.
   */
  foldIdentifier?(id: string): string;
  createSchema(catalog: string | undefined, schema: string): string;
  dropSchema(catalog: string | undefined, schema: string): string;
  dropTable(ref: TableRef): string;
  dropView(ref: TableRef): string;
  /**
   * Rename a table (or view) within its schema, without copying (promote backups, rollback). Only
   * where the statement keeps the schema whatever the session's default is.
   */
  renameTable?(ref: TableRef, newName: string, kind?: "table" | "view"): string;
  /** Native zero-copy clone (`CREATE TABLE x CLONE y`), when the warehouse has one. */
  cloneTable?(source: TableRef, target: TableRef): string;
  /**
   * Exchange two tables in one atomic statement, across schemas (Snowflake `ALTER TABLE …
   * SWAP WITH`): promote publishes a clone of the branch table this way, zero-copy.
   */
  swapTables?(a: TableRef, b: TableRef): string;
  /**
   * Publish a whole table over `target` in one statement that keeps its metadata (BigQuery
   * table copy, Databricks DEEP CLONE). Default: `CREATE OR REPLACE TABLE … AS SELECT *`.
   */
  copyTable?(source: TableRef, target: TableRef): string;
  /**
   * A query returning one row, one column: the highest value of `column` in `target`, as
   * text exact enough to compare against (incremental watermarks). Default: `SELECT max(col)`.
   */
  maxValueQuery?(target: TableRef, column: string): string;
  /** The SQL literal comparing equal to a stored watermark value. Default: a quoted string. */
  watermarkLiteral?(value: string): string;
  /** `rocky seed` types and literals (src/adapter/seed-sql.ts); absent: seeds load only into DuckDB. */
  readonly seed?: SeedSql;
}

export interface AdapterCapabilities {
  /** Several statements can be committed atomically (branch promote). */
  transactions: boolean;
  /**
   * DDL (`CREATE OR REPLACE TABLE`, `CREATE VIEW`, `DROP`) inside `transaction()` is rolled
   * back with it (DuckDB; not Snowflake, whose DDL commits). Write-audit-publish then tests a
   * model's would-be table inside the write's transaction and rolls back on a failing test.
   */
  transactionalDdl?: boolean;
  /** `cloneTable` is native zero-copy. */
  clone: boolean;
  /** `fingerprint` is implemented. */
  fingerprint: boolean;
  /** Number of models a run executes at once by default. */
  defaultThreads: number;
}

export interface Adapter {
  readonly type: string;
  readonly dialect: Dialect;
  readonly capabilities: AdapterCapabilities;
  connect(): Promise<void>;
  execute(sql: string): Promise<ExecResult>;
  query(sql: string): Promise<QueryResult>;
  /** Columns of a table or view, or undefined when it does not exist. */
  describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined>;
  tableExists(ref: TableRef): Promise<boolean>;
  /** Whether `ref` is a table or a view (undefined when absent); lets a run switch strategies. */
  objectKind?(ref: TableRef): Promise<"table" | "view" | undefined>;
  /**
   * Every table and view of a schema with its kind, in one round trip. A run lists each
   * target schema once instead of asking about every model (a catalog query per model
   * costs as much as building a small model).
   */
  listObjects?(
    catalog: string | undefined,
    schema: string,
  ): Promise<{ name: string; kind: "table" | "view" }[]>;
  listTables(catalog: string | undefined, schema: string): Promise<string[]>;
  createSchema(catalog: string | undefined, schema: string): Promise<void>;
  dropSchema(catalog: string | undefined, schema: string): Promise<void>;
  /** Zero-copy clone where native; adapters without it leave it undefined. */
  cloneTable?(source: TableRef, target: TableRef): Promise<void>;
  fingerprint?(ref: TableRef): Promise<Fingerprint>;
  /** Run `fn` inside one transaction; rolled back if it throws. */
  transaction?<T>(fn: () => Promise<T>): Promise<T>;
  /** Cancel in-flight statements (SIGINT). */
  cancel?(): Promise<void>;
  close(): Promise<void>;
}

export interface AdapterContext {
  /** Folder holding rocky.toml: relative paths in adapter config are relative to it. */
  projectRoot: string;
  /** Adapter block name in rocky.toml (`default` for a bare [adapter]). */
  name: string;
}

/** What an adapter module exports (default export or named `adapter`). */
export interface AdapterPlugin<C = Record<string, unknown>> {
  readonly type: string;
  readonly description?: string;
  /** Validates the adapter's block of rocky.toml (everything but `type`). */
  readonly configSchema: v.GenericSchema<unknown, C>;
  /** The dialect, without connecting (compile-time checks, golden SQL tests). */
  readonly dialect: Dialect;
  /**
   * The dialect as a project's adapter block configures it (default database/schema),
   * without connecting or needing secrets: only dialect keys are read, and only when
   * they are plain strings. Absent: `dialect` is used as is.
   */
  dialectFor?(block: Record<string, unknown>): Dialect;
  create(config: C, ctx: AdapterContext): Adapter;
}
