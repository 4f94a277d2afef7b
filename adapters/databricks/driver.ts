/**
 * The thin layer over @databricks/sql: one client, one session, statements as
 * promises, rows as arrays in schema order. No error wording here.
 */
import type { ColumnInfo } from "../../src/adapter/sdk.ts";
import type * as Dbx from "@databricks/sql";
import type IConnectionProvider from "@databricks/sql/dist/connection/contracts/IConnectionProvider";
import type IDBSQLSession from "@databricks/sql/dist/contracts/IDBSQLSession";
import type IOperation from "@databricks/sql/dist/contracts/IOperation";
import type { Endpoint } from "./config.ts";

export interface RawResult {
  columns: ColumnInfo[];
  rows: unknown[][];
  rowsAffected?: number;
}

export type DbxAuth = { token: string } | { clientId: string; clientSecret: string };

export interface DriverOptions {
  endpoint: Endpoint;
  auth: DbxAuth;
  catalog?: string;
  schema?: string;
  /** The SDK's own per-request retry (idempotent Thrift calls only): total attempts and backoff. */
  attempts: number;
  delayMinMs: number;
  delayMaxMs: number;
}

/** The SDK logs JSON lines to the console by default; rocky reports errors itself. */
const silent = { log: () => {} };

type Sdk = typeof Dbx;
type TypeIds = Sdk["thrift"]["TCLIService_types"]["TTypeId"];

interface Loaded {
  sdk: Sdk;
  /** DBSQLClient for a loopback `http://` endpoint. */
  LoopbackHttpClient: new (
    ep: Endpoint,
  ) => Dbx.DBSQLClient;
}

let loaded: Promise<Loaded> | undefined;

/**
 * @databricks/sql is loaded on first connect: importing it takes about a second,
 * and compile-time work (the dialect) never needs it.
 */
function loadSdk(): Promise<Loaded> {
  loaded ??= import("@databricks/sql").then((sdk) => {
    /**
     * The SDK hard-codes `https` in a private method; for a loopback `http://` host
     * we hand it a plain-HTTP connection provider (the SDK's own HttpConnection
     * class) through the public IClientContext hook.
     */
    class LoopbackHttpClient extends sdk.DBSQLClient {
      private plainProvider: IConnectionProvider | undefined;

      constructor(private readonly endpointInfo: Endpoint) {
        super({ logger: silent });
      }

      override async getConnectionProvider(): Promise<IConnectionProvider> {
        await super.getConnectionProvider(); // keeps the SDK's "not connected" check
        this.plainProvider ??= new sdk.connections.HttpConnection(
          {
            host: this.endpointInfo.host,
            port: this.endpointInfo.port,
            path: this.endpointInfo.path,
            https: false,
            headers: { "User-Agent": "rocky" },
          },
          this,
        );
        return this.plainProvider;
      }

      override async close(): Promise<void> {
        await super.close();
        this.plainProvider = undefined;
      }
    }
    return { sdk, LoopbackHttpClient };
  });
  return loaded;
}

export class DatabricksDriver {
  private client: Dbx.DBSQLClient | undefined;
  private typeIds: TypeIds | undefined;
  private session: IDBSQLSession | undefined;
  private readonly inflight = new Set<IOperation>();
  /** Bumped by cancel(): a statement whose submission straddles a cancel is cancelled on arrival. */
  private cancelEpoch = 0;

  constructor(private readonly opts: DriverOptions) {}

  get connected(): boolean {
    return this.session !== undefined;
  }

  async connect(): Promise<void> {
    const { endpoint: ep, auth } = this.opts;
    const { sdk, LoopbackHttpClient } = await loadSdk();
    this.typeIds = sdk.thrift.TCLIService_types.TTypeId;
    const client = ep.https ? new sdk.DBSQLClient({ logger: silent }) : new LoopbackHttpClient(ep);
    try {
      await client.connect({
        host: ep.host,
        port: ep.port,
        path: ep.path,
        ...("token" in auth
          ? { token: auth.token }
          : {
              authType: "databricks-oauth" as const,
              oauthClientId: auth.clientId,
              oauthClientSecret: auth.clientSecret,
            }),
        userAgentEntry: "rocky",
        // No usage telemetry or feature-flag calls from a CLI run.
        telemetryEnabled: false,
        // Exact DECIMAL (string) and BIGINT (bigint) instead of lossy JS numbers.
        preserveBigNumericPrecision: true,
        retryMaxAttempts: this.opts.attempts,
        retryDelayMin: this.opts.delayMinMs,
        retryDelayMax: this.opts.delayMaxMs,
        retriesTimeout: 5 * 60_000,
      });
      // Timestamps and decimals as text (exact, no JS Date rounding to milliseconds).
      // Not a connect() option in 2.1; the client reads this config per statement.
      client.getConfig().useArrowNativeTypes = false;
      this.session = await client.openSession({
        ...(this.opts.catalog !== undefined ? { initialCatalog: this.opts.catalog } : {}),
        ...(this.opts.schema !== undefined ? { initialSchema: this.opts.schema } : {}),
      });
      this.client = client;
    } catch (e) {
      await client.close().catch(() => {});
      throw e;
    }
  }

  /** Submit a statement; only this step is safe to retry (nothing ran if it failed). */
  async submit(sql: string): Promise<IOperation> {
    const session = this.session;
    if (!session) throw new Error("not connected");
    const epoch = this.cancelEpoch;
    const op = await session.executeStatement(sql);
    this.inflight.add(op);
    if (epoch !== this.cancelEpoch) await op.cancel().catch(() => {});
    return op;
  }

  /** Wait for a submitted statement and read all of its rows. */
  async collect(op: IOperation): Promise<RawResult> {
    try {
      const objects = (await op.fetchAll()) as Record<string, unknown>[];
      const schema = await op.getSchema();
      const cols = (schema?.columns ?? []).slice().sort((a, b) => a.position - b.position);
      const kinds = cols.map((c) => c.typeDesc.types[0]?.primitiveEntry);
      const ids = this.typeIds ?? {};
      const columns: ColumnInfo[] = cols.map((c, i) => ({
        name: c.columnName,
        type: typeName(kinds[i], ids),
      }));
      const rows = objects.map((o) => cols.map((c, i) => convert(o[c.columnName], kinds[i]?.type, ids)));
      const affected = columns.findIndex((c) => c.name === "num_affected_rows");
      const n = affected >= 0 ? rows[0]?.[affected] : undefined;
      return { columns, rows, ...(n !== undefined && n !== null ? { rowsAffected: Number(n) } : {}) };
    } finally {
      this.inflight.delete(op);
      await op.close().catch(() => {});
    }
  }

  async cancel(): Promise<void> {
    this.cancelEpoch++;
    await Promise.all([...this.inflight].map((op) => op.cancel().catch(() => {})));
  }

  async close(): Promise<void> {
    const { session, client } = this;
    this.session = undefined;
    this.client = undefined;
    await session?.close().catch(() => {});
    await client?.close();
  }
}

type Primitive = {
  type: number;
  typeQualifiers?: { qualifiers?: Record<string, { i32Value?: number | null }> } | null;
};

/** Spark type names, upper case (`BIGINT`, `DECIMAL(10,2)`). */
function typeName(p: Primitive | undefined | null, ids: Record<string | number, string | number>): string {
  if (!p) return "UNKNOWN";
  const name = (ids[p.type] as string | undefined)?.replace(/_TYPE$/, "") ?? "UNKNOWN";
  if (name === "DECIMAL") {
    const q = p.typeQualifiers?.qualifiers;
    const precision = q?.precision?.i32Value;
    const scale = q?.scale?.i32Value;
    return precision != null ? `DECIMAL(${precision},${scale ?? 0})` : "DECIMAL";
  }
  return name;
}

function convert(
  v: unknown,
  type: number | undefined,
  ids: Record<string | number, string | number>,
): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    // DATE arrives as a UTC-midnight Date: keep the calendar day only.
    return type === ids.DATE_TYPE ? v.toISOString().slice(0, 10) : v.toISOString();
  }
  return v;
}
