/**
 * Parsing model SQL with DuckDB's own parser, in process: `json_serialize_sql` turns
 * each statement into a JSON AST. Per-query overhead dominates the cost of parsing one
 * model, so `parseMany` parses a whole batch of models in a single query.
 *
 * After parsing, every unaliased select-list expression gets DuckDB's own output name
 * (`rocky_default_name`, e.g. `(a + 1)`, `count_star()`): the expression printed as
 * DuckDB prints it, which is exactly the name DuckDB gives the column, so `SELECT *`
 * downstream and the materialised table agree with lineage. Common shapes are printed
 * in names.ts; the rest by DuckDB itself (`json_deserialize_sql`).
 */

import { openStringDatabase, type StringConnection as DuckDBConnection } from "./duckdb-strings.ts";
import type { ExprNode, Statement } from "./ast.ts";
import { printExpression } from "./names.ts";
import { codePointToCharOffset } from "./offsets.ts";
import { looksLikeQuery } from "./textscan.ts";
import type { ParsedSql, SqlParser } from "./types.ts";

export type { ParsedSql, SqlParser } from "./types.ts";

/**
 * Models per query: large enough to amortise the per-query cost, small enough that
 * several queries keep the connections busy while the main thread reads results.
 */
const BATCH_SIZE = 500;
/** Each connection's query runs on its own thread: two keep two cores busy. */
const CONNECTIONS = 2;

interface SerializedOk {
  error: false;
  statements: Statement[];
}
interface SerializedError {
  error: true;
  error_type?: string;
  error_message?: string;
  position?: string | number;
}
type Serialized = SerializedOk | SerializedError;

export async function createSqlParser(): Promise<SqlParser> {
  // Lazy: commands that analyse no SQL must not load DuckDB (SPEC §11 start-up rule).
  // Parallelism comes from the connections (each query runs on its own thread);
  // DuckDB's own worker threads would only compete with them for the cores.
  const instance = await openStringDatabase({ threads: "1" });
  const connections: DuckDBConnection[] = [];
  for (let i = 0; i < CONNECTIONS; i++) connections.push(await instance.connect());
  const [connection] = connections as [DuckDBConnection];
  const keywordRows = await connection.strings("SELECT keyword_name FROM duckdb_keywords()");
  const keywords = new Set(keywordRows.map((k) => String(k).toLowerCase()));
  // One query at a time per connection: each query borrows an idle connection, so
  // overlapping `parseMany` calls (compile asks for the next chunk while analysing this
  // one) keep both connections busy instead of queueing behind each other.
  const idle: DuckDBConnection[] = [...connections];
  const waiting: Array<(c: DuckDBConnection) => void> = [];
  const withConnection = async <T>(work: (on: DuckDBConnection) => Promise<T>): Promise<T> => {
    const on = idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => waiting.push(resolve)));
    try {
      return await work(on);
    } finally {
      const next = waiting.shift();
      if (next) next(on);
      else idle.push(on);
    }
  };

  const serializeBatch = async (
    sqls: readonly string[],
    compact: boolean,
    on: DuckDBConnection,
  ): Promise<Array<string | null>> => {
    const options = compact ? ", skip_null := true, skip_empty := true" : "";
    return on.strings(`SELECT json_serialize_sql(unnest${options}) FROM unnest(?::VARCHAR[])`, sqls);
  };

  const deserializeBatch = async (
    statementsJson: string[],
    on: DuckDBConnection,
  ): Promise<Array<string | undefined>> => {
    const run = async (batch: string[]): Promise<Array<string | undefined>> => {
      const rows = await on.strings(
        "SELECT json_deserialize_sql(unnest::JSON) FROM unnest(?::VARCHAR[])",
        batch,
      );
      // node-api read SQL NULL as null; callers treat any non-string as "no name".
      return rows.map((r) => r ?? undefined);
    };
    try {
      return await run(statementsJson);
    } catch {
      // One expression DuckDB cannot print back fails the whole query: retry one by one.
      const names: Array<string | undefined> = [];
      for (const json of statementsJson) {
        try {
          names.push((await run([json]))[0]);
        } catch {
          names.push(undefined);
        }
      }
      return names;
    }
  };

  /**
   * A model DuckDB fails on outright (rather than reporting a parse error in the JSON)
   * fails the whole batch query: then parse the batch one by one, and only that model
   * gets the error.
   */
  const serializeOrIsolate = async (
    batch: readonly string[],
    on: DuckDBConnection,
  ): Promise<Array<string | null>> => {
    try {
      return await serializeBatch(batch, true, on);
    } catch {
      const jsons: string[] = [];
      for (const sql of batch) {
        try {
          jsons.push((await serializeBatch([sql], true, on))[0] ?? "");
        } catch (error) {
          jsons.push(JSON.stringify({ error: true, error_message: errorMessage(error) }));
        }
      }
      return jsons;
    }
  };

  /** Parses all models: batches spread over the connections, results read as they arrive. */
  const parseAll = async (sqls: readonly string[]): Promise<ParsedSql[]> => {
    const results: ParsedSql[] = new Array(sqls.length);
    const unnamed: Array<{ index: number; nodes: ExprNode[] }> = [];
    const work = async (start: number): Promise<void> => {
      const batch = sqls.slice(start, start + BATCH_SIZE);
      const jsons = await withConnection((on) => serializeOrIsolate(batch, on));
      for (let k = 0; k < batch.length; k++) {
        const parsed = JSON.parse(jsons[k] ?? '{"error":true}') as Serialized;
        if (parsed.error) {
          results[start + k] = toParseError(batch[k] ?? "", parsed);
          continue;
        }
        results[start + k] = { ok: true, statements: parsed.statements };
        const { unnamed: nodes, hasSubquery } = scanStatements(parsed.statements);
        for (const statement of parsed.statements) statement.rocky_has_subquery = hasSubquery;
        let needDuckDb = false;
        for (const node of nodes) {
          const name = printExpression(node, keywords);
          if (name === undefined) needDuckDb = true;
          else node.rocky_default_name = name;
        }
        if (needDuckDb) unnamed.push({ index: start + k, nodes });
      }
    };
    const batches: Promise<void>[] = [];
    for (let start = 0; start < sqls.length; start += BATCH_SIZE) batches.push(work(start));
    await Promise.all(batches);
    if (unnamed.length > 0) await withConnection((on) => nameExpressions(sqls, unnamed, on));
    return results;
  };

  /** Sets `rocky_default_name` on unaliased select-list expressions, as DuckDB names them. */
  const nameExpressions = async (
    sqls: readonly string[],
    unnamed: Array<{ index: number; nodes: ExprNode[] }>,
    on: DuckDBConnection,
  ): Promise<void> => {
    // json_deserialize_sql needs the full (non-compact) JSON: serialise those models again.
    const fullJsons = await serializeBatch(
      unnamed.map((u) => sqls[u.index] ?? ""),
      false,
      on,
    );
    const template = await selectTemplate(on);
    const wrapped: string[] = [];
    const targets: ExprNode[] = [];
    unnamed.forEach((u, k) => {
      const full = JSON.parse(fullJsons[k] ?? "{}") as Serialized;
      if (full.error) return;
      const fullNodes = scanStatements(full.statements).unnamed;
      // Same walk over the same tree (compact JSON only omits empty fields): same order.
      if (fullNodes.length !== u.nodes.length) return;
      fullNodes.forEach((fullNode, j) => {
        const target = u.nodes[j];
        if (target === undefined || target.rocky_default_name !== undefined) return;
        const statement = { node: { ...template, select_list: [fullNode] } };
        // JSON.parse turned DuckDB's u64 "no location" into a double it cannot read back.
        wrapped.push(JSON.stringify({ error: false, statements: [statement] }, dropLocations));
        targets.push(target);
      });
    });
    const printed = await deserializeBatch(wrapped, on);
    targets.forEach((node, k) => {
      const text = printed[k];
      if (text?.startsWith("SELECT ")) node.rocky_default_name = text.slice("SELECT ".length);
    });
  };

  let template: Record<string, unknown> | undefined;
  const selectTemplate = async (on: DuckDBConnection): Promise<Record<string, unknown>> => {
    if (template === undefined) {
      const [json] = await serializeBatch(["SELECT 1"], false, on);
      const parsed = JSON.parse(json ?? "{}") as SerializedOk;
      template = parsed.statements[0]?.node as unknown as Record<string, unknown>;
    }
    return template;
  };

  return {
    parseMany(sqls: readonly string[]): Promise<ParsedSql[]> {
      return parseAll(sqls);
    },
    close(): void {
      for (const each of connections) each.close();
      instance.close();
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function dropLocations(key: string, value: unknown): unknown {
  return key === "query_location" ? 0 : value;
}

function toParseError(sql: string, error: SerializedError): ParsedSql {
  let message = error.error_message ?? "could not parse SQL";
  if (error.error_type === "not implemented") {
    // DuckDB serialises SELECT statements only: not PIVOT statements (valid models), nor DDL/DML.
    if (looksLikeQuery(sql)) return { ok: false, error: message, unsupported: true };
    message = `only SELECT queries can be analysed (${message.replace(/!$/, "")})`;
  }
  const position = error.position === undefined ? Number.NaN : Number(error.position);
  if (!Number.isFinite(position)) return { ok: false, error: message };
  // Unlike query_location (UTF-8 bytes), DuckDB reports error positions in code points.
  return { ok: false, error: message, offset: codePointToCharOffset(sql, position) };
}

/**
 * One pass over a model's AST. `unnamed`: every select-list item (CTEs, subqueries, the
 * first branch of set operations: the name-giving ones) without an alias that is
 * neither a column reference nor a star, i.e. the items DuckDB names by printing them.
 * `hasSubquery`: whether any subquery expression exists (the analysis skips looking
 * for them when not).
 */
function scanStatements(statements: Statement[]): { unnamed: ExprNode[]; hasSubquery: boolean } {
  const unnamed: ExprNode[] = [];
  let hasSubquery = false;
  const visit = (value: unknown, naming: boolean): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, naming);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (record.class === "SUBQUERY") hasSubquery = true;
    if (record.type === "SET_OPERATION_NODE") {
      // Only the first branch names a set operation's columns.
      for (const key in record) {
        const child = record[key];
        if (key === "right") {
          visit(child, false);
        } else if (key === "children" && Array.isArray(child)) {
          child.forEach((c, i) => {
            visit(c, naming && i === 0);
          });
        } else {
          visit(child, naming);
        }
      }
      return;
    }
    const selectList = record.select_list;
    if (naming && Array.isArray(selectList)) {
      for (const item of selectList as ExprNode[]) {
        if (!item.alias && item.class !== "COLUMN_REF" && item.class !== "STAR") unnamed.push(item);
      }
    }
    for (const key in record) visit(record[key], naming);
  };
  visit(statements, true);
  return { unnamed, hasSubquery };
}
