/**
 * The Snowflake adapter: the dialect's SQL run through the driver, with retries
 * of transient failures and errors turned into one clear line.
 */
import {
  DEFAULT_RETRY,
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
import { AsyncLocalStorage } from "node:async_hooks";
import { isAbsolute, join } from "node:path";
import type snowflake from "snowflake-sdk";
import type { SnowflakeConfig } from "./config.ts";
import { columnType, denormalizeIdent, SnowflakeDialect, toFingerprint } from "./dialect.ts";
import { type RawResult, SESSION_SETUP, SnowflakeDriver } from "./driver.ts";
import { isTransient, mapError } from "./errors.ts";

export class SnowflakeAdapter implements Adapter {
  readonly type = "snowflake";
  readonly dialect: SnowflakeDialect;
  readonly capabilities: AdapterCapabilities = {
    transactions: true,
    clone: true,
    fingerprint: true,
    defaultThreads: 8,
  };
  private readonly driver: SnowflakeDriver;
  /** Statements inside `transaction()` run on its own session, found through here. */
  private readonly txn = new AsyncLocalStorage<SnowflakeDriver>();
  private readonly retry: RetryPolicy;
  private readonly secrets: string[];
  private connecting: Promise<void> | undefined;
  private cancelEpoch = 0;

  constructor(
    private readonly config: SnowflakeConfig,
    private readonly ctx: AdapterContext,
  ) {
    this.dialect = new SnowflakeDialect({ database: config.database, schema: config.schema });
    this.driver = new SnowflakeDriver(() => this.sdkOptions());
    this.retry = {
      ...DEFAULT_RETRY,
      ...(config.retries !== undefined ? { attempts: config.retries + 1 } : {}),
    };
    this.secrets = [config.password, config.token, config.private_key_passphrase, config.private_key].filter(
      (s): s is string => typeof s === "string",
    );
  }

  /** The SDK's options, built per connection attempt (the SDK clears credentials after login). */
  sdkOptions(): snowflake.ConnectionOptions {
    const c = this.config;
    const opts: snowflake.ConnectionOptions & Record<string, unknown> = {
      account: c.account,
      ...(c.user !== undefined ? { username: c.user } : {}),
      ...(c.warehouse !== undefined ? { warehouse: c.warehouse } : {}),
      ...(c.role !== undefined ? { role: c.role } : {}),
      ...(c.database !== undefined ? { database: c.database } : {}),
      ...(c.schema !== undefined ? { schema: c.schema } : {}),
      ...(c.access_url !== undefined ? { accessUrl: c.access_url } : {}),
      application: "rocky",
      // The SDK's own login retry loop sleeps up to minutes; ours is bounded and shared
      // with statements, so it alone retries a login (not a documented typed option).
      sfRetryMaxLoginRetries: 0,
    };
    if (c.token !== undefined) {
      opts.authenticator = c.authenticator ?? "OAUTH";
      opts.token = c.token;
    } else if (c.private_key_path !== undefined || c.private_key !== undefined) {
      opts.authenticator = c.authenticator ?? "SNOWFLAKE_JWT";
      if (c.private_key_path !== undefined) {
        opts.privateKeyPath = isAbsolute(c.private_key_path)
          ? c.private_key_path
          : join(this.ctx.projectRoot, c.private_key_path);
      } else opts.privateKey = c.private_key;
      if (c.private_key_passphrase !== undefined) opts.privateKeyPass = c.private_key_passphrase;
    } else {
      if (c.authenticator !== undefined) opts.authenticator = c.authenticator;
      if (c.password !== undefined) opts.password = c.password;
    }
    return opts;
  }

  private fail(e: unknown) {
    return mapError(e, {
      account: this.config.account,
      ...(this.config.user !== undefined ? { user: this.config.user } : {}),
      ...(this.config.warehouse !== undefined ? { warehouse: this.config.warehouse } : {}),
      secrets: this.secrets,
    });
  }

  private async open(driver: SnowflakeDriver): Promise<void> {
    await withRetry(() => driver.connect(), isTransient, this.retry);
    await driver.run(SESSION_SETUP);
  }

  /** One login however many models ask at once; a failed attempt can be retried by the next call. */
  connect(): Promise<void> {
    this.connecting ??= this.open(this.driver).catch(async (e: unknown) => {
      this.connecting = undefined;
      await this.driver.close().catch(() => {});
      throw this.fail(e);
    });
    return this.connecting;
  }

  /**
   * One statement. Not retried here: snowflake-sdk already retries a query request
   * on HTTP 429/5xx and network failures with the same requestId, which the service
   * de-duplicates, whereas a fresh request after it gives up could run DML twice.
   */
  private async run(sql: string): Promise<RawResult> {
    const epoch = this.cancelEpoch;
    const pinned = this.txn.getStore();
    if (!pinned) await this.connect();
    // cancel() arrived while this statement waited for the session: it is in flight too.
    if (epoch !== this.cancelEpoch) throw new RockyError("Snowflake statement cancelled");
    const driver = pinned ?? this.driver;
    try {
      return await driver.run(sql);
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
    return { columns: r.columns.map((c) => ({ ...c, name: denormalizeIdent(c.name) })), rows: r.rows };
  }

  async describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const r = await this.run(this.dialect.describeSql(ref));
    if (r.rows.length === 0) return undefined;
    return r.rows.map((row) => ({
      name: denormalizeIdent(String(row[0])),
      type: columnType(String(row[1]), row[3], row[4], row[5]),
      nullable: row[2] === "YES",
    }));
  }

  async objectKind(ref: TableRef): Promise<"table" | "view" | undefined> {
    const r = await this.run(this.dialect.objectKindSql(ref));
    const kind = r.rows[0]?.[0];
    if (kind === undefined) return undefined;
    return String(kind).toUpperCase() === "VIEW" ? "view" : "table";
  }

  async tableExists(ref: TableRef): Promise<boolean> {
    return (await this.objectKind(ref)) !== undefined;
  }

  async listTables(catalog: string | undefined, schema: string): Promise<string[]> {
    const r = await this.run(this.dialect.listTablesSql(catalog, schema));
    return r.rows.map((row) => denormalizeIdent(String(row[0])));
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

  /**
   * Snowflake transactions belong to a session, and a run shares its session across
   * models running at once; so a transaction gets a session of its own, which the
   * statements issued inside `fn` find through async context.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const session = new SnowflakeDriver(() => this.sdkOptions());
    try {
      try {
        await this.open(session);
        await session.run("BEGIN");
      } catch (e) {
        throw this.fail(e);
      }
      let out: T;
      try {
        out = await this.txn.run(session, fn);
      } catch (e) {
        // The caller's own error goes back unchanged (statements inside were mapped already).
        await session.run("ROLLBACK").catch(() => {});
        throw e;
      }
      try {
        await session.run("COMMIT");
      } catch (e) {
        throw this.fail(e);
      }
      return out;
    } finally {
      await session.close().catch(() => {});
    }
  }

  async cancel(): Promise<void> {
    this.cancelEpoch++;
    await this.driver.cancel();
  }

  async close(): Promise<void> {
    this.connecting = undefined;
    await this.driver.close();
  }
}
