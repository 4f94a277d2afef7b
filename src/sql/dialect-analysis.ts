/**
 * The analysis of a model written in another dialect (see dialect.ts for the parse): the
 * lineage walker reads the DuckDB AST (of the user's text, or of its transpiled copy),
 * then the result is put back in the user's terms: table references with positions in
 * the original SQL, diagnostics without offsets into a copy the user never wrote, and
 * output columns named as the warehouse names them.
 */
import type { ExprNode, Statement } from "./ast.ts";
import { SQL_CODES } from "./codes.ts";
import { DIALECT_LABEL, relocateRefs } from "./dialect.ts";
import { Lexer } from "./lexer.ts";
import { analyzeModel } from "./lineage.ts";
import { nameAsSnowflake } from "./snowflake-names.ts";
import { expandKnownStructStars } from "./struct-star.ts";
import type { ColumnsOf, ModelAnalysis, ParsedSql, SqlDialect, TableRefSpan } from "./types.ts";

export function analyzeInDialect(
  sql: string,
  parsed: ParsedSql,
  columnsOf: ColumnsOf,
  dialect: SqlDialect | undefined,
): ModelAnalysis {
  if (dialect === undefined || dialect === "duckdb") return analyzeModel(sql, parsed, columnsOf);
  if (dialect === "bigquery") {
    const lookup = columnsOf;
    columnsOf = (table) =>
      lookup(table.some((p) => p.includes(".")) ? table.flatMap((p) => p.split(".")) : table);
  }
  if (parsed.ok) nameAsWarehouse(parsed.statements as Statement[], dialect);
  // The only structs whose fields a query shows are from_json's: no walk of the AST without one.
  if (parsed.ok && dialect === "databricks" && /from_json/i.test(sql))
    expandKnownStructStars(parsed.statements as Statement[]);
  // Only when the parsed text is the user's, or a lexical copy of it in the same order.
  if (parsed.ok && dialect === "snowflake" && (parsed.transpiled === undefined || parsed.spanInOriginal))
    nameAsSnowflake(parsed.statements as Statement[], sql);
  if (!parsed.ok || parsed.transpiled === undefined) {
    const analysis = structStars(analyzeModel(sql, parsed, columnsOf), dialect, columnsOf);
    return finish(analysis, sql, dialect);
  }
  const analysis = structStars(analyzeModel(parsed.transpiled, parsed, columnsOf), dialect, columnsOf);
  const { refs, missing } = mappedRefs(sql, dialect, analysis.tableRefs, parsed.spanInOriginal);
  const map = parsed.spanInOriginal;
  const diagnostics = analysis.diagnostics.map((d) => {
    // Offsets point into the parsed copy: mapped back when it is a lexical normalisation,
    // dropped after a transpile (no place in the user's file corresponds).
    const { offset, ...rest } = d;
    const at = offset === undefined || map === undefined ? undefined : map(offset, offset)?.start;
    return at === undefined ? rest : { ...rest, offset: at };
  });
  for (const ref of missing) {
    diagnostics.push({
      severity: "Warning",
      code: SQL_CODES.refNotFound,
      message: `cannot find ${ref.parts.join(".")} in the ${DIALECT_LABEL[dialect]} SQL text: it is not rewritten by run, branch or replay`,
    });
  }
  return finish({ ...analysis, tableRefs: refs, diagnostics }, sql, dialect);
}

/**
 * `s.*` naming no table is, in BigQuery and Databricks, a struct column's fields: say so,
 * naming the table the column comes from when a table read has a column of that name.
 */
function structStars(analysis: ModelAnalysis, dialect: SqlDialect, columnsOf: ColumnsOf): ModelAnalysis {
  if (dialect !== "bigquery" && dialect !== "databricks") return analysis;
  for (const d of analysis.diagnostics) {
    const m = /^cannot expand (.+)\.\*: no table in its FROM clause has that name$/.exec(d.message);
    const column = m?.[1]?.toLowerCase();
    const owner =
      column === undefined
        ? undefined
        : analysis.tableRefs.find((r) => columnsOf(r.parts)?.some((c) => c.toLowerCase() === column));
    if (m?.[1]?.includes("(")) {
      d.message = `cannot expand (${m[1]}).*: the fields of a struct computed by an expression are not known`;
      d.suggestion = "list the fields explicitly (… AS field, …)";
    } else if (m && owner) {
      d.message = `cannot expand ${m[1]}.*: ${m[1]} is a column of ${owner.parts.join(".")} whose struct fields are not known`;
      d.suggestion = `list the fields explicitly (${m[1]}.field AS field, …)`;
    } else if (m) {
      d.message = `cannot expand ${m[1]}.*: no table has that name, and if ${m[1]} is a struct column its fields are not known`;
      d.suggestion = `list the fields explicitly (${m[1]}.field AS field, …)`;
    }
  }
  return analysis;
}

/**
 * References in the user's text: through the normaliser's edit map when there is one
 * (checked against the text), else found again by a dialect-aware scan.
 */
function mappedRefs(
  sql: string,
  dialect: SqlDialect,
  found: readonly TableRefSpan[],
  map: ((start: number, end: number) => { start: number; end: number } | undefined) | undefined,
): { refs: TableRefSpan[]; missing: TableRefSpan[] } {
  if (map !== undefined) {
    const refs: TableRefSpan[] = [];
    for (const ref of found) {
      const span = map(ref.start, ref.end);
      if (span === undefined || !spansName(sql, span, ref.parts)) return relocateRefs(sql, dialect, found);
      refs.push({ parts: ref.parts, ...span });
    }
    return { refs, missing: [] };
  }
  return relocateRefs(sql, dialect, found);
}

/** Whether the text at `span` plausibly spells the dotted name (its last part ends it). */
function spansName(sql: string, span: { start: number; end: number }, parts: readonly string[]): boolean {
  const text = sql.slice(span.start, span.end).toLowerCase();
  const last = (parts[parts.length - 1] ?? "").toLowerCase();
  const first = (parts[0] ?? "").toLowerCase();
  return text.replace(/[`"]/g, "").endsWith(last) && text.replace(/^[`"]/, "").startsWith(first);
}

/**
 * Snowflake: table references in the stored form of their names (unquoted parts
 * upper-cased, quoted ones exact), read from the user's text at each reference, and the
 * sources' table names to match; output names folded as Snowflake folds them.
 */
function finish(analysis: ModelAnalysis, sql: string, dialect: SqlDialect): ModelAnalysis {
  analysis = duplicatesRejected(analysis, dialect);
  if (dialect === "databricks") return foldDatabricks(analysis);
  if (dialect === "bigquery") return splitDotted(analysis);
  if (dialect !== "snowflake") return analysis;
  const stored = new Map<string, string[]>();
  const tableRefs = analysis.tableRefs.map((ref) => {
    const parts = storedParts(sql.slice(ref.start, ref.end));
    if (parts === undefined || parts.length !== ref.parts.length) return ref;
    const key = ref.parts.join(".").toLowerCase();
    if (!stored.has(key)) stored.set(key, parts);
    return { ...ref, parts };
  });
  const storedTable = (table: string[]) => stored.get(table.join(".").toLowerCase()) ?? table;
  // A name quoted somewhere in the text is taken as quoted (DuckDB's AST drops the quotes).
  const fold = (name: string) => (sql.includes(`"${name}"`) ? name : name.toUpperCase());
  analysis = { ...analysis, tableRefs };
  if (analysis.indirect)
    analysis.indirect = analysis.indirect.map((r) => ({
      ...r,
      table: storedTable(r.table),
      column: fold(r.column),
    }));
  if (analysis.columns === undefined) return analysis;
  // Snowflake stores unquoted names upper-cased; a quoted name is kept exactly.
  const columns = analysis.columns.map((c) => {
    const folded = fold(c.name);
    const sources = c.sources.map((src) => {
      const table = storedTable(src.table);
      const column = fold(src.column);
      return table === src.table && column === src.column ? src : { ...src, table, column };
    });
    return { ...c, name: folded, sources };
  });
  return { ...analysis, columns };
}

/**
 * BigQuery: `` `a.b` `` is the name a.b, two parts; a part with dots (a name of more than
 * three parts, given to DuckDB with its leading parts in one) is split again.
 */
function splitDotted(analysis: ModelAnalysis): ModelAnalysis {
  const dotted = (parts: readonly string[]) => parts.some((p) => p.includes("."));
  const split = (parts: readonly string[]) => parts.flatMap((p) => p.split("."));
  const refsDotted = analysis.tableRefs.some((r) => dotted(r.parts));
  const columnsDotted = analysis.columns?.some((c) => c.sources.some((s) => dotted(s.table))) ?? false;
  const indirectDotted = analysis.indirect?.some((r) => dotted(r.table)) ?? false;
  if (!refsDotted && !columnsDotted && !indirectDotted) return analysis;
  const out = { ...analysis };
  if (indirectDotted && analysis.indirect)
    out.indirect = analysis.indirect.map((r) => (dotted(r.table) ? { ...r, table: split(r.table) } : r));
  if (refsDotted)
    out.tableRefs = analysis.tableRefs.map((r) => (dotted(r.parts) ? { ...r, parts: split(r.parts) } : r));
  if (columnsDotted && analysis.columns) {
    out.columns = analysis.columns.map((c) => ({
      ...c,
      sources: c.sources.map((s) => (dotted(s.table) ? { ...s, table: split(s.table) } : s)),
    }));
  }
  return out;
}

/**
 * Databricks (SPEC 14): identifiers are case-insensitive and stored lower-cased, quoted or
 * not: output names and source tables and columns folded; a file-path table part
 * (`` parquet.`/p/f.parquet` ``) keeps its path as written, backticks included.
 */
function foldDatabricks(analysis: ModelAnalysis): ModelAnalysis {
  if (analysis.columns === undefined) return analysis;
  const part = (p: string) => (p.includes("/") ? `\`${p}\`` : p.toLowerCase());
  const columns = analysis.columns.map((c) => ({
    ...c,
    name: c.name.toLowerCase(),
    sources: c.sources.map((src) => ({
      ...src,
      table: src.table.map(part),
      column: src.column.toLowerCase(),
    })),
  }));
  const indirect = analysis.indirect?.map((r) => ({
    ...r,
    table: r.table.map(part),
    column: r.column.toLowerCase(),
  }));
  return indirect ? { ...analysis, columns, indirect } : { ...analysis, columns };
}

/** `raw . "Events"` → `["RAW", "Events"]`: a dotted name as Snowflake stores it, or undefined. */
function storedParts(text: string): string[] | undefined {
  const parts: string[] = [];
  const lexer = new Lexer(text, "snowflake");
  for (;;) {
    if (!lexer.next() || !lexer.isName() || lexer.unterminated) return undefined;
    parts.push(lexer.kind === "quoted" ? lexer.name() : lexer.text().toUpperCase());
    if (!lexer.next()) return parts;
    if (!lexer.is(".")) return undefined;
  }
}

/**
 * Sets `rocky_default_name` on unaliased select-list expressions as the dialect names
 * them: BigQuery `f0_`, `f1_`, … (counted over the anonymous columns of one SELECT);
 * Databricks/Spark names a cast of a column after the column, a string literal by its value.
 */
function nameAsWarehouse(statements: Statement[], dialect: SqlDialect): void {
  if (dialect !== "bigquery" && dialect !== "databricks") return;
  const nameList = (list: ExprNode[]) => {
    let anonymous = 0;
    for (const item of list) {
      if (item.alias || item.class === "COLUMN_REF" || item.class === "STAR") continue;
      if (dialect === "bigquery") {
        item.rocky_default_name = `f${anonymous++}_`;
      } else if (
        item.class === "CONSTANT" &&
        item.value?.type?.id === "VARCHAR" &&
        typeof item.value.value === "string"
      ) {
        item.rocky_default_name = item.value.value; // Spark names a string literal by its value
      } else if (item.class === "CAST" && item.child?.class === "COLUMN_REF") {
        const parts = item.child.column_names ?? [];
        const last = parts[parts.length - 1];
        if (last) item.rocky_default_name = last;
      }
    }
  };
  // Every node, when subquery expressions may hold select lists; else only query structure
  // (select lists, FROM items, CTEs, set operation branches): most models, far fewer nodes.
  const everywhere = statements.some((s) => s.rocky_has_subquery !== false);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const list = record.select_list;
    if (Array.isArray(list)) nameList(list as ExprNode[]);
    if (!everywhere && typeof record.class === "string") return; // an expression: no query inside
    for (const key in record) {
      if (!everywhere && key === "select_list") continue;
      const child = record[key];
      if (child !== null && typeof child === "object") visit(child);
    }
  };
  visit(statements);
}

/**
 * DuckDB renames a repeated output name (a_1); Snowflake, BigQuery and Databricks refuse
 * to create a table or view with two columns of one name, so the run would fail: an error.
 */
function duplicatesRejected(analysis: ModelAnalysis, dialect: SqlDialect): ModelAnalysis {
  const diagnostics = analysis.diagnostics.map((d) => {
    if (d.code !== SQL_CODES.duplicateName) return d;
    const name = /^output column "([^"]+)"/.exec(d.message)?.[1] ?? "a column";
    return {
      ...d,
      severity: "Error" as const,
      code: SQL_CODES.duplicateNameRejected,
      message: `output column "${name}" appears more than once; ${DIALECT_LABEL[dialect]} does not create a table with two columns of one name`,
    };
  });
  return { ...analysis, diagnostics };
}
