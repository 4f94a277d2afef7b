/**
 * A loopback stand-in for the part of Snowflake's REST API that snowflake-sdk
 * speaks: login, query, abort, session delete, telemetry. The real SDK is pointed
 * at it (`accessUrl: http://127.0.0.1:PORT`), so the SDK's own request building,
 * auth bodies, JSON result decoding and error objects are exercised.
 *
 * What it is NOT: a SQL engine. Each statement is answered by a responder the
 * test installs (`onQuery`), and every statement received is recorded
 * (`statements`) so tests can assert the SQL that went over the wire.
 *
 * Wire shapes follow snowflake-sdk 3.3 (dist/lib/services/sf.js, connection/
 * statement.js, connection/result/result.js): every response is HTTP 200 with
 * `{success, code, message, data}`; a failed login or statement is
 * `success:false` with Snowflake's error code and `data.sqlState`.
 *
 * Simulated: password, OAuth and key-pair (RS256 JWT verified against the user's
 * public key) logins; session tokens on every request; session parameters (ALTER
 * SESSION SET is honoured and echoed with each result, as they shape the SDK's
 * date formatting); JSON result sets (`rowtype`/`rowset`, statement type ids, so
 * DML row counts work); long statements answered "in progress" and polled; abort
 * by requestId or queryId; session delete; injected HTTP faults per path.
 * (JSON is the only result format this driver reads, so it is what the service
 * sends it.) Not simulated: SQL itself, result chunks on cloud storage (large
 * results), MFA/SSO, token renewal, bind variables, multi-statement requests.
 */
import { createPublicKey, verify } from "node:crypto";

export interface SfColumn {
  name: string;
  /** Snowflake's rowtype type: fixed, real, text, boolean, date, timestamp_ntz, ... */
  type: string;
  nullable?: boolean;
  scale?: number;
  precision?: number;
}

export type SfAnswer =
  | { columns: SfColumn[]; rows: (string | null)[][]; statementTypeId?: number }
  | { error: { code: string; message: string; sqlState?: string } };

export interface SfUser {
  password?: string;
  /** PEM public key for key-pair (JWT) login. */
  publicKey?: string;
}

export interface SfStandinOptions {
  account?: string;
  users?: Record<string, SfUser>;
  /** Accepted OAuth access tokens. */
  oauthTokens?: string[];
  /**
   * Echo the rejected credential in the login error, as some gateways and proxies do:
   * lets tests prove the adapter redacts secrets from messages it did not write.
   */
  echoSecrets?: boolean;
  /**
   * A statement still running after this long is answered "in progress" (code
   * 333333 with a getResultUrl) and the SDK polls for its result, as the service
   * does for long queries (after ~45 s there). Default: never.
   */
  inProgressAfterMs?: number;
}

interface Session {
  token: string;
  user: string;
  warehouse?: string;
  database?: string;
  role?: string;
  params: Record<string, unknown>;
}

export interface ReceivedStatement {
  sql: string;
  /** Session token the statement ran under (a transaction runs on its own session). */
  session: string;
  user: string;
  warehouse?: string;
  role?: string;
  database?: string;
}

/** Statement type ids Snowflake reports (SDK statement_type.js): DML counts are rows of the result. */
export const SF_STATEMENT_TYPE = {
  SELECT: 0x1000,
  INSERT: 0x3100,
  UPDATE: 0x3200,
  DELETE: 0x3300,
  MERGE: 0x3400,
  DDL: 0x6000,
};

export class SnowflakeStandin {
  readonly statements: ReceivedStatement[] = [];
  readonly logins: Record<string, unknown>[] = [];
  readonly aborted: string[] = [];
  sessionsClosed = 0;
  /** Fault injection: the next N requests to a path prefix get this HTTP status. */
  private faults: { path: string; status: number; remaining: number }[] = [];
  private sessions = new Map<string, Session>();
  private server: ReturnType<typeof Bun.serve> | undefined;
  private seq = 0;
  /** Running statements by requestId and by queryId: an abort-request settles them with error 000604. */
  private readonly pending = new Map<string, () => void>();
  /** Statements answered "in progress", by queryId: the result poll waits on these. */
  private readonly running = new Map<string, { answer: Promise<SfAnswer>; session: Session }>();
  /** How many times the SDK polled for an in-progress result. */
  resultPolls = 0;
  onQuery: (sql: string, session: ReceivedStatement) => SfAnswer | Promise<SfAnswer> = () => ({
    columns: [{ name: "status", type: "text" }],
    rows: [["Statement executed successfully."]],
    statementTypeId: SF_STATEMENT_TYPE.DDL,
  });

  constructor(private readonly opts: SfStandinOptions = {}) {}

  get url(): string {
    if (!this.server) throw new Error("stand-in not started");
    return `http://127.0.0.1:${this.server.port}`;
  }

  get account(): string {
    return this.opts.account ?? "standin";
  }

  start(): this {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => this.handle(req) });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop(true);
  }

  failNext(pathPrefix: string, status: number, times = 1): void {
    this.faults.push({ path: pathPrefix, status, remaining: times });
  }

  /** Count of injected faults still waiting, then forget them. */
  clearFaults(): number {
    const left = this.faults.reduce((n, f) => n + f.remaining, 0);
    this.faults = [];
    return left;
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const fault = this.faults.find((f) => url.pathname.startsWith(f.path) && f.remaining > 0);
    if (fault) {
      fault.remaining--;
      return new Response("Service Unavailable", { status: fault.status });
    }
    // The SDK gzips request bodies; Bun does not inflate them for us.
    const raw = Buffer.from(await req.arrayBuffer());
    const text =
      req.headers.get("content-encoding") === "gzip" ? Bun.gunzipSync(raw).toString() : raw.toString();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    switch (url.pathname) {
      case "/session/v1/login-request":
        return this.login(url, body);
      case "/queries/v1/query-request":
        return this.withSession(req, (s) => this.query(s, body, url.searchParams.get("requestId") ?? ""));
      case "/queries/v1/abort-request":
        return this.withSession(req, () => {
          const id = String(body.requestId ?? "");
          this.aborted.push(id);
          this.pending.get(id)?.();
          return ok({});
        });
      case "/session":
        return this.withSession(req, (s) => {
          this.sessions.delete(s.token);
          this.sessionsClosed++;
          return ok({});
        });
      case "/telemetry/send":
        return ok({});
      default: {
        const poll = /^\/queries\/([^/]+)\/result$/.exec(url.pathname);
        if (poll) return this.withSession(req, () => this.poll(poll[1]!));
        const abort = /^\/queries\/([^/]+)\/abort-request$/.exec(url.pathname);
        if (abort) {
          return this.withSession(req, () => {
            this.aborted.push(abort[1]!);
            this.pending.get(abort[1]!)?.();
            return ok({});
          });
        }
        return new Response("not found", { status: 404 });
      }
    }
  }

  private login(url: URL, body: Record<string, unknown>): Response {
    const data = (body.data ?? {}) as Record<string, unknown>;
    this.logins.push(data);
    const user = String(data.LOGIN_NAME ?? "");
    const auth = String(data.AUTHENTICATOR ?? "SNOWFLAKE");
    const known = this.opts.users?.[user.toUpperCase()] ?? this.opts.users?.[user];
    let okAuth = false;
    if (auth === "OAUTH") okAuth = (this.opts.oauthTokens ?? []).includes(String(data.TOKEN ?? ""));
    else if (auth === "SNOWFLAKE_JWT")
      okAuth = !!known?.publicKey && verifyJwt(String(data.TOKEN ?? ""), known.publicKey);
    else okAuth = !!known && known.password !== undefined && known.password === data.PASSWORD;
    if (!okAuth) {
      // Snowflake answers a bad login with HTTP 200 and success:false, code 390100.
      return json({
        success: false,
        code: auth === "OAUTH" ? "390303" : "390100",
        message:
          auth === "OAUTH"
            ? `Invalid OAuth access token.${this.opts.echoSecrets ? ` [${String(data.TOKEN ?? "")}]` : ""}`
            : `Incorrect username or password was specified.${this.opts.echoSecrets ? ` (password '${String(data.PASSWORD ?? "")}')` : ""}`,
        data: { nextAction: "RETRY_LOGIN", authnMethod: "USERNAME_PASSWORD" },
      });
    }
    const token = `session-${++this.seq}`;
    const session: Session = {
      token,
      user: user || "OAUTH_USER",
      warehouse: url.searchParams.get("warehouse") ?? undefined,
      database: url.searchParams.get("databaseName") ?? undefined,
      role: url.searchParams.get("roleName") ?? undefined,
      params: ((data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>) ?? {},
    };
    this.sessions.set(token, session);
    return ok({
      token,
      masterToken: `master-${this.seq}`,
      validityInSeconds: 3600,
      masterValidityInSeconds: 14400,
      sessionId: 1000 + this.seq,
      parameters: [{ name: "TIMEZONE", value: "UTC" }],
      sessionInfo: {
        databaseName: session.database,
        warehouseName: session.warehouse,
        roleName: session.role,
      },
    });
  }

  private withSession(
    req: Request,
    fn: (s: Session) => Response | Promise<Response>,
  ): Response | Promise<Response> {
    const m = /Snowflake Token="([^"]+)"/.exec(req.headers.get("authorization") ?? "");
    const s = m ? this.sessions.get(m[1]!) : undefined;
    if (!s) return json({ success: false, code: "390104", message: "Session token invalid.", data: null });
    return fn(s);
  }

  private async query(s: Session, body: Record<string, unknown>, requestId: string): Promise<Response> {
    const sql = String(body.sqlText ?? "");
    const rec: ReceivedStatement = {
      sql,
      session: s.token,
      user: s.user,
      warehouse: s.warehouse,
      role: s.role,
      database: s.database,
    };
    this.statements.push(rec);
    const queryId = `01b0-${++this.seq}`;
    // Session parameters are state the service keeps, and they shape how the SDK
    // formats dates; honour ALTER SESSION SET like the real service.
    const alter = /^\s*ALTER\s+SESSION\s+SET\s+([\s\S]*)$/i.exec(sql);
    if (alter) {
      for (const m of alter[1]!.matchAll(/([A-Z_]+)\s*=\s*'((?:[^']|'')*)'/gi))
        s.params[m[1]!.toUpperCase()] = m[2]!;
    }
    if (alter) {
      return this.render(
        {
          columns: [{ name: "status", type: "text" }],
          rows: [["Statement executed successfully."]],
          statementTypeId: 0x4000,
        },
        queryId,
        s,
      );
    }
    const answer = new Promise<SfAnswer>((resolve, reject) => {
      const cancel = () =>
        resolve({ error: { code: "000604", message: "SQL execution canceled", sqlState: "57014" } });
      this.pending.set(requestId, cancel);
      this.pending.set(queryId, cancel);
      Promise.resolve(this.onQuery(sql, rec)).then(resolve, reject);
    }).finally(() => {
      this.pending.delete(requestId);
      this.pending.delete(queryId);
    });
    const settled = await settleWithin(answer, this.opts.inProgressAfterMs);
    if (settled === undefined) return this.inProgress(queryId, answer, s);
    return this.render(settled, queryId, s);
  }

  private inProgress(queryId: string, answer: Promise<SfAnswer>, s: Session): Response {
    this.running.set(queryId, { answer, session: s });
    return json({
      success: true,
      code: "333333",
      message: "Query execution in progress",
      data: { queryId, getResultUrl: `/queries/${queryId}/result` },
    });
  }

  private async poll(queryId: string): Promise<Response> {
    this.resultPolls++;
    const run = this.running.get(queryId);
    if (!run)
      return json({
        success: false,
        code: "000709",
        message: `Statement ${queryId} not found`,
        data: { queryId },
      });
    const settled = await settleWithin(run.answer, this.opts.inProgressAfterMs);
    if (settled === undefined) return this.inProgress(queryId, run.answer, run.session);
    this.running.delete(queryId);
    return this.render(settled, queryId, run.session);
  }

  private render(answer: SfAnswer, queryId: string, s: Session): Response {
    if ("error" in answer) {
      return json({
        success: false,
        code: answer.error.code,
        message: answer.error.message,
        data: { queryId, sqlState: answer.error.sqlState ?? "42000", errorCode: answer.error.code },
      });
    }
    return ok({
      // Session parameters come back with every result, as the real service does.
      parameters: Object.entries(s.params).map(([name, value]) => ({ name, value })),
      rowtype: answer.columns.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable ?? true,
        scale: c.scale ?? (c.type === "fixed" ? 0 : null),
        precision: c.precision ?? (c.type === "fixed" ? 38 : null),
        length: c.type === "text" ? 16777216 : null,
        byteLength: c.type === "text" ? 16777216 : null,
        database: "",
        schema: "",
        table: "",
      })),
      rowset: answer.rows,
      total: answer.rows.length,
      returned: answer.rows.length,
      queryId,
      databaseProvider: null,
      finalDatabaseName: s.database ?? null,
      finalWarehouseName: s.warehouse ?? null,
      finalRoleName: s.role ?? null,
      numberOfBinds: 0,
      statementTypeId: answer.statementTypeId ?? SF_STATEMENT_TYPE.SELECT,
      version: 1,
      queryResultFormat: "json",
    });
  }
}

/** The answer if it settles within `ms` (forever when `ms` is undefined), else undefined. */
async function settleWithin(p: Promise<SfAnswer>, ms: number | undefined): Promise<SfAnswer | undefined> {
  if (ms === undefined) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
}

function ok(data: unknown): Response {
  return json({ success: true, code: null, message: null, data });
}

/** Verify an RS256 JWT with a PEM public key, as Snowflake does for SNOWFLAKE_JWT logins. */
function verifyJwt(token: string, publicKeyPem: string): boolean {
  const [h, p, sig] = token.split(".");
  if (!h || !p || !sig) return false;
  try {
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as { exp?: number };
    if (typeof payload.exp === "number" && payload.exp < Date.now()) return false;
    return verify(
      "RSA-SHA256",
      Buffer.from(`${h}.${p}`),
      createPublicKey(publicKeyPem),
      Buffer.from(sig, "base64url"),
    );
  } catch {
    return false;
  }
}
