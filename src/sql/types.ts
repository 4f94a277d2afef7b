/**
 * Contract between the SQL analysis (src/sql) and the compile pipeline (src/compile,
 * src/graph/semantic.ts). One parse per model, then one walk that yields every
 * output column with its sources.
 */

/** The SQL dialect a model is written in (SPEC §14). */
export type SqlDialect = "duckdb" | "snowflake" | "bigquery" | "databricks";

/** A table reference as written in a model's SQL, with its place in the text (for rewriting). */
export interface TableRefSpan {
  /** Unquoted name parts: `["raw", "orders"]`, `["stg_orders"]`. */
  parts: string[];
  /** Character offsets of the whole dotted name in the model's SQL: `sql.slice(start, end)`. */
  start: number;
  end: number;
}

/**
 * The strongest operation from a column's sources to its value; `fn` is the function as
 * Rocky shows it (lower case: `sum`, `row_number`). Rendered for outputs by `renderTransform` (transform.ts).
 */
export type Transform =
  | { readonly kind: "direct" }
  | { readonly kind: "cast" }
  | { readonly kind: "expression" }
  | { readonly kind: "aggregation"; readonly fn: string }
  | { readonly kind: "window"; readonly fn: string };

/** One column a value is computed from: a table (model or external source) and a column of it. */
export interface ColumnSource {
  /** The table as referenced (aliases resolved), unquoted parts joined later by the caller. */
  table: string[];
  column: string;
}

/** The clause through which a column decides which rows a model has, or how they are grouped or ordered (SPEC §15). */
export type IndirectVia =
  | "where"
  | "join"
  | "group_by"
  | "having"
  | "qualify"
  | "window_partition"
  | "window_order"
  | "order_limit"
  | "distinct";

/** A column read by a non-value clause, resolved (through CTEs and subqueries) to the tables read. */
export interface IndirectSource extends ColumnSource {
  via: IndirectVia;
  /**
   * The model's output columns (names as in `ModelAnalysis.columns`, in that order) this
   * read affects: all of them for a clause that decides the model's rows (also inside a
   * CTE or subquery the rows come from); only the columns computed from it for a window
   * or a scalar subquery's clause. Empty when the output columns are unknown: consumers
   * treat `[]` as "every column".
   */
  outputs: string[];
}

export interface OutputColumn {
  name: string;
  /** Distinct, ordered sources of the value. Empty for literals and COUNT(*). */
  sources: ColumnSource[];
  transform: Transform;
}

export interface SqlDiagnostic {
  severity: "Error" | "Warning" | "Info";
  code: string;
  message: string;
  /** Offset in the model's SQL, when known. */
  offset?: number;
  suggestion?: string;
}

/** Columns of an upstream table, for `*` expansion; undefined when unknown. */
export type ColumnsOf = (table: string[]) => string[] | undefined;

export interface ModelAnalysis {
  /** Every table the query reads (CTE names excluded), in order of appearance. */
  tableRefs: TableRefSpan[];
  /**
   * Output columns in order. `undefined` when the model could not be analysed
   * (parse error, or a `*` over a table whose columns are unknown): then
   * `diagnostics` says why and lineage shows the model as unavailable.
   */
  columns: OutputColumn[] | undefined;
  diagnostics: SqlDiagnostic[];
  /**
   * Indirect reads that reach the model's output, each (table, column, via) once with the
   * union of the outputs it affects, in order of appearance. Reads in a CTE nobody uses
   * are left out (they decide nothing).
   */
  indirect?: IndirectSource[];
}

/**
 * One model's SQL after parsing (src/sql/parse.ts). `statements` is DuckDB's JSON AST
 * (opaque to callers; analyzeModel reads it). `offset` is a character index in the SQL.
 */
export type ParsedSql =
  | {
      ok: true;
      statements: unknown[];
      /**
       * Set when the model was written in another dialect and transpiled to DuckDB SQL to
       * be parsed: the DuckDB text the AST's locations refer to (src/sql/dialect.ts).
       */
      transpiled?: string;
      /**
       * When `transpiled` is a lexical normalisation of the user's text: the span in the
       * user's text of a span in `transpiled` (undefined if it cannot be mapped).
       */
      spanInOriginal?: (start: number, end: number) => { start: number; end: number } | undefined;
    }
  | {
      ok: false;
      error: string;
      offset?: number;
      /** Valid DuckDB SQL that DuckDB cannot serialise (a PIVOT statement): not a user error. */
      unsupported?: boolean;
    };

/** A DuckDB parser kept open for a compile: parse many models per call (one query). */
export interface SqlParser {
  parseMany(sqls: readonly string[]): Promise<ParsedSql[]>;
  close(): void;
}
