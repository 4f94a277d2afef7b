/**
 * A loopback stand-in for the BigQuery REST API (v2), so the real
 * `@google-cloud/bigquery` SDK can be driven in tests without the cloud.
 *
 * Fidelity, honestly:
 * - HTTP surface: jobs.insert, jobs.get, jobs.cancel, jobs.query,
 *   jobs.getQueryResults (maxResults/pageToken paging, optional
 *   `jobComplete: false` polls), datasets.insert/get/delete(deleteContents),
 *   tables.get, tables.list. JSON shapes follow the discovery document
 *   (`schema.fields`, rows as `{f:[{v}]}`, TIMESTAMP as int64 micros, error
 *   bodies `{error:{code,message,errors:[{reason}],status}}`). Everything else
 *   answers 501.
 * - Auth: a fixed bearer token; anything else is 401. Another project is 403.
 * - SQL: executed by SQLite (bun:sqlite). Only rocky's own SQL shapes are
 *   translated: backtick names (project dropped, `dataset.table` becomes one
 *   SQLite table named "dataset.table"), GoogleSQL string literals, CREATE OR
 *   REPLACE TABLE/VIEW, CLONE, COPY, CREATE/DROP SCHEMA, scripts split on `;`,
 *   rocky's MERGE shape (rewritten to UPDATE … FROM + INSERT … WHERE NOT EXISTS),
 *   and rocky's fingerprint query (computed in JS with a 64-bit hash that is
 *   NOT FARM_FINGERPRINT). Arbitrary GoogleSQL (STRUCT, ARRAY, QUALIFY, most
 *   functions) is not understood.
 * - Types: kept per column as BigQuery types (INT64, FLOAT64, STRING, BOOL,
 *   TIMESTAMP, DATE, NUMERIC); SQLite's own affinity decides anything computed.
 * - totalBytesProcessed is a made-up figure (bytes of the values read), only so
 *   the adapter's plumbing can be checked.
 * - Faults: `failNext(pattern, status, reason)` answers the next matching
 *   requests with that error, for retry and error-mapping tests.
 */
import { Database } from "bun:sqlite";

export interface StandinOptions {
  project?: string;
  token?: string;
  location?: string;
  /** Rows per getQueryResults page, whatever maxResults asks (to exercise paging). */
  pageSize?: number;
  /** getQueryResults answers `jobComplete: false` this many times per job first. */
  pendingPolls?: number;
}

interface Field {
  name: string;
  type: string;
  mode: "NULLABLE" | "REQUIRED";
}

interface JobState {
  id: string;
  location: string;
  query: string;
  statementType: string;
  fields: Field[];
  rows: unknown[][];
  dmlRows?: number;
  bytes: number;
  error?: ApiErr;
  polls: number;
  state: "DONE" | "RUNNING";
  cancelled: boolean;
}

/** The request bodies we read (jobs.insert, jobs.query, datasets.insert). */
interface RequestBody {
  jobReference?: { jobId?: string };
  configuration?: { query?: { query?: string } };
  query?: string;
  maxResults?: number;
  datasetReference?: { datasetId?: string };
  location?: string;
}

class ApiErr extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
};

/** BigQuery type name → SQLite declared type (chosen for the right affinity). */
const TO_SQLITE: Record<string, string> = {
  INT64: "INT64",
  INTEGER: "INT64",
  FLOAT64: "FLOAT64",
  FLOAT: "FLOAT64",
  STRING: "TEXT",
  BOOL: "BOOL",
  BOOLEAN: "BOOL",
  TIMESTAMP: "TIMESTAMP",
  DATE: "DATE",
  NUMERIC: "NUMERIC",
};

/** SQLite declared type → REST (legacy) type name, as jobs.getQueryResults reports it. */
function restType(declared: string | null, sample: unknown): string {
  const d = (declared ?? "").toUpperCase();
  if (d === "TEXT") return "STRING";
  if (d.includes("INT")) return "INTEGER";
  if (d.includes("FLOA") || d === "REAL" || d.includes("DOUB")) return "FLOAT";
  if (d === "BOOL" || d === "BOOLEAN") return "BOOLEAN";
  if (d === "TIMESTAMP" || d === "DATE" || d === "NUMERIC") return d;
  if (typeof sample === "bigint") return "INTEGER";
  if (typeof sample === "number") return Number.isInteger(sample) ? "INTEGER" : "FLOAT";
  if (sample instanceof Uint8Array) return "BYTES";
  return "STRING";
}

function restValue(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === "BOOLEAN") return v === 1n || v === 1 || v === "true" ? "true" : "false";
  if (type === "TIMESTAMP") {
    if (typeof v === "string") return String(BigInt(Date.parse(v)) * 1000n);
    return String(BigInt(Math.round(Number(v) * 1e6)));
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  return String(v);
}

/** 64-bit FNV-1a, signed like INT64 (stands in for FARM_FINGERPRINT). */
function hash64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of new TextEncoder().encode(s)) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h);
}

export class BigQueryStandin {
  readonly project: string;
  readonly token: string;
  readonly location: string;
  readonly db = new Database(":memory:", { safeIntegers: true });
  readonly datasets = new Map<string, { location: string }>();
  readonly jobs = new Map<string, JobState>();
  /** Every request, for assertions about what the SDK sent. */
  readonly requests: { method: string; path: string; body?: unknown }[] = [];
  private faults: {
    pattern: RegExp;
    status: number;
    reason: string;
    left: number;
    after: boolean;
    message?: string;
  }[] = [];
  private server: ReturnType<typeof Bun.serve> | undefined;
  private readonly opts: StandinOptions;

  constructor(opts: StandinOptions = {}) {
    this.opts = opts;
    this.project = opts.project ?? "test-project";
    this.token = opts.token ?? "test-token";
    this.location = opts.location ?? "US";
  }

  static start(opts: StandinOptions = {}): BigQueryStandin {
    const s = new BigQueryStandin(opts);
    s.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => s.handle(req) });
    return s;
  }

  get url(): string {
    if (!this.server) throw new Error("stand-in not started");
    return `http://127.0.0.1:${this.server.port}`;
  }

  stop(): void {
    this.server?.stop(true);
    this.db.close();
  }

  /**
   * Answer the next `times` requests whose "METHOD /path" matches with an error.
   * `afterHandling`: do the work first, then lose the response (a timeout after commit).
   */
  failNext(
    pattern: RegExp,
    status: number,
    reason: string,
    times = 1,
    afterHandling = false,
    message?: string,
  ): void {
    this.faults.push({
      pattern,
      status,
      reason,
      left: times,
      after: afterHandling,
      ...(message ? { message } : {}),
    });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Create a table directly (test setup), with BigQuery column types. */
  seedTable(dataset: string, table: string, columns: [string, string][], rows: unknown[][]): void {
    if (!this.datasets.has(dataset)) this.datasets.set(dataset, { location: this.location });
    const name = `${dataset}.${table}`;
    const cols = columns.map(([c, t]) => `${q(c)} ${TO_SQLITE[t.toUpperCase()] ?? t}`).join(", ");
    this.db.run(`DROP TABLE IF EXISTS ${q(name)}`);
    this.db.run(`CREATE TABLE ${q(name)} (${cols})`);
    const ins = this.db.prepare(`INSERT INTO ${q(name)} VALUES (${columns.map(() => "?").join(", ")})`);
    for (const r of rows) ins.run(...(r as (string | number | bigint | boolean | null)[]));
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/bigquery\/v2/, "");
    const body = req.method === "POST" && req.body ? await req.json().catch(() => undefined) : undefined;
    this.requests.push({ method: req.method, path, body });
    try {
      const key = `${req.method} ${path}`;
      const fault = this.faults.find((f) => f.left > 0 && f.pattern.test(key));
      if (fault) fault.left--;
      if (fault && !fault.after)
        throw new ApiErr(
          fault.status,
          fault.reason,
          fault.message ?? `injected ${fault.status} ${fault.reason}`,
        );
      if (req.headers.get("authorization") !== `Bearer ${this.token}`) {
        throw new ApiErr(
          401,
          "unauthorized",
          "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        );
      }
      const m = path.match(/^\/projects\/([^/]+)(\/.*)?$/);
      if (!m) throw new ApiErr(404, "notFound", `Not found: ${path}`);
      const project = decodeURIComponent(m[1]!);
      if (project !== this.project) {
        throw new ApiErr(
          403,
          "accessDenied",
          `Access Denied: Project ${project}: User does not have bigquery.jobs.create permission in project ${project}.`,
        );
      }
      const result = this.route(req.method, m[2] ?? "/", url.searchParams, body);
      if (fault)
        throw new ApiErr(
          fault.status,
          fault.reason,
          `injected ${fault.status} ${fault.reason} after handling`,
        );
      return json(result);
    } catch (e) {
      const err = e instanceof ApiErr ? e : new ApiErr(500, "internalError", (e as Error).message);
      const status = STATUS[err.code] ?? "UNKNOWN";
      return json(
        {
          error: {
            code: err.code,
            message: err.message,
            errors: [{ message: err.message, domain: "global", reason: err.reason }],
            status,
          },
        },
        err.code,
      );
    }
  }

  private route(method: string, rest: string, qs: URLSearchParams, body: unknown): unknown {
    const seg = rest.split("/").filter(Boolean).map(decodeURIComponent);
    const b = (body ?? {}) as RequestBody;
    if (method === "POST" && seg.length === 1 && seg[0] === "jobs") return this.insertJob(b);
    if (method === "POST" && seg.length === 1 && seg[0] === "queries") return this.jobsQuery(b);
    if (method === "GET" && seg.length === 2 && seg[0] === "jobs") return this.jobResource(this.job(seg[1]!));
    if (method === "POST" && seg.length === 3 && seg[0] === "jobs" && seg[2] === "cancel") {
      const job = this.job(seg[1]!);
      job.cancelled = true;
      if (job.state === "RUNNING") {
        job.state = "DONE";
        job.error = new ApiErr(400, "stopped", "Job execution was cancelled: User requested cancellation");
      }
      return { kind: "bigquery#jobCancelResponse", job: this.jobResource(job) };
    }
    if (method === "GET" && seg.length === 2 && seg[0] === "queries")
      return this.queryResults(this.job(seg[1]!), qs);
    if (method === "POST" && seg.length === 1 && seg[0] === "datasets") {
      const id = String(b.datasetReference?.datasetId ?? "");
      if (!/^[A-Za-z0-9_]{1,1024}$/.test(id))
        throw new ApiErr(
          400,
          "invalid",
          `Invalid dataset ID "${id}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
        );
      if (this.datasets.has(id))
        throw new ApiErr(409, "duplicate", `Already Exists: Dataset ${this.project}:${id}`);
      this.datasets.set(id, { location: String(b.location ?? this.location) });
      return this.datasetResource(id);
    }
    if (seg[0] === "datasets" && seg.length === 2) {
      const id = seg[1]!;
      if (!this.datasets.has(id))
        throw new ApiErr(404, "notFound", `Not found: Dataset ${this.project}:${id}`);
      if (method === "GET") return this.datasetResource(id);
      if (method === "DELETE") {
        const tables = this.tablesOf(id);
        if (tables.length > 0 && qs.get("deleteContents") !== "true")
          throw new ApiErr(400, "resourceInUse", `Dataset ${this.project}:${id} is still in use`);
        for (const t of tables)
          this.db.run(`DROP ${t.type === "VIEW" ? "VIEW" : "TABLE"} ${q(`${id}.${t.name}`)}`);
        this.datasets.delete(id);
        return undefined;
      }
    }
    if (method === "GET" && seg[0] === "datasets" && seg[2] === "tables" && seg.length === 3) {
      const id = seg[1]!;
      if (!this.datasets.has(id))
        throw new ApiErr(404, "notFound", `Not found: Dataset ${this.project}:${id}`);
      const all = this.tablesOf(id);
      const start = Number(qs.get("pageToken") ?? 0);
      const size = Number(qs.get("maxResults") ?? 1000);
      const page = all.slice(start, start + size);
      return {
        kind: "bigquery#tableList",
        totalItems: all.length,
        tables: page.map((t) => ({
          kind: "bigquery#table",
          id: `${this.project}:${id}.${t.name}`,
          tableReference: { projectId: this.project, datasetId: id, tableId: t.name },
          type: t.type,
        })),
        ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}),
      };
    }
    if (method === "GET" && seg[0] === "datasets" && seg[2] === "tables" && seg.length === 4) {
      const [, ds, tbl] = [seg[0], seg[1]!, seg[3]!];
      const t = this.tablesOf(ds).find((x) => x.name === tbl);
      if (!t) throw new ApiErr(404, "notFound", `Not found: Table ${this.project}:${ds}.${tbl}`);
      const stmt = this.db.query(`SELECT * FROM ${q(`${ds}.${tbl}`)}`);
      const count = this.db.query(`SELECT COUNT(*) AS n FROM ${q(`${ds}.${tbl}`)}`).get() as { n: bigint };
      const fields = stmt.columnNames.map((n, i) => ({
        name: n,
        type: restType(stmt.declaredTypes[i] ?? null, undefined),
        mode: "NULLABLE",
      }));
      return {
        kind: "bigquery#table",
        id: `${this.project}:${ds}.${tbl}`,
        tableReference: { projectId: this.project, datasetId: ds, tableId: tbl },
        schema: { fields },
        numRows: String(count.n),
        type: t.type,
        location: this.datasets.get(ds)?.location,
      };
    }
    throw new ApiErr(501, "notImplemented", `the BigQuery stand-in does not implement ${method} ${rest}`);
  }

  private job(id: string): JobState {
    const job = this.jobs.get(id);
    if (!job) throw new ApiErr(404, "notFound", `Not found: Job ${this.project}:${this.location}.${id}`);
    return job;
  }

  private tablesOf(dataset: string): { name: string; type: "TABLE" | "VIEW" }[] {
    const rows = this.db
      .query(
        "SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND substr(name, 1, ?) = ? ORDER BY name",
      )
      .all(dataset.length + 1, `${dataset}.`) as { name: string; type: string }[];
    return rows.map((r) => ({
      name: r.name.slice(dataset.length + 1),
      type: r.type === "view" ? "VIEW" : "TABLE",
    }));
  }

  private datasetResource(id: string) {
    return {
      kind: "bigquery#dataset",
      id: `${this.project}:${id}`,
      datasetReference: { projectId: this.project, datasetId: id },
      location: this.datasets.get(id)?.location ?? this.location,
    };
  }

  private insertJob(b: RequestBody): unknown {
    const ref = b.jobReference ?? {};
    const id = String(ref.jobId ?? crypto.randomUUID());
    if (this.jobs.has(id))
      throw new ApiErr(409, "duplicate", `Already Exists: Job ${this.project}:${this.location}.${id}`);
    const query = b.configuration?.query?.query;
    if (typeof query !== "string")
      throw new ApiErr(400, "invalid", "only query jobs are implemented by the stand-in");
    const job = this.run(id, query);
    // Like the service: a query that fails validation is refused by jobs.insert itself.
    if (job.error) {
      this.jobs.delete(id);
      throw job.error;
    }
    return this.jobResource(job);
  }

  private jobsQuery(b: RequestBody): unknown {
    const id = `job_${crypto.randomUUID().replace(/-/g, "")}`;
    const job = this.run(id, String(b.query ?? ""));
    if (job.error) throw job.error;
    return this.queryResults(
      job,
      new URLSearchParams(b.maxResults ? { maxResults: String(b.maxResults) } : {}),
    );
  }

  private jobResource(job: JobState) {
    const stats: Record<string, unknown> = {
      totalBytesProcessed: String(job.bytes),
      statementType: job.statementType,
    };
    if (job.dmlRows !== undefined) stats.numDmlAffectedRows = String(job.dmlRows);
    return {
      kind: "bigquery#job",
      id: `${this.project}:${job.location}.${job.id}`,
      jobReference: { projectId: this.project, jobId: job.id, location: job.location },
      configuration: { query: { query: job.query, useLegacySql: false }, jobType: "QUERY" },
      status: job.error
        ? { state: "DONE", errorResult: errorItem(job.error), errors: [errorItem(job.error)] }
        : { state: job.state },
      statistics: { creationTime: String(Date.now()), totalBytesProcessed: String(job.bytes), query: stats },
    };
  }

  private queryResults(job: JobState, qs: URLSearchParams): unknown {
    const jobReference = { projectId: this.project, jobId: job.id, location: job.location };
    if (job.polls < (this.opts.pendingPolls ?? 0)) {
      job.polls++;
      return { kind: "bigquery#getQueryResultsResponse", jobReference, jobComplete: false };
    }
    job.state = "DONE";
    if (job.error) throw job.error;
    const start = Number(qs.get("pageToken") ?? 0);
    const asked = qs.has("maxResults") ? Number(qs.get("maxResults")) : job.rows.length;
    const size = Math.min(asked, this.opts.pageSize ?? Number.POSITIVE_INFINITY);
    const page = job.rows.slice(start, start + size);
    const out: Record<string, unknown> = {
      kind: "bigquery#getQueryResultsResponse",
      jobReference,
      jobComplete: true,
      schema: { fields: job.fields },
      totalRows: String(job.rows.length),
      totalBytesProcessed: String(job.bytes),
      cacheHit: false,
    };
    if (job.fields.length > 0)
      out.rows = page.map((r) => ({ f: r.map((v, i) => ({ v: restValue(job.fields[i]!.type, v) })) }));
    if (start + size < job.rows.length) out.pageToken = String(start + size);
    if (job.dmlRows !== undefined) out.numDmlAffectedRows = String(job.dmlRows);
    return out;
  }

  // ---------------------------------------------------------------- SQL

  private run(id: string, sql: string): JobState {
    const job: JobState = {
      id,
      location: this.location,
      query: sql,
      statementType: "SELECT",
      fields: [],
      rows: [],
      bytes: 0,
      polls: 0,
      state: (this.opts.pendingPolls ?? 0) > 0 ? "RUNNING" : "DONE",
      cancelled: false,
    };
    this.jobs.set(id, job);
    try {
      const statements = splitStatements(sql);
      if (statements.length > 1) {
        job.statementType = "SCRIPT";
        for (const s of statements) this.statement(s, job);
        // A script's parent job reports no DML row count.
        job.dmlRows = undefined;
      } else {
        this.statement(statements[0] ?? "", job);
      }
    } catch (e) {
      if (this.db.inTransaction) this.db.run("ROLLBACK");
      job.error = e instanceof ApiErr ? e : this.sqliteError(e as Error);
    }
    return job;
  }

  private sqliteError(e: Error): ApiErr {
    const msg = e.message;
    const table = msg.match(/no such table: (.+)$/);
    if (table)
      return new ApiErr(
        404,
        "notFound",
        `Not found: Table ${this.project}:${table[1]} was not found in location ${this.location}`,
      );
    const col = msg.match(/no such column: (.+)$/);
    if (col) return new ApiErr(400, "invalidQuery", `Unrecognized name: ${col[1]}`);
    if (/syntax error/.test(msg)) return new ApiErr(400, "invalidQuery", `Syntax error: ${msg}`);
    return new ApiErr(400, "invalidQuery", msg);
  }

  /** Translate one GoogleSQL statement (rocky's shapes) and run it. */
  private statement(raw: string, job: JobState): void {
    const sql = this.translate(raw).trim();
    let m: RegExpMatchArray | null;
    if ((m = sql.match(/^CREATE SCHEMA (IF NOT EXISTS )?"([^"]+)"/i))) {
      job.statementType = "CREATE_SCHEMA";
      if (this.datasets.has(m[2]!) && !m[1])
        throw new ApiErr(409, "duplicate", `Already Exists: Dataset ${this.project}:${m[2]}`);
      this.datasets.set(m[2]!, { location: this.location });
      return;
    }
    if ((m = sql.match(/^DROP SCHEMA (IF EXISTS )?"([^"]+)"/i))) {
      job.statementType = "DROP_SCHEMA";
      if (!this.datasets.has(m[2]!)) {
        if (m[1]) return;
        throw new ApiErr(404, "notFound", `Not found: Dataset ${this.project}:${m[2]}`);
      }
      for (const t of this.tablesOf(m[2]!)) this.db.run(`DROP ${t.type} ${q(`${m[2]}.${t.name}`)}`);
      this.datasets.delete(m[2]!);
      return;
    }
    if (/^(BEGIN|COMMIT|ROLLBACK)( TRANSACTION)?$/i.test(sql)) {
      this.db.run(sql);
      return;
    }
    // CLONE and COPY both give an independent table with the source's schema and rows here.
    if ((m = sql.match(/^CREATE OR REPLACE TABLE ("[^"]+") (?:CLONE|COPY) ("[^"]+")$/i))) {
      job.statementType = "CREATE_TABLE";
      const src = this.db
        .query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(unq(m[2]!)) as { sql: string } | null;
      if (!src) throw new ApiErr(404, "notFound", `Not found: Table ${this.project}:${unq(m[2]!)}`);
      this.db.run(`DROP TABLE IF EXISTS ${m[1]}`);
      this.db.run(src.sql.replace(/^CREATE TABLE ("[^"]+"|\S+)/i, `CREATE TABLE ${m[1]}`));
      this.db.run(`INSERT INTO ${m[1]} SELECT * FROM ${m[2]}`);
      return;
    }
    if ((m = sql.match(/^CREATE (OR REPLACE )?TABLE ("[^"]+") AS\s+([\s\S]+)$/i))) {
      job.statementType = "CREATE_TABLE_AS_SELECT";
      this.ctas(m[2]!, m[3]!, Boolean(m[1]));
      return;
    }
    if ((m = sql.match(/^CREATE (OR REPLACE )?VIEW ("[^"]+") AS\s+([\s\S]+)$/i))) {
      job.statementType = "CREATE_VIEW";
      this.needDataset(m[2]!);
      if (m[1]) this.db.run(`DROP VIEW IF EXISTS ${m[2]}`);
      this.db.run(`CREATE VIEW ${m[2]} AS ${m[3]}`);
      return;
    }
    if (
      (m = sql.match(
        /^MERGE INTO ("[^"]+") AS (\w+)\s+USING \(([\s\S]+)\) AS (\w+)\s+ON ([\s\S]+?)\s+(?:WHEN MATCHED THEN UPDATE SET ([\s\S]+?)\s+)?WHEN NOT MATCHED THEN INSERT (ROW|\(([^)]*)\) VALUES \(([\s\S]+)\))$/i,
      ))
    ) {
      job.statementType = "MERGE";
      const [, t, ta, src, sa, on, set, , cols, vals] = m;
      let n = 0;
      if (set) n += this.db.run(`UPDATE ${t} AS ${ta} SET ${set} FROM (${src}) AS ${sa} WHERE ${on}`).changes;
      const insert = cols ? `INSERT INTO ${t} (${cols}) SELECT ${vals}` : `INSERT INTO ${t} SELECT ${sa}.*`;
      n += this.db.run(
        `${insert} FROM (${src}) AS ${sa} WHERE NOT EXISTS (SELECT 1 FROM ${t} AS ${ta} WHERE ${on})`,
      ).changes;
      job.dmlRows = n;
      return;
    }
    if (/^(INSERT|DELETE|UPDATE)\b/i.test(sql)) {
      job.statementType = sql.split(/\s/)[0]!.toUpperCase();
      job.dmlRows = this.db.run(sql).changes;
      return;
    }
    if (/^DROP (TABLE|VIEW)/i.test(sql)) {
      job.statementType = sql.startsWith("DROP VIEW") ? "DROP_VIEW" : "DROP_TABLE";
      this.db.run(sql);
      return;
    }
    if (/TO_JSON_STRING\(/i.test(raw)) {
      this.fingerprint(sql, job);
      return;
    }
    if (/^(SELECT|WITH)\b/i.test(sql)) {
      this.select(sql, job);
      return;
    }
    throw new ApiErr(400, "invalidQuery", `the BigQuery stand-in cannot run: ${raw.slice(0, 80)}`);
  }

  private needDataset(quotedName: string): void {
    const ds = unq(quotedName).split(".")[0]!;
    if (!this.datasets.has(ds)) throw new ApiErr(404, "notFound", `Not found: Dataset ${this.project}:${ds}`);
  }

  /** CTAS keeping BigQuery column types: create typed columns, then INSERT … SELECT. */
  private ctas(target: string, select: string, replace: boolean): void {
    this.needDataset(target);
    const stmt = this.db.query(select);
    const first = stmt.values()[0];
    const cols = stmt.columnNames.map((n, i) => {
      const rest = restType(stmt.declaredTypes[i] ?? null, first?.[i] ?? null);
      return `${q(n)} ${TO_SQLITE[rest] ?? "TEXT"}`;
    });
    if (!replace && this.db.query("SELECT 1 FROM sqlite_master WHERE name = ?").get(unq(target)))
      throw new ApiErr(409, "duplicate", `Already Exists: Table ${this.project}:${unq(target)}`);
    this.db.run(`DROP TABLE IF EXISTS ${target}`);
    this.db.run(`CREATE TABLE ${target} (${cols.join(", ")})`);
    this.db.run(`INSERT INTO ${target} ${select}`);
  }

  private select(sql: string, job: JobState): void {
    const stmt = this.db.query(sql);
    const rows = stmt.values() as unknown[][];
    job.fields = stmt.columnNames.map((name, i) => ({
      name,
      type: restType(stmt.declaredTypes[i] ?? null, rows.find((r) => r[i] !== null)?.[i] ?? null),
      mode: "NULLABLE",
    }));
    job.rows = rows;
    job.bytes = rows.reduce<number>(
      (n, r) => n + r.reduce<number>((m, v) => m + String(v ?? "").length, 0),
      0,
    );
  }

  /** rocky's fingerprint query: same result shape, a different (documented) hash function. */
  private fingerprint(sql: string, job: JobState): void {
    const m = sql.match(/FROM ("[^"]+") AS _rocky_t/);
    if (!m) throw new ApiErr(400, "invalidQuery", "the stand-in only understands rocky's fingerprint query");
    const stmt = this.db.query(`SELECT * FROM ${m[1]}`);
    const rows = stmt.values() as unknown[][];
    const groups = new Map<string, number>();
    for (const r of rows) {
      const obj = Object.fromEntries(
        stmt.columnNames.map((c, i) => [c, typeof r[i] === "bigint" ? Number(r[i]) : r[i]]),
      );
      const j = JSON.stringify(obj);
      groups.set(j, (groups.get(j) ?? 0) + 1);
    }
    let h = 0n;
    for (const [j, n] of groups) h ^= hash64(`${j}#${n}`);
    job.fields = [
      { name: "row_count", type: "INTEGER", mode: "NULLABLE" },
      { name: "hash", type: "INTEGER", mode: "NULLABLE" },
    ];
    job.rows = [[BigInt(rows.length), h]];
  }

  /**
   * Lexical translation: backtick names → SQLite "dataset.table", GoogleSQL
   * strings → SQLite strings, `CURRENT_TIMESTAMP()` → `CURRENT_TIMESTAMP`.
   */
  translate(sql: string): string {
    let out = "";
    let i = 0;
    const readBacktick = (): string => {
      let s = "";
      i++;
      while (i < sql.length && sql[i] !== "`") {
        if (sql[i] === "\\") i++;
        s += sql[i];
        i++;
      }
      i++;
      return s;
    };
    while (i < sql.length) {
      const c = sql[i]!;
      if (c === "'" || c === '"') {
        let s = "";
        i++;
        while (i < sql.length && sql[i] !== c) {
          if (sql[i] === "\\") {
            i++;
            s += sql[i] === "n" ? "\n" : sql[i];
          } else s += sql[i];
          i++;
        }
        i++;
        out += `'${s.replace(/'/g, "''")}'`;
      } else if (c === "`") {
        const parts = readBacktick().split(".");
        while (sql[i] === "." && (sql[i + 1] === "`" || /[A-Za-z_]/.test(sql[i + 1] ?? ""))) {
          i++;
          if (sql[i] === "`") parts.push(...readBacktick().split("."));
          else {
            const w = sql.slice(i).match(/^[A-Za-z_][A-Za-z0-9_]*/)![0];
            parts.push(w);
            i += w.length;
          }
        }
        if (parts.length === 3 && parts[0] === this.project) parts.shift();
        if (parts.length === 3) throw new ApiErr(403, "accessDenied", `Access Denied: Project ${parts[0]}`);
        if (parts.length === 2 && this.datasets.has(parts[0]!)) out += q(`${parts[0]}.${parts[1]}`);
        else if (parts.length === 2 && /\b(FROM|JOIN|INTO|TABLE|VIEW|CLONE|COPY|UPDATE)\s*$/i.test(out))
          // A table in a dataset that does not exist: SQLite then says "no such table".
          out += q(`${parts[0]}.${parts[1]}`);
        else out += parts.map(q).join(".");
      } else {
        out += c;
        i++;
      }
    }
    return out.replace(/CURRENT_TIMESTAMP\(\)/gi, "CURRENT_TIMESTAMP").replace(/\bAS STRING\)/gi, "AS TEXT)");
  }
}

function q(id: string): string {
  return `"${id.replace(/"/g, '""')}"`;
}
function unq(quoted: string): string {
  return quoted.slice(1, -1).replace(/""/g, '"');
}

function errorItem(e: ApiErr) {
  return { reason: e.reason, message: e.message, location: "query" };
}

function json(body: unknown, status = 200): Response {
  if (body === undefined) return new Response(null, { status: 204 });
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8" },
  });
}

/** Split a script on top-level `;` (outside strings, identifiers and comments). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      cur += c;
      if (c === "\\") cur += sql[++i] ?? "";
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === "`") {
      quote = c;
      cur += c;
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
      cur += "\n";
    } else if (c === ";") {
      if (cur.trim()) out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
