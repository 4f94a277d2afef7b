/** Expression walking: the value sources of an expression (CASE conditions, FILTER, lambdas, subqueries). */

import type { ExprNode, QueryNode, Statement, TableNode } from "./ast.ts";
import { displayFunctionName, isAggregate, isOrderedSetAggregate, takesLambda } from "./functions.ts";
import { bindingStar, type Scope, type ValueAccumulator } from "./scope.ts";
import { type Walk, isExpr, newScope } from "./lineage-context.ts";
import { from } from "./lineage-from.ts";
import { indirect } from "./lineage-indirect.ts";
import { query } from "./lineage-query.ts";
import { resolve } from "./lineage-resolve.ts";
import { expandStar, starItem } from "./lineage-star.ts";
import { CAST, DIRECT, EXPRESSION, aggregation, windowOf } from "./transform.ts";

export function expr(w: Walk, node: ExprNode, scope: Scope, acc: ValueAccumulator): void {
  switch (node.class) {
    case "COLUMN_REF":
      acc.add(resolve(w, node, scope));
      return;
    case "CONSTANT":
      acc.bump(EXPRESSION);
      return;
    case "CAST":
      acc.bump(CAST);
      if (node.child) expr(w, node.child, scope, acc);
      return;
    case "FUNCTION": {
      const fn = (node.function_name ?? "").toLowerCase();
      acc.bump(!node.is_operator && isAggregate(fn) ? aggregation(displayFunctionName(fn)) : EXPRESSION);
      const lambdas = takesLambda(fn);
      for (const child of node.children ?? []) {
        if (lambdas && child.class === "LAMBDA") lambda(w, child, scope, acc);
        else expr(w, child, scope, acc);
      }
      // `FILTER (WHERE c)` is a CASE in disguise: c decides the value, so it is a source.
      if (isExpr(node.filter)) expr(w, node.filter, scope, acc);
      // An ordered-set aggregate's argument sits in its ORDER BY (`percentile_cont(p)
      // WITHIN GROUP (ORDER BY x)`); an ordinary aggregate's ORDER BY only orders.
      if (isOrderedSetAggregate(fn)) walkChildren(w, node.order_bys, scope, acc);
      else quiet(w, node.order_bys, scope);
      return;
    }
    case "WINDOW": {
      acc.bump(windowOf(displayFunctionName(node.function_name ?? "")));
      for (const child of node.children ?? []) expr(w, child, scope, acc);
      if (isExpr(node.default_expr)) expr(w, node.default_expr, scope, acc);
      indirect(w, node.partitions, scope, "window_partition", acc.indirectReads());
      indirect(w, node.orders, scope, "window_order", acc.indirectReads());
      for (const key of ["filter_expr", "start_expr", "end_expr", "offset_expr"]) {
        quiet(w, node[key], scope);
      }
      return;
    }
    case "SUBQUERY":
      subqueryExpr(w, node, scope, acc);
      return;
    case "POSITIONAL_REFERENCE": {
      // `#2`: the second column of the FROM clause, as `*` would list it.
      const columns = scope.bindings.flatMap((b) => bindingStar(b) ?? []);
      const column = columns[Number(node.index) - 1];
      if (column) acc.add(column);
      else acc.bump(EXPRESSION);
      return;
    }
    case "LAMBDA":
      // Outside a lambda-taking function, `j -> '$.a'` is JSON access to j (DuckDB
      // parses both the same way).
      acc.bump(EXPRESSION);
      if (node.lhs) expr(w, node.lhs, scope, acc);
      if (node.expr) expr(w, node.expr, scope, acc);
      return;
    case "STAR": {
      // A star inside an expression (`struct_pack(*)`, `COLUMNS(*)` in a function).
      acc.bump(EXPRESSION);
      if (node.columns) acc.expandsColumns = true;
      const columns = expandStar(starItem(w, node, scope), []);
      for (const column of columns ?? []) acc.add({ sources: column.sources, transform: DIRECT });
      return;
    }
    default:
      acc.bump(EXPRESSION);
      walkChildren(w, node, scope, acc);
  }
}

/** `x -> x + 1` as an argument of a lambda-taking function: x is a parameter, not a column. */
export function lambda(w: Walk, node: ExprNode, scope: Scope, acc: ValueAccumulator): void {
  acc.bump(EXPRESSION);
  const params = new Set<string>();
  const lhs = node.lhs;
  const paramNodes = lhs?.class === "COLUMN_REF" ? [lhs] : (lhs?.children ?? []);
  for (const param of paramNodes) {
    const paramName = param.column_names?.[0];
    if (paramName) params.add(paramName.toLowerCase());
  }
  const lambdaScope = newScope(scope.env, scope);
  lambdaScope.bindings.push({ kind: "lambda", params });
  if (node.expr) expr(w, node.expr, lambdaScope, acc);
}

/** Every nested expression is a value source (CASE conditions, COALESCE arguments, …). */
export function walkChildren(w: Walk, value: unknown, scope: Scope, acc: ValueAccumulator): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isExpr(item)) expr(w, item, scope, acc);
      else walkChildren(w, item, scope, acc);
    }
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const child = record[key];
    if (child === null || typeof child !== "object") continue;
    if (isExpr(child)) expr(w, child, scope, acc);
    else walkChildren(w, child, scope, acc);
  }
}

export function subqueryExpr(w: Walk, node: ExprNode, scope: Scope, acc: ValueAccumulator): void {
  const relation = node.subquery ? query(w, node.subquery.node, scope.env, scope) : undefined;
  const kind = node.subquery_type ?? "SCALAR";
  if (node.child) {
    acc.bump(EXPRESSION);
    expr(w, node.child, scope, acc);
  }
  // Which rows the subquery has decides this value, and only this one.
  if (relation?.rows) acc.indirectReads().addAll(relation.rows);
  if (kind === "EXISTS" || kind === "NOT_EXISTS") {
    // The value says whether rows exist: no column of the subquery flows into it.
    acc.bump(EXPRESSION);
    return;
  }
  if (kind !== "SCALAR") acc.bump(EXPRESSION);
  const first = relation?.columns?.[0];
  if (first) acc.add(first);
}

/**
 * For node types the walker does not model: find the queries, FROM items and
 * subqueries inside, so the tables they read are still table refs.
 */
export function discoverTables(w: Walk, value: unknown, scope: Scope): void {
  if (Array.isArray(value)) {
    for (const item of value) discoverTables(w, item, scope);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (type === "SELECT_NODE" || type === "SET_OPERATION_NODE" || type === "RECURSIVE_CTE_NODE") {
    query(w, record as unknown as QueryNode, scope.env, scope);
  } else if (record.class === "SUBQUERY") {
    quiet(w, record, scope);
  } else if (
    type === "BASE_TABLE" ||
    type === "JOIN" ||
    (type === "SUBQUERY" && record.class === undefined)
  ) {
    from(w, record as unknown as TableNode, newScope(scope.env, scope));
  } else {
    for (const key in record) discoverTables(w, record[key], scope);
  }
}

/** Walks a non-value clause only for the subqueries in it (their tables, their findings). */
export function quiet(w: Walk, value: unknown, scope: Scope): void {
  if (!w.mayHaveSubqueries) return;
  if (Array.isArray(value)) {
    for (const item of value) quiet(w, item, scope);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  if (record.class === "SUBQUERY") {
    const subquery = record.subquery as Statement | undefined;
    if (subquery) query(w, subquery.node, scope.env, scope);
    quiet(w, record.child, scope);
    return;
  }
  for (const key in record) quiet(w, record[key], scope);
}
