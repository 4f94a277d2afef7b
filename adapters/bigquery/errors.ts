/**
 * Mapping of BigQuery/SDK failures to one clear RockyError line, and the rule for
 * which failures are worth retrying.
 */
import { RockyError, redactText } from "../../src/adapter/sdk.ts";

/** What we read from the SDK's ApiError (or a job's errorResult). */
interface ApiErrorLike {
  code?: number | string;
  message?: string;
  errors?: { reason?: string; message?: string }[];
}

const TRANSIENT_REASONS = new Set(["rateLimitExceeded", "backendError", "internalError", "jobBackendError"]);
const TRANSIENT_CODES = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|socket hang up|network/i;

function parts(e: unknown): { code: number | undefined; reason: string | undefined; message: string } {
  const err = (e ?? {}) as ApiErrorLike;
  const code =
    typeof err.code === "number"
      ? err.code
      : Number.isFinite(Number(err.code))
        ? Number(err.code)
        : undefined;
  const first = err.errors?.[0];
  // The top-level message is often a generic status line; the first error item says what happened.
  const message = (first?.message || err.message || String(e)).split("\n")[0]!.trim();
  return { code, reason: first?.reason, message };
}

export function isTransient(e: unknown): boolean {
  const { code, reason, message } = parts(e);
  if (reason === "quotaExceeded") return false; // daily quotas do not recover within a retry window
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  if (reason && TRANSIENT_REASONS.has(reason)) return true;
  return code === undefined && NETWORK.test(message);
}

export function isNotFound(e: unknown): boolean {
  const { code, reason } = parts(e);
  return code === 404 || reason === "notFound";
}

export function isAlreadyExists(e: unknown): boolean {
  const { code, reason } = parts(e);
  return code === 409 || reason === "duplicate";
}

/** One line, secrets removed, with a hint where the fix is known. */
export function mapError(e: unknown, what: string, secrets: string[]): RockyError {
  const { code, reason, message } = parts(e);
  const msg = redactText(message, secrets);
  const lower = msg.toLowerCase();
  if (
    code === 401 ||
    reason === "authError" ||
    lower.includes("could not load the default credentials") ||
    lower.includes("invalid_grant") ||
    lower.includes("invalid authentication credentials")
  ) {
    return new RockyError(`BigQuery authentication failed: ${msg}`, {
      hint: "check keyFilename / credentials / access_token in [adapter], or run 'gcloud auth application-default login'",
      cause: e,
    });
  }
  if (code === 403 || reason === "accessDenied") {
    if (reason === "quotaExceeded" || reason === "rateLimitExceeded")
      return new RockyError(`BigQuery quota exceeded while ${what}: ${msg}`, { cause: e });
    if (reason === "billingNotEnabled" || reason === "billingTierLimitExceeded")
      return new RockyError(`BigQuery billing problem while ${what}: ${msg}`, { cause: e });
    return new RockyError(`BigQuery permission denied while ${what}: ${msg}`, {
      hint: "the account needs roles/bigquery.jobUser on the project and dataEditor on the datasets",
      cause: e,
    });
  }
  if (isNotFound(e)) return new RockyError(`BigQuery: not found while ${what}: ${msg}`, { cause: e });
  if (isAlreadyExists(e))
    return new RockyError(`BigQuery: already exists while ${what}: ${msg}`, { cause: e });
  if (reason === "invalidQuery" || reason === "invalid")
    return new RockyError(`BigQuery rejected the SQL while ${what}: ${msg}`, { cause: e });
  if (reason === "stopped") return new RockyError(`BigQuery job cancelled while ${what}`, { cause: e });
  const status =
    code !== undefined ? ` (HTTP ${code}${reason ? `, ${reason}` : ""})` : reason ? ` (${reason})` : "";
  return new RockyError(`BigQuery error while ${what}${status}: ${msg}`, { cause: e });
}
