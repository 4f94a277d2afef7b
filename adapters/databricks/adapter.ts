/**
 * The Databricks adapter: the dialect's SQL through the driver, transient
 * failures retried with bounded backoff, errors as one clear line.
 *
 * Retries happen at two levels, each where it is safe: the SDK retries its
 * idempotent Thrift calls (status polls, metadata, close) per HTTP request with
 * our bounds; rocky retries opening the session and submitting a statement, the
 * steps the SDK will not retry and after whose failure nothing has run.
 */
import {
  RockyError,
  withRetry,
  type Adapter,
  type AdapterCapabilities,
  type AdapterContext,
  type ColumnInfo,
  type ExecResult,
  type Fingerprint,
  type QueryResult,
  type RetryPolicy,
  type TableRef,
} from "../../src/adapter/sdk.ts";
import { type DatabricksConfig, endpoint } from "./config.ts";
import { DatabricksDialect, toFingerprint } from "./dialect.ts";
import { DatabricksDriver, type RawResult } from "./driver.ts";
import { isTransient, mapError } from "./errors.ts";

export class DatabricksAdapter implements Adapter {
  readonly type = "databricks";
  readonly dialect: DatabricksDialect;
  /** No multi-statement transactions on Delta; SHALLOW CLONE is native. */
  readonly capabilities: AdapterCapabilities = {
    transactions: false,
    clone: true,
    fingerprint: true,
    defaultThreads: 8,
  };
  private readonly driver: DatabricksDriver;
  private readonly retry: RetryPolicy;
  private readonly secrets: string[];
  private connecting: Promise<void> | undefined;
  private cancelEpoch = 0;

  constructor(
    private readonly config: DatabricksConfig,
    _ctx: AdapterContext,
  ) {
    this.dialect = new DatabricksDialect({ catalog: config.catalog, schema: config.schema });
    let ep: ReturnType<typeof endpoint>;
    try {
      ep = endpoint(config);
    } catch (e) {
      throw new RockyError(`invalid Databricks adapter config: ${(e as Error).message}`);
    }
    const attempts = (config.retries ?? 3) + 1;
    const delay = config.retry_delay_ms ?? 1000;
    this.retry = { attempts, baseDelayMs: delay, maxDelayMs: Math.max(delay, 30_000) };
    this.driver = new DatabricksDriver({
      endpoint: ep,
      auth:
        config.token !== undefined
          ? { token: config.token }
          : { clientId: config.client_id ?? "", clientSecret: config.client_secret ?? "" },
      ...(config.catalog !== undefined ? { catalog: config.catalog } : {}),
      ...(config.schema !== undefined ? { schema: config.schema } : {}),
      attempts,
      // The SDK's backoff is 2^attempt × min, so half our base gives the same first delay.
      delayMinMs: Math.max(1, Math.round(delay / 2)),
      delayMaxMs: this.retry.maxDelayMs,
    });
    this.secrets = [config.token, config.client_secret].filter((s): s is string => typeof s === "string");
  }

  private fail(e: unknown): RockyError {
    return mapError(e, { host: this.config.host, secrets: this.secrets });
  }

  /** One session however many models ask at once; a failed attempt can be retried by the next call. */
  connect(): Promise<void> {
    this.connecting ??= withRetry(() => this.driver.connect(), isTransient, this.retry).catch(
      (e: unknown) => {
        this.connecting = undefined;
        throw this.fail(e);
      },
    );
    return this.connecting;
  }

  private async run(sql: string): Promise<RawResult> {
    const epoch = this.cancelEpoch;
    await this.connect();
    // cancel() arrived while this statement waited for the session: it is in flight too.
    if (epoch !== this.cancelEpoch) throw new RockyError("Databricks statement cancelled");
    try {
      const op = await withRetry(() => this.driver.submit(sql), isTransient, this.retry);
      return await this.driver.collect(op);
    } catch (e) {
      throw this.fail(e);
    }
  }

  async execute(sql: string): Promise<ExecResult> {
    const r = await this.run(sql);
    return r.rowsAffected !== undefined ? { rowsAffected: r.rowsAffected } : {};
  }

  async query(sql: string): Promise<QueryResult> {
    const r = await this.run(sql);
    return { columns: r.columns, rows: r.rows };
  }

  /** `DESCRIBE TABLE`: column rows until the first blank or `#` section line. */
  async describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const r = await this.orAbsent(() => this.run(this.dialect.describeSql(ref)));
    if (!r) return undefined;
    const out: ColumnInfo[] = [];
    for (const row of r.rows) {
      const name = String(row[0] ?? "");
      if (name === "" || name.startsWith("#")) break;
      out.push({ name, type: String(row[1] ?? "").toUpperCase() });
    }
    return out;
  }

  async objectKind(ref: TableRef): Promise<"table" | "view" | undefined> {
    const r = await this.orAbsent(() => this.run(this.dialect.describeExtendedSql(ref)));
    if (!r) return undefined;
    const type = r.rows.find((row) => String(row[0]) === "Type")?.[1];
    return String(type ?? "").toUpperCase() === "VIEW" ? "view" : "table";
  }

  async tableExists(ref: TableRef): Promise<boolean> {
    return (await this.objectKind(ref)) !== undefined;
  }

  /** SHOW TABLES (views included); session temp views are not part of a schema. */
  async listTables(catalog: string | undefined, schema: string): Promise<string[]> {
    const r = await this.run(this.dialect.listTablesSql(catalog, schema));
    const name = r.columns.findIndex((c) => c.name === "tableName");
    const temp = r.columns.findIndex((c) => c.name === "isTemporary");
    return r.rows
      .filter((row) => temp < 0 || row[temp] !== true)
      .map((row) => String(row[name < 0 ? 1 : name]));
  }

  async createSchema(catalog: string | undefined, schema: string): Promise<void> {
    await this.run(this.dialect.createSchema(catalog, schema));
  }

  async dropSchema(catalog: string | undefined, schema: string): Promise<void> {
    await this.run(this.dialect.dropSchema(catalog, schema));
  }

  async cloneTable(source: TableRef, target: TableRef): Promise<void> {
    await this.run(this.dialect.cloneTable(source, target));
  }

  async fingerprint(ref: TableRef): Promise<Fingerprint> {
    const r = await this.run(this.dialect.fingerprintSql(ref));
    return toFingerprint(r.rows[0]);
  }

  async cancel(): Promise<void> {
    this.cancelEpoch++;
    await this.driver.cancel();
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    await this.driver.close();
  }

  /** A missing table is an answer here, not an error. */
  private async orAbsent<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RockyError && e.message.startsWith("Databricks object not found")) return undefined;
      throw e;
    }
  }
}
