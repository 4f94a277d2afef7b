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
import { analyzeModel } from "./lineage.ts";
import type { ColumnsOf, ModelAnalysis, ParsedSql, SqlDialect } from "./types.ts";

export function analyzeInDialect(
  sql: string,
  parsed: ParsedSql,
  columnsOf: ColumnsOf,
  dialect: SqlDialect | undefined,
): ModelAnalysis {
  if (dialect === undefined || dialect === "duckdb") return analyzeModel(sql, parsed, columnsOf);
  if (parsed.ok) nameAsWarehouse(parsed.statements as Statement[], dialect);
  if (!parsed.ok || parsed.transpiled === undefined) {
    const analysis = analyzeModel(sql, parsed, columnsOf);
    return finish(analysis, sql, dialect);
  }
  const analysis = analyzeModel(parsed.transpiled, parsed, columnsOf);
  const { refs, missing } = relocateRefs(sql, dialect, analysis.tableRefs);
  const diagnostics = analysis.diagnostics.map((d) => {
    // Offsets point into the transpiled copy: not a place in the user's file.
    const { offset: _offset, ...rest } = d;
    return rest;
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

/** Output names folded as the warehouse folds them. */
function finish(analysis: ModelAnalysis, sql: string, dialect: SqlDialect): ModelAnalysis {
  if (dialect !== "snowflake" || analysis.columns === undefined) return analysis;
  // Snowflake stores unquoted names upper-cased; a quoted name is kept exactly.
  const columns = analysis.columns.map((c) => {
    const folded = sql.includes(`"${c.name}"`) ? c.name : c.name.toUpperCase();
    return folded === c.name ? c : { ...c, name: folded };
  });
  return { ...analysis, columns };
}

/**
 * Sets `rocky_default_name` on unaliased select-list expressions as the dialect names
 * them: BigQuery `f0_`, `f1_`, … (counted over the anonymous columns of one SELECT);
 * Databricks/Spark names a cast of a column after the column.
 */
function nameAsWarehouse(statements: Statement[], dialect: SqlDialect): void {
  if (dialect !== "bigquery" && dialect !== "databricks") return;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const list = record.select_list;
    if (Array.isArray(list)) {
      let anonymous = 0;
      for (const item of list as ExprNode[]) {
        if (item.alias || item.class === "COLUMN_REF" || item.class === "STAR") continue;
        if (dialect === "bigquery") {
          item.rocky_default_name = `f${anonymous++}_`;
        } else if (item.class === "CAST" && item.child?.class === "COLUMN_REF") {
          const parts = item.child.column_names ?? [];
          const last = parts[parts.length - 1];
          if (last) item.rocky_default_name = last;
        }
      }
    }
    for (const key in record) {
      const child = record[key];
      if (child !== null && typeof child === "object") visit(child);
    }
  };
  visit(statements);
}
