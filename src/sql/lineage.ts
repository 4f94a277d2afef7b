/**
 * Column lineage of one model: a scope walk over DuckDB's JSON AST (as sqlglot's scope
 * lineage does) that yields every output column with all its sources at once, traced
 * through CTEs, FROM-subqueries and set operations down to the tables the model reads.
 *
 * Value lineage: a column is a source when the output's value is computed from it
 * (CASE conditions, an aggregate's FILTER condition and an ordered-set aggregate's
 * ORDER BY included). Columns used only to filter, join, group or order rows (WHERE,
 * JOIN ON, GROUP BY, HAVING, QUALIFY, window PARTITION BY / ORDER BY) are not; they are
 * collected as indirect reads (SPEC §15), resolved through CTEs and subqueries the same way.
 * A read that decides a relation's rows travels with the relation (`Relation.rows`) and
 * affects every output column; one that decides a value (a window, a scalar subquery's
 * WHERE) travels with the value (`ColumnValue.indirect`) and affects only its column.
 *
 * The walk is split by step, all sharing one `Walk` context: lineage-query (CTEs, set
 * operations, SELECT), lineage-from (FROM items; lineage-pivot for PIVOT / UNPIVOT),
 * lineage-star (`*` expansion), lineage-expr (value sources), lineage-indirect (non-value
 * clauses), lineage-resolve (column references) and lineage-output (output names, the
 * result).
 */

import { SQL_CODES } from "./codes.ts";
import { Walk } from "./lineage-context.ts";
import { result } from "./lineage-output.ts";
import { query } from "./lineage-query.ts";
import { CteEnv } from "./scope.ts";
import { scanTableRefs } from "./textscan.ts";
import type { Statement } from "./ast.ts";
import type { ColumnsOf, ModelAnalysis, ParsedSql, SqlDiagnostic } from "./types.ts";

export { SQL_CODES } from "./codes.ts";
export { warehouseNames } from "./lineage-output.ts";

export function analyzeModel(sql: string, parsed: ParsedSql, columnsOf: ColumnsOf): ModelAnalysis {
  if (!parsed.ok && parsed.unsupported) {
    return {
      tableRefs: scanTableRefs(sql),
      columns: undefined,
      diagnostics: [
        {
          severity: "Warning",
          code: SQL_CODES.unsupportedStatement,
          message: `column lineage unavailable: DuckDB cannot serialise this statement (${parsed.error.replace(/!$/, "")}); its table references come from a scan of the text`,
          suggestion: "write the PIVOT as SELECT … FROM t PIVOT (…) or with explicit aggregates",
        },
      ],
    };
  }
  if (!parsed.ok) {
    const diagnostic: SqlDiagnostic = {
      severity: "Error",
      code: SQL_CODES.parseError,
      message: `SQL parse error: ${parsed.error}`,
    };
    if (parsed.offset !== undefined) diagnostic.offset = parsed.offset;
    return { tableRefs: [], columns: undefined, diagnostics: [diagnostic] };
  }
  const statements = parsed.statements as Statement[];
  const first = statements[0];
  if (first === undefined) {
    return {
      tableRefs: [],
      columns: undefined,
      diagnostics: [{ severity: "Error", code: SQL_CODES.empty, message: "the model has no SQL statement" }],
    };
  }
  const w = new Walk(
    sql,
    columnsOf,
    statements.some((st) => st.rocky_has_subquery !== false),
    parsed.transpiled === undefined,
  );
  try {
    if (statements.length > 1) {
      w.diagnose("Error", SQL_CODES.severalStatements, "a model must be one SELECT statement; found several");
      for (const statement of statements) query(w, statement.node, new CteEnv(), undefined);
      return result(w, undefined);
    }
    const relation = query(w, first.node, new CteEnv(), undefined);
    return result(w, relation);
  } catch (error) {
    // An AST shape this walker does not expect must cost one model, not the compile.
    w.diagnose("Error", SQL_CODES.internal, `internal error while analysing the SQL: ${String(error)}`);
    return result(w, undefined);
  }
}
