/**
 * Snowflake failures as one line a user can act on. Codes are Snowflake's own
 * (login 390xxx, SQL 00xxxx) and snowflake-sdk's client codes (401xxx).
 */
import { RockyError, redactText } from "../../src/adapter/sdk.ts";
import { denormalizeIdent } from "./dialect.ts";

interface SfErr {
  code?: string | number;
  message?: string;
  sqlState?: string;
  response?: { statusCode?: number };
  cause?: { code?: string; message?: string };
}

const TRANSIENT_HTTP = new Set([429, 502, 503, 504]);
const TRANSIENT_NET = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|EAI_AGAIN/i;

function asErr(e: unknown): SfErr {
  return (e && typeof e === "object" ? e : { message: String(e) }) as SfErr;
}

export function httpStatus(e: unknown): number | undefined {
  return asErr(e).response?.statusCode;
}

/** HTTP 429/5xx from the gateway, or a network failure before any answer. */
export function isTransient(e: unknown): boolean {
  const err = asErr(e);
  const status = httpStatus(e);
  if (status !== undefined) return TRANSIENT_HTTP.has(status);
  if (String(err.code) === "401001") return true; // ERR_SF_NETWORK_COULD_NOT_CONNECT
  return TRANSIENT_NET.test(`${err.cause?.code ?? ""} ${err.cause?.message ?? ""} ${err.message ?? ""}`);
}

/** One clear line; `what` names the operation ("connect to account X", "query"). */
export function mapError(
  e: unknown,
  ctx: { account: string; user?: string; warehouse?: string; secrets: string[] },
): RockyError {
  if (e instanceof RockyError) return e;
  const err = asErr(e);
  const code = String(err.code ?? "");
  const raw = firstLine(err.message ?? String(e));
  const status = httpStatus(e);
  let message: string;
  let hint: string | undefined;
  if (
    /^390(100|101|102|144|303|318|104)$/.test(code) ||
    /incorrect username or password|jwt token is invalid|invalid oauth/i.test(raw)
  ) {
    message = `Snowflake authentication failed for user '${ctx.user ?? "?"}' on account '${ctx.account}': ${raw}`;
    hint = "check username and password, private_key_path/passphrase, or the OAuth token in rocky.toml";
  } else if (code === "000606" || /warehouse.*(suspended|cannot be resumed)|no active warehouse/i.test(raw)) {
    message = `Snowflake warehouse${ctx.warehouse ? ` '${ctx.warehouse}'` : ""} is suspended or not available: ${raw}`;
    hint = "resume the warehouse or set `warehouse` in rocky.toml to one your role can use";
  } else if (
    code === "003001" ||
    err.sqlState === "42501" ||
    /insufficient privileges|access control error/i.test(raw)
  ) {
    message = `Snowflake permission denied: ${raw}`;
    hint = "grant the needed privilege to the role in rocky.toml, or use another role";
  } else if (code === "002003" || err.sqlState === "42S02" || /does not exist or not authorized/i.test(raw)) {
    // Snowflake names the object as stored (MARTS.ORDERS); lead with rocky's spelling (marts.orders).
    const obj = /'([^']+)' does not exist/.exec(raw)?.[1];
    const named = obj ? obj.split(".").map(denormalizeIdent).join(".") : undefined;
    message = `Snowflake object not found${named ? ` '${named}'` : ""}: ${raw}`;
  } else if (code === "000604") {
    message = "Snowflake statement cancelled";
  } else if (status !== undefined) {
    message = `Snowflake request failed with HTTP ${status}${TRANSIENT_HTTP.has(status) ? " (retries exhausted)" : ""}`;
  } else if (code === "401001") {
    message = `cannot reach Snowflake account '${ctx.account}': ${firstLine(err.cause?.message ?? raw)}`;
  } else {
    message = `Snowflake error${code ? ` ${code}` : ""}: ${raw}`;
  }
  return new RockyError(redactText(message, ctx.secrets), hint ? { hint, cause: e } : { cause: e });
}

function firstLine(s: string): string {
  return s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ")
    .slice(0, 500);
}
