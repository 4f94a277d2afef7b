/** The `[adapter]` keys of a Databricks project (values already `${VAR}`-expanded). */
import * as v from "valibot";

const str = v.pipe(v.string(), v.nonEmpty());

export const DatabricksConfigSchema = v.pipe(
  v.strictObject({
    /**
     * Workspace host: `adb-123.4.azuredatabricks.net`, optionally with `https://` and
     * `:port`. `http://` is accepted for loopback hosts only (a local proxy or stand-in).
     */
    host: str,
    /** The SQL warehouse's HTTP path, e.g. `/sql/1.0/warehouses/abc123`. */
    http_path: str,
    /** Personal access token. */
    token: v.optional(str),
    /** OAuth machine-to-machine: a service principal's client id and secret. */
    client_id: v.optional(str),
    client_secret: v.optional(str),
    catalog: v.optional(str),
    schema: v.optional(str),
    /** Retries of a transient failure (HTTP 429/503, reset connection); default 3. */
    retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))),
    /** First backoff delay in milliseconds, doubled each retry; default 1000. */
    retry_delay_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60000))),
  }),
  v.check(
    (c) => c.token !== undefined || (c.client_id !== undefined && c.client_secret !== undefined),
    "give token (personal access token) or client_id and client_secret (OAuth M2M)",
  ),
  // The host is checked here rather than when the adapter is created, so `rocky validate`
  // refuses what `rocky run` would.
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      endpoint(dataset.value);
    } catch (e) {
      addIssue({ message: (e as Error).message });
    }
  }),
);

export type DatabricksConfig = v.InferOutput<typeof DatabricksConfigSchema>;

export interface Endpoint {
  host: string;
  port: number;
  path: string;
  https: boolean;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Split `host` into what the SDK wants; refuse plain HTTP to anything but loopback. */
export function endpoint(c: Pick<DatabricksConfig, "host" | "http_path">): Endpoint {
  const raw = /^[a-z]+:\/\//i.test(c.host) ? c.host : `https://${c.host}`;
  const u = new URL(raw);
  const https = u.protocol === "https:";
  if (!https && !(u.protocol === "http:" && LOOPBACK.has(u.hostname))) {
    throw new Error(`host '${c.host}': only https:// is allowed (http:// for loopback only)`);
  }
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : https ? 443 : 80,
    path: c.http_path.startsWith("/") ? c.http_path : `/${c.http_path}`,
    https,
  };
}
