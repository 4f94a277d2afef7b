/**
 * BigQuery adapter: the driver half, on the official `@google-cloud/bigquery` SDK.
 *
 * Every statement is a query job (jobs.insert) with a job id we choose, so a
 * retried insert after a lost response finds the job instead of running the
 * statement twice. Results are read with jobs.getQueryResults in raw form
 * (`skipParsing`) and decoded in values.ts.
 */
import {
  RockyError,
  type Adapter,
  type AdapterCapabilities,
  type AdapterContext,
  type ColumnInfo,
  type ExecResult,
  type Fingerprint,
  type QueryResult,
  type TableRef,
} from "../../src/adapter/sdk.ts";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { BigQuery, type BigQueryOptions, type Job } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import type { BigQueryConfig } from "./config.ts";
import { BigQueryDialect, fingerprintSql } from "./dialect.ts";
import { isAlreadyExists, isNotFound, isTransient, mapError } from "./errors.ts";
import { columnsOf, decodeRows, type FieldSchema, type RawRow } from "./values.ts";

/** The part of a jobs.getQueryResults response we read (the SDK types it loosely). */
interface QueryResultsResponse {
  jobComplete?: boolean;
  schema?: { fields?: FieldSchema[] };
  rows?: RawRow[];
  pageToken?: string;
  numDmlAffectedRows?: string;
  totalBytesProcessed?: string;
}

interface JobMetadata {
  status?: { state?: string; errorResult?: { reason?: string; message?: string } | null };
  statistics?: {
    totalBytesProcessed?: string;
    query?: { numDmlAffectedRows?: string; totalBytesProcessed?: string };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class BigQueryAdapter implements Adapter {
  readonly type = "bigquery";
  readonly dialect: BigQueryDialect;
  readonly capabilities: AdapterCapabilities = {
    // Multi-statement transactions exist only inside one script job; the run
    // engine cannot hold one open across statements.
    transactions: false,
    clone: true,
    fingerprint: true,
    defaultThreads: 8,
  };

  private client: BigQuery | undefined;
  private readonly secrets: string[] = [];
  private readonly running = new Set<Job>();
  private cancelled = false;

  constructor(
    private readonly config: BigQueryConfig,
    private readonly ctx: AdapterContext,
  ) {
    this.dialect = new BigQueryDialect({
      project: config.project_id,
      dataset: config.dataset,
      location: config.location,
    });
  }

  /** SDK options from rocky.toml: one of keyFilename, credentials (JSON), access_token, else ADC. */
  sdkOptions(): BigQueryOptions {
    const c = this.config;
    const opts: BigQueryOptions = {
      projectId: c.project_id,
      // We retry ourselves (bounded, and safe for jobs.insert because we pick the job id).
      autoRetry: false,
      maxRetries: 0,
    };
    if (c.location) opts.location = c.location;
    if (c.api_endpoint) opts.apiEndpoint = c.api_endpoint;
    const auth = [c.keyFilename, c.credentials, c.access_token].filter((x) => x !== undefined);
    if (auth.length > 1)
      throw new RockyError("[adapter] bigquery: give only one of keyFilename, credentials, access_token");
    if (c.keyFilename) {
      const file = isAbsolute(c.keyFilename) ? c.keyFilename : join(this.ctx.projectRoot, c.keyFilename);
      opts.keyFilename = file;
      this.secretsFromJson(safeRead(file));
    } else if (c.credentials) {
      const creds = typeof c.credentials === "string" ? parseCredentials(c.credentials) : c.credentials;
      opts.credentials = creds;
      this.secretsFromJson(creds);
    } else if (c.access_token) {
      const client = new OAuth2Client();
      client.setCredentials({ access_token: c.access_token });
      opts.authClient = client;
      this.secrets.push(c.access_token);
    }
    return opts;
  }

  private secretsFromJson(creds: unknown): void {
    if (!creds || typeof creds !== "object") return;
    for (const k of ["private_key", "private_key_id", "client_secret", "refresh_token"]) {
      const v = (creds as Record<string, unknown>)[k];
      if (typeof v === "string") {
        this.secrets.push(v);
        // A PEM key is echoed line by line in some errors.
        for (const line of v.split("\n"))
          if (line.length >= 16 && !line.startsWith("-----")) this.secrets.push(line);
      }
    }
  }

  private get bq(): BigQuery {
    if (!this.client) throw new RockyError("BigQuery adapter used before connect()");
    return this.client;
  }

  /** Create the client and prove the credentials work with a trivial job. */
  async connect(): Promise<void> {
    if (this.client) return;
    this.client = new BigQuery(this.sdkOptions());
    this.cancelled = false;
    try {
      await this.runJob("SELECT 1", "connecting", 0);
    } catch (e) {
      this.client = undefined;
      throw e;
    }
  }

  /** Bounded exponential backoff on transient failures (429, 5xx, rateLimitExceeded, resets). */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const max = this.config.max_retries;
    let delay = this.config.retry_initial_ms;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof RockyError) throw e;
        if (this.cancelled || attempt >= max || !isTransient(e)) throw mapError(e, what, this.secrets);
        await sleep(delay);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** Insert a query job (idempotent on retry) and wait for it; returns the job and its first page. */
  private async runJob(
    sql: string,
    what: string,
    maxResults: number,
  ): Promise<{ job: Job; first: QueryResultsResponse }> {
    if (this.cancelled) throw new RockyError("BigQuery: cancelled");
    const jobId = `rocky_${randomUUID().replace(/-/g, "")}`;
    const bq = this.bq;
    const job = await this.retry(what, async () => {
      try {
        const [j] = await bq.createQueryJob({
          query: sql,
          jobId,
          useLegacySql: false,
          ...(this.config.maximum_bytes_billed
            ? { maximumBytesBilled: this.config.maximum_bytes_billed }
            : {}),
          ...(this.config.job_timeout_ms ? { jobTimeoutMs: this.config.job_timeout_ms } : {}),
        });
        return j;
      } catch (e) {
        // Our earlier attempt did reach the service: adopt that job instead of running the SQL twice.
        if (isAlreadyExists(e))
          return bq.job(jobId, this.config.location ? { location: this.config.location } : {});
        throw e;
      }
    });
    this.running.add(job);
    let polls = 0;
    try {
      for (;;) {
        const resp = await this.retry(what, async () => {
          const [, , r] = await job.getQueryResults({
            autoPaginate: false,
            skipParsing: true,
            maxResults,
            // No timeoutMs: the SDK turns it into an error on `jobComplete: false`;
            // the service's default wait (10 s) applies and we poll again.
          });
          return (r ?? {}) as QueryResultsResponse;
        });
        if (resp.jobComplete !== false) return { job, first: resp };
        if (this.cancelled) throw new RockyError(`BigQuery job cancelled while ${what}`);
        // The service long-polls (up to 10 s); this pause only matters when it answers at once.
        await sleep(Math.min(50 * 2 ** polls++, 1000));
      }
    } finally {
      this.running.delete(job);
    }
  }

  async execute(sql: string): Promise<ExecResult> {
    const { job, first } = await this.runJob(sql, "executing a statement", 0);
    let rows = first.numDmlAffectedRows;
    let bytes = first.totalBytesProcessed;
    if (rows === undefined || bytes === undefined) {
      // DDL and scripts report their statistics on the job resource only (jobs.get).
      const meta = await this.retry("reading job statistics", async () => {
        const [m] = await job.getMetadata();
        return m as JobMetadata;
      });
      rows ??= meta.statistics?.query?.numDmlAffectedRows;
      bytes ??= meta.statistics?.query?.totalBytesProcessed ?? meta.statistics?.totalBytesProcessed;
    }
    const out: ExecResult = {};
    if (rows !== undefined && rows !== null) out.rowsAffected = Number(rows);
    // BigQuery bills bytes processed (read); it reports no bytes-written figure for queries.
    if (bytes !== undefined && bytes !== null) out.bytesWritten = Number(bytes);
    return out;
  }

  async query(sql: string): Promise<QueryResult> {
    const { job, first } = await this.runJob(sql, "running a query", 10_000);
    const fields = first.schema?.fields ?? [];
    const rows = decodeRows(fields, first.rows);
    let pageToken = first.pageToken;
    while (pageToken) {
      const token = pageToken;
      const page = await this.retry("reading query results", async () => {
        const [, , r] = await job.getQueryResults({
          autoPaginate: false,
          skipParsing: true,
          pageToken: token,
          maxResults: 10_000,
        });
        return (r ?? {}) as QueryResultsResponse;
      });
      rows.push(...decodeRows(fields, page.rows));
      pageToken = page.pageToken;
    }
    return { columns: columnsOf(fields), rows };
  }

  private ref(ref: TableRef) {
    const project = ref.catalog ?? this.config.project_id;
    return this.bq.dataset(ref.schema, { projectId: project }).table(ref.table);
  }

  /** tables.get: schema and kind without running (or billing) a query; undefined when absent. */
  private async tableMeta(
    ref: TableRef,
  ): Promise<{ schema?: { fields?: FieldSchema[] }; type?: string } | undefined> {
    const table = this.ref(ref);
    return this.retry(`describing ${this.dialect.qualify(ref)}`, async () => {
      try {
        const [m] = await table.getMetadata();
        return m as { schema?: { fields?: FieldSchema[] }; type?: string };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
  }

  async describeTable(ref: TableRef): Promise<ColumnInfo[] | undefined> {
    const meta = await this.tableMeta(ref);
    return meta ? columnsOf(meta.schema?.fields) : undefined;
  }

  async objectKind(ref: TableRef): Promise<"table" | "view" | undefined> {
    const meta = await this.tableMeta(ref);
    if (!meta) return undefined;
    return meta.type === "VIEW" || meta.type === "MATERIALIZED_VIEW" ? "view" : "table";
  }

  async tableExists(ref: TableRef): Promise<boolean> {
    return (await this.describeTable(ref)) !== undefined;
  }

  /** tables.list, every page; a missing dataset has no tables. */
  async listTables(catalog: string | undefined, schema: string): Promise<string[]> {
    const dataset = this.bq.dataset(schema, { projectId: catalog ?? this.config.project_id });
    return this.retry(`listing tables of ${schema}`, async () => {
      try {
        const [tables] = await dataset.getTables({ autoPaginate: true });
        return tables.map((t) => t.id ?? "").filter((n) => n !== "");
      } catch (e) {
        if (isNotFound(e)) return [];
        throw e;
      }
    });
  }

  /** datasets.insert in the configured location; an existing dataset is fine. */
  async createSchema(catalog: string | undefined, schema: string): Promise<void> {
    const dataset = this.bq.dataset(schema, { projectId: catalog ?? this.config.project_id });
    await this.retry(`creating dataset ${schema}`, async () => {
      try {
        await dataset.create(this.config.location ? { location: this.config.location } : {});
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    });
  }

  /** datasets.delete with deleteContents; a missing dataset is fine. */
  async dropSchema(catalog: string | undefined, schema: string): Promise<void> {
    const dataset = this.bq.dataset(schema, { projectId: catalog ?? this.config.project_id });
    await this.retry(`dropping dataset ${schema}`, async () => {
      try {
        await dataset.delete({ force: true });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  }

  async cloneTable(source: TableRef, target: TableRef): Promise<void> {
    await this.execute(this.dialect.cloneTable(source, target));
  }

  async fingerprint(ref: TableRef): Promise<Fingerprint> {
    const r = await this.query(fingerprintSql(this.dialect.qualify(ref)));
    const [count, hash] = r.rows[0] ?? [0n, 0n];
    return {
      rowCount: Number(count ?? 0),
      hash: BigInt.asUintN(64, BigInt(String(hash ?? 0)))
        .toString(16)
        .padStart(16, "0"),
    };
  }

  /** jobs.cancel on everything in flight; later calls fail fast until the next connect(). */
  async cancel(): Promise<void> {
    this.cancelled = true;
    const jobs = [...this.running];
    await Promise.allSettled(jobs.map((j) => j.cancel()));
  }

  /** The SDK holds no sockets open between requests; dropping the client is enough. */
  async close(): Promise<void> {
    this.client = undefined;
    this.running.clear();
  }
}

function safeRead(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new RockyError(`cannot read BigQuery keyFilename '${file}': ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // A .p12 or malformed file: the SDK will say so; nothing to redact from it here.
    return undefined;
  }
}

function parseCredentials(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below; the text itself is a secret and is not echoed
  }
  throw new RockyError("[adapter] bigquery: 'credentials' is not a service-account JSON object", {
    hint: 'set credentials = "${GOOGLE_CREDENTIALS_JSON}" with the key file\'s JSON, or use keyFilename',
  });
}
