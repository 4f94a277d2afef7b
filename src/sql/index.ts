/**
 * SQL analysis of models.
 *
 *   const parser = await createSqlParser();          // loads DuckDB (lazily imported)
 *   const parsed = await parser.parseMany(sqls);     // one batch, every model at once
 *   for (const i of topologicalOrder)                // upstream first, so columnsOf knows them
 *     analyzeModel(sqls[i], parsed[i], columnsOf);   // columns + sources + table refs + diagnostics
 *   parser.close();
 *
 * Semantics (value lineage): a source is a column the output's value is computed from,
 * through expressions, CTEs, FROM-subqueries and every branch of set operations.
 * Columns only filtering, joining, grouping or ordering rows are not sources; CASE
 * conditions are. The transform is the strongest operation on the way:
 * direct < cast < expression < aggregation (of f) < window (of f); `renderTransform`
 * gives Rocky's string (`aggregation: sum`).
 * Diagnostic codes: see codes.ts.
 */
export { SQL_CODES } from "./codes.ts";
export { analyzeModel } from "./lineage.ts";
export { createSqlParser } from "./parse.ts";
export { renderTransform } from "./transform.ts";
export type {
  ColumnSource,
  ColumnsOf,
  ModelAnalysis,
  OutputColumn,
  ParsedSql,
  SqlDiagnostic,
  SqlParser,
  TableRefSpan,
  Transform,
} from "./types.ts";
