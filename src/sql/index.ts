/** SQL analysis: parse models with DuckDB's parser, then per-model column lineage. */
export { analyzeModel, SQL_CODES } from "./lineage.ts";
export { createSqlParser } from "./parse.ts";
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
