/** Queries and their scopes: CTEs (recursive ones to a fixpoint), set operations, and SELECT. */

import { EXPRESSION } from "./transform.ts";
import type { CteEntry, ExprNode, QueryNode } from "./ast.ts";
import { SQL_CODES } from "./codes.ts";
import { isAggregate } from "./functions.ts";
import {
  type ColumnValue,
  CteEnv,
  IndirectSet,
  type IndirectRead,
  type CteState,
  closedRelation,
  mergeValues,
  type NamedColumn,
  type Relation,
  renameColumns,
  type Scope,
  ValueAccumulator,
} from "./scope.ts";
import {
  type Walk,
  named,
  newScope,
  sourceCount,
  type SelectItem,
  type StarItem,
} from "./lineage-context.ts";
import { discoverTables, expr } from "./lineage-expr.ts";
import { from } from "./lineage-from.ts";
import { indirect, modifiers } from "./lineage-indirect.ts";
import { outputName } from "./lineage-output.ts";
import { relationOf, starItem } from "./lineage-star.ts";

export function query(w: Walk, node: QueryNode, outerEnv: CteEnv, outer: Scope | undefined): Relation {
  const { env, declared } = declareCtes(node, outerEnv);
  let relation: Relation;
  switch (node.type) {
    case "SELECT_NODE":
      relation = select(w, node, env, outer);
      break;
    case "SET_OPERATION_NODE":
      relation = setOperation(w, node, env, outer);
      break;
    case "RECURSIVE_CTE_NODE":
      relation = recursiveCte(w, node, env, outer);
      break;
    default:
      relation = unknownQuery(w, node, env, outer);
  }
  // CTEs nobody selects from still read tables (and the run engine rewrites those).
  for (const state of declared) cteRelation(w, state);
  return relation;
}

/**
 * One scope level per CTE: a CTE sees the CTEs before it (and itself, which only a
 * recursive CTE uses), so `WITH a AS (SELECT * FROM b), b AS (…)` reads the table b.
 */
export function declareCtes(node: QueryNode, outerEnv: CteEnv): { env: CteEnv; declared: CteState[] } {
  const entries: CteEntry[] | undefined = node.cte_map?.map;
  let env = outerEnv;
  const declared: CteState[] = [];
  for (const entry of entries ?? []) {
    env = new CteEnv(env);
    const state: CteState = { name: entry.key, statement: entry.value.query, env, inProgress: false };
    if (entry.value.aliases) state.aliases = entry.value.aliases;
    env.ctes.set(entry.key.toLowerCase(), state);
    declared.push(state);
  }
  return { env, declared };
}

export function cteRelation(w: Walk, state: CteState): Relation {
  if (state.relation) return state.relation;
  state.inProgress = true;
  const relation = renameColumns(query(w, state.statement.node, state.env, undefined), state.aliases);
  state.inProgress = false;
  state.relation = relation;
  return relation;
}

/** `WITH RECURSIVE r AS (anchor UNION step)`: the step reads r, so iterate to a fixpoint. */
export function recursiveCte(w: Walk, node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
  const state = node.cte_name === undefined ? undefined : env.find(node.cte_name);
  const anchor = node.left ? query(w, node.left, env, outer) : closedRelation([]);
  if (!node.right) return anchor;
  let current = renameColumns(anchor, state?.aliases);
  for (let round = 0; round < 4; round++) {
    if (state) state.provisional = current;
    const step = query(w, node.right, env, outer);
    const next = renameColumns(combine(w, anchor, step, false, node.query_location), state?.aliases);
    const stable = sourceCount(next) === sourceCount(current);
    current = next;
    if (stable) break;
  }
  if (state) state.provisional = undefined;
  return current;
}

export function setOperation(w: Walk, node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
  const branches = node.children ?? [node.left, node.right].filter((b): b is QueryNode => b !== undefined);
  const byName = node.setop_type === "UNION_BY_NAME";
  let relation: Relation | undefined;
  for (const branch of branches) {
    const next = query(w, branch, env, outer);
    relation = relation === undefined ? next : combine(w, relation, next, byName, node.query_location);
  }
  return relation ?? closedRelation([]);
}

/** UNION / INTERSECT / EXCEPT: positional (names from the first branch) or by name. */
export function combine(
  w: Walk,
  left: Relation,
  right: Relation,
  byName: boolean,
  location?: number,
): Relation {
  // Every branch's rows are rows of the result: what decides them decides every column.
  const rows = unionRows(left.rows, right.rows);
  if (left.columns && right.columns) {
    if (byName) {
      const merged = new Map<string, NamedColumn>();
      for (const column of [...left.columns, ...right.columns]) {
        const key = column.name.toLowerCase();
        const before = merged.get(key);
        merged.set(key, before ? named(before.name, mergeValues([before, column])) : column);
      }
      return closedRelation([...merged.values()], rows);
    }
    if (left.columns.length !== right.columns.length) {
      w.diagnose(
        "Warning",
        SQL_CODES.setOpWidth,
        `set operation branches have ${left.columns.length} and ${right.columns.length} columns`,
        location,
      );
    }
    const rightColumns = right.columns;
    return closedRelation(
      left.columns.map((column, i) => {
        const other = rightColumns[i];
        return other ? named(column.name, mergeValues([column, other])) : column;
      }),
      rows,
    );
  }
  // A branch with an unexpandable `*`: only by-name lookups can be answered.
  return {
    columns: undefined,
    has: (name) => (left.has(name) || right.has(name) ? true : undefined),
    lookup(name) {
      const values = [left.lookup(name), right.lookup(name)].filter((v): v is ColumnValue => v !== undefined);
      return values.length === 0 ? undefined : mergeValues(values);
    },
    unexpanded: [...left.unexpanded, ...right.unexpanded],
    rows,
  };
}

function unionRows(
  a: readonly IndirectRead[] | undefined,
  b: readonly IndirectRead[] | undefined,
): readonly IndirectRead[] | undefined {
  if (!a || a.length === 0) return b;
  if (!b || b.length === 0) return a;
  const set = new IndirectSet();
  set.addAll(a);
  set.addAll(b);
  return set.list;
}

/** Query node types this walker does not model: still collect the tables they read. */
export function unknownQuery(w: Walk, node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
  const scope = newScope(env, outer);
  for (const key in node) discoverTables(w, node[key], scope);
  return {
    columns: undefined,
    has: () => undefined,
    lookup: () => undefined,
    unexpanded: [{ table: `(${node.type.toLowerCase()})` }],
  };
}

export function select(w: Walk, node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
  const scope = newScope(env, outer);
  if (node.from_table) from(w, node.from_table, scope);
  const items: SelectItem[] = [];
  const selectList = node.select_list ?? [];
  for (let i = 0; i < selectList.length; i++) {
    const item = selectList[i] as ExprNode;
    if (item.class === "STAR") {
      items.push(starItem(w, item, scope));
      continue;
    }
    const fields = unnestedStructFields(item);
    if (fields) {
      // `unnest({'k': a, 'v': b})` (or a list of such structs, recursive) is one column per field.
      for (const field of fields) {
        const acc = new ValueAccumulator();
        acc.bump(EXPRESSION);
        for (const node of field.values) expr(w, node, scope, acc);
        const column = named(field.name, acc.value());
        if (item.query_location !== undefined) column.location = item.query_location;
        items.push({ kind: "column", column });
      }
      continue;
    }
    const acc = new ValueAccumulator();
    expr(w, item, scope, acc);
    if (acc.expandsColumns) {
      // `min(COLUMNS(*))` is one output column per matched column: not modelled.
      const star: StarItem = { ...starItem(w, { class: "STAR", type: "STAR" }, scope), opaque: "COLUMNS(…)" };
      if (item.query_location !== undefined) star.offset = item.query_location;
      items.push(star);
      continue;
    }
    const column = named(outputName(w, item, i), acc.value());
    if (item.query_location !== undefined) column.location = item.query_location;
    items.push({ kind: "column", column });
    const key = column.name.toLowerCase();
    if (!scope.lateral.has(key)) scope.lateral.set(key, acc.value());
  }
  // Row filters, grouping and ordering: not value sources but indirect reads (SPEC §15).
  indirect(w, node.where_clause, scope, "where", scope.rows);
  // DuckDB serialises GROUP BY as `group_expressions` (`groups` in older shapes).
  indirect(w, node.group_expressions ?? node.groups, scope, "group_by", scope.rows, items);
  // `GROUP BY ALL` groups by every select item without an aggregate.
  if (node.aggregate_handling === "FORCE_AGGREGATES") {
    for (const item of selectList) {
      if (item.class !== "STAR" && !hasAggregate(item)) indirect(w, item, scope, "group_by", scope.rows);
    }
  }
  indirect(w, node.having, scope, "having", scope.rows);
  indirect(w, node.qualify, scope, "qualify", scope.rows);
  modifiers(w, node.modifiers, scope, items);
  const relation = relationOf(items);
  if (scope.rows.list.length > 0) relation.rows = scope.rows.list;
  return relation;
}

/** Whether an expression aggregates (or is a window, which GROUP BY ALL does not group by either). */
function hasAggregate(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasAggregate);
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  if (record.class === "WINDOW") return true;
  if (record.class === "SUBQUERY") return false;
  if (record.class === "FUNCTION" && record.is_operator !== true) {
    if (isAggregate(String(record.function_name ?? "").toLowerCase())) return true;
  }
  for (const key in record) if (hasAggregate(record[key])) return true;
  return false;
}

/**
 * The fields DuckDB makes columns of for `unnest(struct)` and, with `recursive := true`,
 * `unnest(list of structs)`, when the structs are written out (`{'k': v}`, struct_pack):
 * name → the values of that field. Undefined for anything else (one column).
 */
function unnestedStructFields(item: ExprNode): Array<{ name: string; values: ExprNode[] }> | undefined {
  if (item.class !== "FUNCTION" || item.function_name?.toLowerCase() !== "unnest") return undefined;
  const [arg, ...options] = item.children ?? [];
  const recursive = options.some(
    (o) => o.alias?.toLowerCase() === "recursive" && ["t", "true", true].includes(constantOf(o) as string),
  );
  const structs: ExprNode[] = isStructPack(arg)
    ? [arg as ExprNode]
    : recursive && arg?.function_name === "list_value" && (arg.children ?? []).every(isStructPack)
      ? (arg.children ?? [])
      : [];
  const first = structs[0];
  if (first === undefined) return undefined;
  const fields = (first.children ?? []).map((c) => ({ name: c.alias ?? "", values: [c] }));
  if (fields.some((f) => f.name === "")) return undefined;
  for (const other of structs.slice(1)) {
    (other.children ?? []).forEach((c, i) => {
      fields[i]?.values.push(c);
    });
  }
  return fields;
}

function isStructPack(node: ExprNode | undefined): boolean {
  return node?.class === "FUNCTION" && node.function_name?.toLowerCase() === "struct_pack";
}

/** A constant's value, through a cast (`recursive := true` arrives as CAST('t' AS BOOLEAN)). */
function constantOf(node: ExprNode | undefined): unknown {
  if (node?.class === "CAST") return constantOf(node.child);
  return node?.class === "CONSTANT" ? node.value?.value : undefined;
}
