/** The `[adapter] type = "bigquery"` block of rocky.toml (everything but `type`). */
import * as v from "valibot";
import { DEFAULT_DATASET } from "./dialect.ts";

const positiveInt = (what: string) =>
  v.pipe(v.number(), v.integer(`${what} must be an integer`), v.minValue(0));

export const BigQueryConfigSchema = v.pipe(
  v.strictObject({
    /** GCP project that runs the jobs and holds the default dataset. */
    project_id: v.pipe(v.string("project_id is required (the GCP project id)"), v.nonEmpty()),
    /** Job and dataset location: `US`, `EU`, `europe-west1`, ... */
    location: v.optional(v.string()),
    /** Default dataset for models without a [target] schema. */
    dataset: v.optional(
      v.pipe(
        v.string(),
        v.regex(/^[A-Za-z0-9_]{1,1024}$/, "a dataset name allows only letters, digits and _"),
      ),
      DEFAULT_DATASET,
    ),
    /** Service-account key file, relative to rocky.toml. */
    keyFilename: v.optional(v.string()),
    /** Service-account JSON, usually `"${GOOGLE_CREDENTIALS_JSON}"`, or an inline table. */
    credentials: v.optional(v.union([v.string(), v.record(v.string(), v.unknown())])),
    /** An OAuth access token (e.g. from `gcloud auth print-access-token`). */
    access_token: v.optional(v.pipe(v.string(), v.nonEmpty())),
    /** Another API root: an emulator or the loopback stand-in used in tests. */
    api_endpoint: v.optional(v.pipe(v.string(), v.url())),
    /** Transient failures (429, 5xx) are retried this many times with doubling delays. */
    max_retries: v.optional(positiveInt("max_retries"), 3),
    retry_initial_ms: v.optional(positiveInt("retry_initial_ms"), 500),
    /** Server-side job timeout. */
    job_timeout_ms: v.optional(positiveInt("job_timeout_ms")),
    /** Refuse queries that would bill more than this many bytes. */
    maximum_bytes_billed: v.optional(v.pipe(v.union([v.string(), v.number()]), v.transform(String))),
  }),
  // Checked here rather than at connect, so `rocky validate` refuses what `rocky run` would.
  v.check(
    (c) => [c.keyFilename, c.credentials, c.access_token].filter((x) => x !== undefined).length <= 1,
    "give only one of keyFilename, credentials, access_token",
  ),
);

export type BigQueryConfig = v.InferOutput<typeof BigQueryConfigSchema>;
