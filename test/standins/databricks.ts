/**
 * A loopback stand-in for a Databricks SQL warehouse's Thrift endpoint, as
 * @databricks/sql speaks to it: TCLIService over HTTP POST (TBinaryProtocol,
 * buffered transport), bearer-token auth, results as Arrow IPC batches.
 *
 * The server side is the SAME generated TCLIService code the client ships
 * (@databricks/sql/thrift) driven by thrift's Processor, so messages are encoded
 * and decoded by real Thrift code on both ends. It serves plain HTTP on loopback:
 * under Bun the SDK's node-fetch goes through Bun's fetch, which ignores the
 * https.Agent carrying `customCaCert`, so a self-signed TLS stand-in cannot be
 * trusted; the adapter reaches it through its loopback-only `http://` host form.
 *
 * Simulated: OpenSession/CloseSession, ExecuteStatement (always async: the client
 * polls GetOperationStatus), GetResultSetMetadata (Arrow format; timestamps as
 * native Arrow or text per the client's useArrowNativeTypes flag, decimals always
 * as text, as with that flag off), FetchResults
 * (one batch), CancelOperation, CloseOperation, GetInfo; HTTP 401/403 for bad
 * tokens; injected HTTP faults. NOT simulated: SQL itself (tests answer each
 * statement with `onQuery`), direct results, CloudFetch, LZ4, OAuth endpoints,
 * and the exact wording of every server error.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
// apache-arrow (a dependency of @databricks/sql) has no `types` in its exports map,
// so its declarations are named by path; the code is loaded with require.
import type * as ArrowTypes from "../../node_modules/apache-arrow/Arrow.node";

const require = createRequire(import.meta.url);

/** The slice of the untyped `thrift` package used here (it ships no typings). */
interface ThriftTransport {
  commitPosition(): void;
}
interface ThriftModule {
  TBufferedTransport: {
    new (buf: undefined, onFlush: (buf: Buffer) => void): unknown;
    receiver(cb: (t: ThriftTransport) => void): (data: Buffer) => void;
  };
  TBinaryProtocol: new (t: unknown) => unknown;
}
const thrift = require("thrift") as ThriftModule;
const TCLIService = require("@databricks/sql/thrift/TCLIService") as {
  Processor: new (handler: object) => { process(input: unknown, output: unknown): void };
};
const T = require("@databricks/sql/thrift/TCLIService_types") as {
  TTypeId: Record<string, number>;
  TStatusCode: Record<string, number>;
  TOperationState: Record<string, number>;
  TOperationType: Record<string, number>;
  TSparkRowSetType: Record<string, number>;
  TProtocolVersion: Record<string, number>;
};
const Int64Ctor = require("node-int64") as new (n: number) => unknown;
const {
  Bool,
  DateDay,
  Float64,
  Int32,
  Int64,
  Table,
  TimestampMicrosecond,
  tableToIPC,
  Utf8,
  vectorFromArray,
} = require("apache-arrow") as typeof ArrowTypes;
type DataType = ArrowTypes.DataType;
type Table = ArrowTypes.Table;

export type DbxType =
  | "STRING"
  | "INT"
  | "BIGINT"
  | "DOUBLE"
  | "BOOLEAN"
  | "DATE"
  | "TIMESTAMP"
  | `DECIMAL(${number},${number})`;

export interface DbxColumn {
  name: string;
  type: DbxType;
}

export type DbxAnswer =
  | { columns: DbxColumn[]; rows: unknown[][] }
  | { error: { message: string; sqlState?: string } };

export interface ReceivedStatement {
  sql: string;
  session: string;
}

interface Op {
  session: string;
  state: number;
  answer?: DbxAnswer;
  timestampAsArrow: boolean;
  decimalAsArrow: boolean;
  fetched: boolean;
}

type Handle = { guid: Buffer; secret: Buffer };

const ok = { statusCode: 0 };

export class DatabricksStandin {
  readonly statements: ReceivedStatement[] = [];
  readonly sessions = new Set<string>();
  sessionsClosed = 0;
  readonly cancelled: string[] = [];
  readonly closedOps: string[] = [];
  /** Requests seen at the HTTP layer (faulted ones included), for retry assertions. */
  httpRequests = 0;
  onQuery: (sql: string) => DbxAnswer | Promise<DbxAnswer> = () => ({ columns: [], rows: [] });
  readonly path: string;
  private faults: { status: number; remaining: number }[] = [];
  private readonly ops = new Map<string, Op>();
  private server: ReturnType<typeof Bun.serve> | undefined;
  private readonly processor = new TCLIService.Processor(this.handler());

  constructor(private readonly opts: { tokens: string[]; path?: string }) {
    this.path = opts.path ?? "/sql/1.0/warehouses/standin";
  }

  get port(): number {
    if (!this.server) throw new Error("stand-in not started");
    return this.server.port ?? 0;
  }

  start(): this {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => this.handle(req) });
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop(true);
  }

  /** The next `times` HTTP requests get `status` (503: warehouse starting, 429: rate limit). */
  failNext(status: number, times = 1): void {
    this.faults.push({ status, remaining: times });
  }

  clearFaults(): number {
    const left = this.faults.reduce((n, f) => n + f.remaining, 0);
    this.faults = [];
    return left;
  }

  private async handle(req: Request): Promise<Response> {
    this.httpRequests++;
    const fault = this.faults.find((f) => f.remaining > 0);
    if (fault) {
      fault.remaining--;
      return new Response("Service Unavailable", { status: fault.status });
    }
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== this.path)
      return new Response("Not Found", { status: 404 });
    const auth = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    if (!auth) return new Response("Unauthorized", { status: 401 });
    if (!this.opts.tokens.includes(auth[1]!)) return new Response("Invalid access token.", { status: 403 });
    const body = Buffer.from(await req.arrayBuffer());
    const out = await new Promise<Buffer>((resolve, reject) => {
      thrift.TBufferedTransport.receiver((transport) => {
        const input = new thrift.TBinaryProtocol(transport);
        const output = new thrift.TBinaryProtocol(new thrift.TBufferedTransport(undefined, resolve));
        try {
          this.processor.process(input, output);
          transport.commitPosition();
        } catch (e) {
          reject(e);
        }
      })(body);
    });
    return new Response(out, { headers: { "content-type": "application/x-thrift" } });
  }

  private handler(): object {
    // Handles are UUIDs on the wire (the client formats them as such for its ids).
    const newHandle = (): Handle => ({
      guid: Buffer.from(randomUUID().replaceAll("-", ""), "hex"),
      secret: randomBytes(16),
    });
    const key = (h: { guid: Buffer } | undefined | null): string =>
      h ? Buffer.from(h.guid).toString("hex") : "";
    type OpReq = { operationHandle: { operationId: { guid: Buffer } } };
    const opOf = (req: OpReq): [string, Op | undefined] => {
      const k = key(req.operationHandle.operationId);
      return [k, this.ops.get(k)];
    };
    const invalid = {
      statusCode: T.TStatusCode.INVALID_HANDLE_STATUS!,
      errorMessage: "Invalid OperationHandle",
    };
    // One-argument handlers: thrift's Processor treats them as promise-returning.
    return {
      OpenSession: (_req: object) => {
        const h = newHandle();
        this.sessions.add(key(h));
        return {
          status: ok,
          serverProtocolVersion: T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8,
          sessionHandle: { sessionId: h },
          configuration: {},
        };
      },
      CloseSession: (req: { sessionHandle: { sessionId: Handle } }) => {
        if (this.sessions.delete(key(req.sessionHandle.sessionId))) this.sessionsClosed++;
        return { status: ok };
      },
      GetInfo: (_req: object) => ({ status: ok, infoValue: { stringValue: "Databricks SQL stand-in" } }),
      ExecuteStatement: (req: {
        sessionHandle: { sessionId: Handle };
        statement: string;
        useArrowNativeTypes?: { timestampAsArrow?: boolean; decimalAsArrow?: boolean } | null;
      }) => {
        const session = key(req.sessionHandle.sessionId);
        if (!this.sessions.has(session))
          return {
            status: {
              statusCode: T.TStatusCode.INVALID_HANDLE_STATUS,
              errorMessage: "Invalid SessionHandle",
            },
          };
        this.statements.push({ sql: req.statement, session });
        const h = newHandle();
        const op: Op = {
          session,
          state: T.TOperationState.RUNNING_STATE!,
          timestampAsArrow: req.useArrowNativeTypes?.timestampAsArrow ?? false,
          decimalAsArrow: req.useArrowNativeTypes?.decimalAsArrow ?? false,
          fetched: false,
        };
        this.ops.set(key(h), op);
        // The statement runs "in the background"; the client polls for its state.
        Promise.resolve(this.onQuery(req.statement)).then((answer) => {
          if (op.state !== T.TOperationState.RUNNING_STATE) return; // cancelled meanwhile
          op.answer = answer;
          op.state = "error" in answer ? T.TOperationState.ERROR_STATE! : T.TOperationState.FINISHED_STATE!;
        });
        return {
          status: ok,
          operationHandle: {
            operationId: h,
            operationType: T.TOperationType.EXECUTE_STATEMENT,
            hasResultSet: true,
          },
        };
      },
      GetOperationStatus: (req: OpReq) => {
        const [, op] = opOf(req);
        if (!op) return { status: invalid };
        const err = op.answer && "error" in op.answer ? op.answer.error : undefined;
        return {
          status: ok,
          operationState: op.state,
          ...(err
            ? {
                errorMessage: err.message,
                displayMessage: err.message,
                sqlState: err.sqlState ?? "42000",
                errorCode: 0,
              }
            : {}),
        };
      },
      GetResultSetMetadata: (req: OpReq) => {
        const [, op] = opOf(req);
        if (!op?.answer || "error" in op.answer) return { status: invalid };
        const cols = op.answer.columns;
        return {
          status: ok,
          schema: {
            columns: cols.map((c, i) => ({
              columnName: c.name,
              position: i + 1,
              typeDesc: { types: [{ primitiveEntry: primitive(c.type) }] },
            })),
          },
          resultFormat: T.TSparkRowSetType.ARROW_BASED_SET,
          lz4Compressed: false,
          arrowSchema: arrowSchemaBytes(cols, op),
        };
      },
      FetchResults: (req: OpReq) => {
        const [, op] = opOf(req);
        if (!op?.answer || "error" in op.answer) return { status: invalid };
        const first = !op.fetched;
        op.fetched = true;
        const batch =
          first && op.answer.rows.length > 0
            ? arrowBatchBytes(op.answer.columns, op.answer.rows, op)
            : undefined;
        return {
          status: ok,
          hasMoreRows: false,
          results: {
            startRowOffset: new Int64Ctor(0),
            rows: [],
            arrowBatches: batch ? [{ batch, rowCount: new Int64Ctor(op.answer.rows.length) }] : [],
          },
        };
      },
      CancelOperation: (req: OpReq) => {
        const [k, op] = opOf(req);
        if (!op) return { status: invalid };
        op.state = T.TOperationState.CANCELED_STATE!;
        this.cancelled.push(k);
        return { status: ok };
      },
      CloseOperation: (req: OpReq) => {
        const [k, op] = opOf(req);
        if (!op) return { status: invalid };
        this.ops.delete(k);
        this.closedOps.push(k);
        return { status: ok };
      },
    };
  }

  /** Statements currently running (for cancel tests). */
  get running(): number {
    return [...this.ops.values()].filter((o) => o.state === T.TOperationState.RUNNING_STATE).length;
  }
}

function primitive(type: DbxType): { type: number; typeQualifiers?: object } {
  const dec = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  if (dec) {
    return {
      type: T.TTypeId.DECIMAL_TYPE!,
      typeQualifiers: {
        qualifiers: { precision: { i32Value: Number(dec[1]) }, scale: { i32Value: Number(dec[2]) } },
      },
    };
  }
  const id = {
    STRING: "STRING_TYPE",
    INT: "INT_TYPE",
    BIGINT: "BIGINT_TYPE",
    DOUBLE: "DOUBLE_TYPE",
    BOOLEAN: "BOOLEAN_TYPE",
    DATE: "DATE_TYPE",
    TIMESTAMP: "TIMESTAMP_TYPE",
  }[type as Exclude<DbxType, `DECIMAL${string}`>];
  return { type: T.TTypeId[id]! };
}

/**
 * Arrow types as a warehouse sends them. Timestamps and decimals are text unless
 * the client asked for native Arrow types (useArrowNativeTypes), like the service.
 */
function arrowType(type: DbxType, op: Op): DataType {
  if (type.startsWith("DECIMAL")) return new Utf8(); // native Arrow decimals are not simulated
  switch (type) {
    case "INT":
      return new Int32();
    case "BIGINT":
      return new Int64();
    case "DOUBLE":
      return new Float64();
    case "BOOLEAN":
      return new Bool();
    case "DATE":
      return new DateDay();
    case "TIMESTAMP":
      return op.timestampAsArrow ? new TimestampMicrosecond("UTC") : new Utf8();
    default:
      return new Utf8();
  }
}

function arrowValue(v: unknown, type: DbxType): unknown {
  if (v === null || v === undefined) return null;
  if (type === "BIGINT") return BigInt(v as number | bigint | string);
  if (type === "DATE") return new Date(`${String(v)}T00:00:00Z`);
  return v;
}

function table(cols: DbxColumn[], rows: unknown[][], op: Op): Table {
  const vectors = Object.fromEntries(
    cols.map((c, i) => [
      c.name,
      vectorFromArray(
        rows.map((r) => arrowValue(r[i], c.type)),
        arrowType(c.type, op),
      ),
    ]),
  );
  return new Table(vectors);
}

const EOS = 8; // continuation marker + zero length, at the end of an IPC stream

/** Length of the first IPC message (the schema): continuation, int32 metadata length, metadata; no body. */
function schemaLength(stream: Uint8Array): number {
  return 8 + Buffer.from(stream.buffer, stream.byteOffset, stream.length).readInt32LE(4);
}

/** The IPC schema message alone, as the service sends it in GetResultSetMetadata. */
function arrowSchemaBytes(cols: DbxColumn[], op: Op): Buffer {
  const stream = tableToIPC(table(cols, [], op), "stream");
  return Buffer.from(stream.subarray(0, schemaLength(stream)));
}

/** The record batch message(s): the stream minus the schema message and the end marker. */
function arrowBatchBytes(cols: DbxColumn[], rows: unknown[][], op: Op): Buffer {
  const stream = tableToIPC(table(cols, rows, op), "stream");
  return Buffer.from(stream.subarray(schemaLength(stream), stream.length - EOS));
}
