/**
 * The thin layer over snowflake-sdk: one session, statements as promises, typed
 * rows. No retries and no error wording here (that is the adapter's job).
 */
import type { ColumnInfo } from "../../src/adapter/sdk.ts";
import type snowflake from "snowflake-sdk";

type Sdk = typeof snowflake;
let sdk: Promise<Sdk> | undefined;

/**
 * snowflake-sdk is loaded on first connect: importing it takes seconds, and
 * compile-time work (the dialect) never needs it.
 */
function loadSdk(): Promise<Sdk> {
  sdk ??= (async () => {
    // At load time the SDK probes cloud metadata endpoints (AWS STS, Azure/GCE
    // metadata IPs) for its login telemetry: a network round-trip with a timeout
    // that tells rocky nothing. Setting the variable to "false" opts back in.
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= "true";
    const m = (await import("snowflake-sdk")).default;
    // The SDK logs to a file in the working directory by default; rocky reports errors itself.
    m.configure({ logLevel: "OFF" });
    return m;
  })();
  return sdk;
}

export interface RawResult {
  columns: ColumnInfo[];
  rows: unknown[][];
  rowsAffected?: number;
  queryId?: string;
}

/**
 * Session output formats pinned at connect, so dates and timestamps come back as
 * lossless, unambiguous text (watermarks compare against them).
 */
export const SESSION_SETUP = [
  "ALTER SESSION SET",
  "DATE_OUTPUT_FORMAT = 'YYYY-MM-DD'",
  "TIME_OUTPUT_FORMAT = 'HH24:MI:SS.FF9'",
  "TIMESTAMP_NTZ_OUTPUT_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'",
  "TIMESTAMP_LTZ_OUTPUT_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
  "TIMESTAMP_TZ_OUTPUT_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'",
  "QUERY_TAG = 'rocky'",
].join(" ");

export class SnowflakeDriver {
  private conn: snowflake.Connection | undefined;
  private readonly inflight = new Set<snowflake.RowStatement>();

  constructor(private readonly options: () => snowflake.ConnectionOptions) {}

  get connected(): boolean {
    return this.conn !== undefined;
  }

  /** A fresh SDK connection per attempt: the SDK clears credentials after a login request. */
  async connect(): Promise<void> {
    const conn = (await loadSdk()).createConnection(this.options());
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    this.conn = conn;
  }

  run(sql: string): Promise<RawResult> {
    const conn = this.conn;
    if (!conn) return Promise.reject(new Error("not connected"));
    return new Promise<RawResult>((resolve, reject) => {
      const stmt = conn.execute({
        sqlText: sql,
        rowMode: "array",
        // Numbers and dates as text: we convert by column type (bigint, decimal string)
        // instead of the SDK's lossy JS numbers and local-time Dates.
        fetchAsString: ["Number", "Date"],
        complete: (err, s, rows) => {
          this.inflight.delete(stmt);
          if (err) return reject(err);
          const meta = (s.getColumns() ?? []).map((c) => ({
            name: c.getName(),
            raw: c.getType(),
            scale: c.getScale(),
            precision: c.getPrecision(),
            nullable: c.isNullable(),
          }));
          const updated = s.getNumUpdatedRows();
          resolve({
            columns: meta.map((m) => ({
              name: m.name,
              type: typeName(m.raw, m.precision, m.scale),
              nullable: m.nullable,
            })),
            rows: ((rows ?? []) as unknown[][]).map((r) =>
              r.map((v, i) => convert(v, meta[i]?.raw, meta[i]?.scale)),
            ),
            ...(updated !== undefined && updated >= 0 ? { rowsAffected: updated } : {}),
            queryId: s.getQueryId(),
          });
        },
      });
      this.inflight.add(stmt);
    });
  }

  /** Ask the service to abort every statement in flight. */
  async cancel(): Promise<void> {
    const stmts = [...this.inflight];
    await Promise.all(stmts.map((s) => new Promise<void>((resolve) => s.cancel(() => resolve()))));
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) return;
    await new Promise<void>((resolve) => conn.destroy(() => resolve()));
  }
}

/** Snowflake's rowtype names (`fixed`, `text`, ...) as the type names users see. */
function typeName(raw: string, precision: number, scale: number): string {
  switch (raw.toLowerCase()) {
    case "fixed":
      return `NUMBER(${precision ?? 38},${scale ?? 0})`;
    case "real":
      return "FLOAT";
    case "text":
      return "VARCHAR";
    default:
      return raw.toUpperCase();
  }
}

function convert(v: unknown, raw: string | undefined, scale: number | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") return v;
  const kind = raw?.toLowerCase() ?? "";
  // With fetchAsString the SDK renders SQL NULL as the text "NULL"; only numbers and
  // dates are fetched as text, where that text cannot be a real value.
  if (v === "NULL" && (kind === "fixed" || kind === "real" || /^(date|time|timestamp)/.test(kind)))
    return null;
  switch (kind) {
    case "fixed":
      // Integers as bigint (NUMBER(38,0) exceeds 2^53); decimals stay exact text.
      return (scale ?? 0) === 0 && /^-?\d+$/.test(v) ? BigInt(v) : v;
    case "real":
      return v === "inf" ? Number.POSITIVE_INFINITY : v === "-inf" ? Number.NEGATIVE_INFINITY : Number(v);
    default:
      return v;
  }
}
