/**
 * The parts of DuckDB's `json_serialize_sql` AST that the analysis reads. The JSON is
 * produced with `skip_null`/`skip_empty`, so every field may be absent. Only the fields
 * we use are typed; unknown node types are walked generically (see lineage.ts).
 */

/** An expression node (`class` is present on every expression, never on other objects). */
export interface ExprNode {
  class: string;
  type: string;
  alias?: string;
  query_location?: number;
  /** COLUMN_REF: the dotted name parts, unquoted. */
  column_names?: string[];
  /** FUNCTION / WINDOW */
  function_name?: string;
  schema?: string;
  catalog?: string;
  is_operator?: boolean;
  children?: ExprNode[];
  /** CAST / SUBQUERY(IN) / COLLATE / STAR(COLUMNS(expr)) */
  child?: ExprNode;
  /** SUBQUERY */
  subquery?: Statement;
  subquery_type?: string;
  /** STAR */
  relation_name?: string;
  exclude_list?: Array<string | { name?: string; qualified_name?: unknown }>;
  replace_list?: Array<{ key: string; value: ExprNode }>;
  rename_list?: unknown;
  columns?: boolean;
  expr?: ExprNode;
  /** LAMBDA */
  lhs?: ExprNode;
  /** CONSTANT */
  value?: { type?: { id?: string }; is_null?: boolean; value?: unknown };
  /**
   * Set by the parser after parsing: DuckDB's own name for an unaliased select-list
   * expression (its `ToString()`), e.g. `(a + 1)`, `count_star()`.
   */
  rocky_default_name?: string;
  [key: string]: unknown;
}

export interface CteEntry {
  key: string;
  value: { query: Statement; aliases?: string[] };
}

/** A query node: SELECT_NODE, SET_OPERATION_NODE, RECURSIVE_CTE_NODE, CTE_NODE. */
export interface QueryNode {
  type: string;
  cte_map?: { map?: CteEntry[] };
  modifiers?: Array<{ type: string; [key: string]: unknown }>;
  select_list?: ExprNode[];
  from_table?: TableNode;
  where_clause?: ExprNode;
  groups?: { group_expressions?: ExprNode[]; [key: string]: unknown };
  /** GROUP BY as DuckDB serialises it. */
  group_expressions?: ExprNode[];
  having?: ExprNode;
  qualify?: ExprNode;
  sample?: unknown;
  /** SET_OPERATION_NODE / RECURSIVE_CTE_NODE */
  setop_type?: string;
  setop_all?: boolean;
  left?: QueryNode;
  right?: QueryNode;
  /** newer DuckDB set operations may carry `children` instead of left/right */
  children?: QueryNode[];
  cte_name?: string;
  query_location?: number;
  aliases?: string[];
  [key: string]: unknown;
}

export interface Statement {
  node: QueryNode;
  /** Set by the parser: false when no subquery expression occurs anywhere in the model. */
  rocky_has_subquery?: boolean;
}

/** A FROM item: BASE_TABLE, JOIN, SUBQUERY, TABLE_FUNCTION, EXPRESSION_LIST, EMPTY, PIVOT, … */
export interface TableNode {
  type: string;
  alias?: string;
  query_location?: number;
  column_name_alias?: string[];
  /** BASE_TABLE */
  catalog_name?: string;
  schema_name?: string;
  table_name?: string;
  /** JOIN */
  left?: TableNode;
  right?: TableNode;
  condition?: ExprNode;
  join_type?: string;
  ref_type?: string;
  using_columns?: string[];
  /** SUBQUERY */
  subquery?: Statement;
  /** TABLE_FUNCTION */
  function?: ExprNode;
  /** EXPRESSION_LIST (VALUES) */
  values?: ExprNode[][];
  /** PIVOT */
  source?: TableNode;
  [key: string]: unknown;
}
