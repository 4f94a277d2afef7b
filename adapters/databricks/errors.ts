/**
 * Databricks failures as one line a user can act on. Sources: HTTP status of the
 * Thrift endpoint (auth, gateway), Thrift status / operation state with Spark's
 * `[ERROR_CLASS]` and SQLSTATE, and network errors.
 */
import { RockyError, redactText } from "../../src/adapter/sdk.ts";

interface DbxErr {
  name?: string;
  code?: string | number;
  message?: string;
  statusCode?: number;
  /** RetryError: the last HTTP details or network error. */
  payload?: { response?: { status?: number }; code?: string; message?: string };
  /** OperationStateError: the TGetOperationStatusResp; StatusError: none. */
  response?: {
    sqlState?: string | null;
    errorMessage?: string | null;
    displayMessage?: string | null;
    status?: number;
  };
  sqlState?: string;
  /** OperationStateError: CANCELED, CLOSED, ERROR, TIMEOUT, UNKNOWN. */
  errorCode?: string;
  cause?: { code?: string; message?: string };
}

const TRANSIENT_HTTP = new Set([429, 502, 503, 504]);
const TRANSIENT_NET = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|premature close|EAI_AGAIN/i;

function asErr(e: unknown): DbxErr {
  return (e && typeof e === "object" ? e : { message: String(e) }) as DbxErr;
}

export function httpStatus(e: unknown): number | undefined {
  const err = asErr(e);
  return (
    err.statusCode ??
    err.payload?.response?.status ??
    (typeof err.response?.status === "number" ? err.response.status : undefined)
  );
}

/** HTTP 429/5xx from the gateway (a warehouse starting, rate limits), or a network failure. */
export function isTransient(e: unknown): boolean {
  const err = asErr(e);
  const status = httpStatus(e);
  if (status !== undefined) return TRANSIENT_HTTP.has(status);
  if (err.name === "RetryError") return false; // the SDK already retried and gave up
  return TRANSIENT_NET.test(`${err.code ?? ""} ${err.cause?.code ?? ""} ${err.message ?? ""}`);
}

export function mapError(e: unknown, ctx: { host: string; secrets: string[] }): RockyError {
  if (e instanceof RockyError) return e;
  const err = asErr(e);
  const status = httpStatus(e);
  const text = err.response?.displayMessage ?? err.response?.errorMessage ?? err.message ?? String(e);
  const raw = oneLine(text);
  const sqlState = err.response?.sqlState ?? err.sqlState ?? "";
  const cls = /^\[([A-Z_.]+)\]/.exec(raw)?.[1] ?? "";
  let message: string;
  let hint: string | undefined;
  if (status === 401 || status === 403) {
    message = `Databricks authentication failed at '${ctx.host}' (HTTP ${status})`;
    hint = "check the personal access token (token) or the OAuth client_id/client_secret in rocky.toml";
  } else if (status !== undefined) {
    message = `Databricks request failed with HTTP ${status}${TRANSIENT_HTTP.has(status) ? " (retries exhausted)" : ""}`;
    if (status === 503) hint = "the SQL warehouse may be starting or overloaded; try again shortly";
  } else if (err.errorCode === "CANCELED") {
    message = "Databricks statement cancelled";
  } else if (
    /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND/.test(cls) ||
    /^42P01|^42704/.test(sqlState)
  ) {
    message = `Databricks object not found: ${raw}`;
  } else if (/PERMISSION_DENIED|INSUFFICIENT_PERMISSIONS/.test(cls) || sqlState === "42501") {
    message = `Databricks permission denied: ${raw}`;
    hint = "grant the privilege to the token's user or service principal";
  } else if (/warehouse.*(stopped|not running|is starting|deleted)/i.test(raw)) {
    message = `Databricks SQL warehouse unavailable: ${raw}`;
    hint = "start the warehouse or check http_path in rocky.toml";
  } else if (TRANSIENT_NET.test(`${err.code ?? ""} ${err.cause?.code ?? ""} ${raw}`)) {
    message = `cannot reach Databricks host '${ctx.host}': ${raw}`;
  } else {
    message = `Databricks error: ${raw}`;
  }
  return new RockyError(redactText(message, ctx.secrets), hint ? { hint, cause: e } : { cause: e });
}

/** Spark messages span lines (error class, SQLSTATE, query context): keep one. */
function oneLine(s: string): string {
  return s
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^== SQL/.test(l) && !/^\^+$/.test(l))
    .join(" ")
    .slice(0, 500);
}
