/** The `[adapter]` keys of a Snowflake project (values already `${VAR}`-expanded). */
import * as v from "valibot";

const str = v.pipe(v.string(), v.nonEmpty());

export const SnowflakeConfigSchema = v.pipe(
  v.strictObject({
    /** Account identifier, e.g. `myorg-myaccount` or `xy12345.eu-west-1`. */
    account: str,
    user: v.optional(str),
    /** Password login. */
    password: v.optional(v.string()),
    /** Key-pair login: PEM file (relative to rocky.toml) or inline PEM, optional passphrase. */
    private_key_path: v.optional(str),
    private_key: v.optional(str),
    private_key_passphrase: v.optional(v.string()),
    /** OAuth access token (authenticator OAUTH). */
    token: v.optional(str),
    /** Override the authenticator the other keys imply (e.g. `EXTERNALBROWSER`). */
    authenticator: v.optional(str),
    warehouse: v.optional(str),
    role: v.optional(str),
    database: v.optional(str),
    schema: v.optional(str),
    /** Full service URL (PrivateLink, or a local stand-in in tests); default from `account`. */
    access_url: v.optional(v.pipe(v.string(), v.url())),
    /** Retries of a transient failure (HTTP 429/503, reset connection); default 3. */
    retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10))),
    /** First backoff delay in milliseconds, doubled each retry; default 500. */
    retry_delay_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60000))),
  }),
  v.check(
    (c) =>
      c.authenticator !== undefined ||
      c.token !== undefined ||
      c.private_key_path !== undefined ||
      c.private_key !== undefined ||
      c.password !== undefined,
    "give one of password, private_key_path (key-pair), token (OAuth) or authenticator",
  ),
  v.check(
    (c) => c.token !== undefined || c.user !== undefined,
    "user is required (except with an OAuth token)",
  ),
);

export type SnowflakeConfig = v.InferOutput<typeof SnowflakeConfigSchema>;
