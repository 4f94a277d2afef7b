/** Indirect reads (SPEC §15): the columns of WHERE, JOIN, GROUP BY, HAVING, QUALIFY, DISTINCT ON, ORDER BY + LIMIT and window PARTITION BY / ORDER BY. */

import type { ExprNode, Statement } from "./ast.ts";
import { takesLambda } from "./functions.ts";
import { bindingColumn, bindingHas, type IndirectSet, type Scope, ValueAccumulator } from "./scope.ts";
import type { IndirectVia } from "./types.ts";
import { type Walk, newScope, type SelectItem } from "./lineage-context.ts";
import { quiet } from "./lineage-expr.ts";
import { query } from "./lineage-query.ts";
import { resolve } from "./lineage-resolve.ts";

/**
 * A non-value clause: each column it reads is an indirect read, resolved like a value
 * source, added to `sink` (the scope's rows, or one value's reads for a window); its
 * subqueries are walked as queries (their tables, their findings, and their own
 * indirect reads, which decide the clause's outcome too).
 * `items` lets `GROUP BY 1` / `ORDER BY 1` name the select item they mean.
 */
export function indirect(
  w: Walk,
  value: unknown,
  scope: Scope,
  via: IndirectVia,
  sink: IndirectSet,
  items?: SelectItem[],
): void {
  if (value === null || value === undefined) return;
  const acc = new ValueAccumulator();
  collectReads(w, value, scope, acc, items);
  recordReads(w, acc, via, sink);
}

/** The columns a clause read become reads `via` it; what decided those columns' values, too. */
export function recordReads(w: Walk, acc: ValueAccumulator, via: IndirectVia, sink: IndirectSet): void {
  const value = acc.value();
  for (const source of value.sources) sink.add(w.read(source, via));
  sink.addAll(value.indirect);
}

export function collectReads(
  w: Walk,
  value: unknown,
  scope: Scope,
  acc: ValueAccumulator,
  items?: SelectItem[],
): void {
  if (Array.isArray(value)) {
    for (const item of value) collectReads(w, item, scope, acc, items);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  switch (record.class) {
    case "COLUMN_REF":
      w.silent++;
      try {
        acc.add(resolve(w, record as ExprNode, scope));
      } finally {
        w.silent--;
      }
      return;
    case "CONSTANT": {
      // `GROUP BY 2`: the second select item.
      const n = (record as ExprNode).value?.value;
      const item = items && typeof n === "number" && Number.isInteger(n) ? items[n - 1] : undefined;
      if (item?.kind === "column") acc.add(item.column);
      return;
    }
    case "SUBQUERY": {
      const subquery = record.subquery as Statement | undefined;
      const relation = subquery ? query(w, subquery.node, scope.env, scope) : undefined;
      // `x IN (SELECT id …)`: id decides which rows pass; EXISTS reads no column's value.
      const kind = record.subquery_type ?? "SCALAR";
      collectReads(w, record.child, scope, acc);
      const first = relation?.columns?.[0];
      if (first && kind !== "EXISTS" && kind !== "NOT_EXISTS") acc.add(first);
      // Which rows the subquery has decides the clause too (`EXISTS (… WHERE y)`).
      if (relation?.rows) acc.indirectReads().addAll(relation.rows);
      return;
    }
    case "FUNCTION": {
      if (takesLambda(String(record.function_name ?? "").toLowerCase())) {
        for (const child of (record.children as ExprNode[] | undefined) ?? []) {
          if (child.class !== "LAMBDA") {
            collectReads(w, child, scope, acc);
            continue;
          }
          // Lambda parameters are not columns.
          const lambdaScope = newScope(scope.env, scope);
          const params = new Set<string>();
          const lhs = child.lhs;
          for (const param of lhs?.class === "COLUMN_REF" ? [lhs] : (lhs?.children ?? [])) {
            const paramName = param.column_names?.[0];
            if (paramName) params.add(paramName.toLowerCase());
          }
          lambdaScope.bindings.push({ kind: "lambda", params });
          collectReads(w, child.expr, lambdaScope, acc);
        }
        for (const key in record) if (key !== "children") collectReads(w, record[key], scope, acc);
        return;
      }
      break;
    }
  }
  for (const key in record) collectReads(w, record[key], scope, acc, items);
}

/** ORDER BY decides which rows a LIMIT keeps; DISTINCT ON, which row of each group. */
export function modifiers(w: Walk, value: unknown, scope: Scope, items: SelectItem[]): void {
  const modifiers = Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
  const limited = modifiers.some((m) => m.type === "LIMIT_MODIFIER" || m.type === "LIMIT_PERCENT_MODIFIER");
  for (const modifier of modifiers) {
    if (modifier.type === "ORDER_MODIFIER" && limited)
      indirect(w, modifier, scope, "order_limit", scope.rows, items);
    else if (modifier.type === "DISTINCT_MODIFIER")
      indirect(w, modifier, scope, "distinct", scope.rows, items);
    else quiet(w, modifier, scope);
  }
}

/** `JOIN … USING (k)`: k of every side that has it decides which rows pair up. */
export function usingRead(w: Walk, name: string, scope: Scope): void {
  const known = scope.bindings.filter((b) => b.kind !== "lambda" && bindingHas(b, name) === true);
  // Sides whose columns are unknown count only when the known ones cannot be both sides.
  const sides =
    known.length >= 2
      ? known
      : scope.bindings.filter((b) => b.kind !== "lambda" && bindingHas(b, name) !== false);
  const acc = new ValueAccumulator();
  for (const binding of sides) {
    const value = bindingColumn(binding, name);
    if (value) acc.add(value);
  }
  recordReads(w, acc, "join", scope.rows);
}
