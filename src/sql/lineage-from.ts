/** FROM items: base tables (and CTE names), joins, subqueries, VALUES and table functions. */

import type { ExprNode, TableNode } from "./ast.ts";
import { readsFile } from "./functions.ts";
import { SQL_CODES } from "./codes.ts";
import { UNNEST_FIELDS } from "./dialect-normalize.ts";
import {
  type Binding,
  bindingStar,
  closedRelation,
  type NamedColumn,
  type Relation,
  renameColumns,
  type Scope,
  ValueAccumulator,
} from "./scope.ts";
import { dottedNameEnd, findDottedName } from "./span.ts";
import { DIRECT } from "./transform.ts";
import { type Walk, named } from "./lineage-context.ts";
import { discoverTables, expr, quiet } from "./lineage-expr.ts";
import { indirect, usingRead } from "./lineage-indirect.ts";
import { pivotRelation } from "./lineage-pivot.ts";
import { cteRelation, query } from "./lineage-query.ts";

export function from(w: Walk, table: TableNode, scope: Scope): void {
  switch (table.type) {
    case "BASE_TABLE":
      baseTable(w, table, scope);
      return;
    case "JOIN": {
      if (table.left) from(w, table.left, scope);
      const before = scope.bindings.length;
      if (table.right) from(w, table.right, scope);
      const using =
        table.ref_type === "NATURAL"
          ? naturalJoinColumns(scope.bindings, before)
          : (table.using_columns ?? []);
      if (using.length > 0) {
        const hidden = new Set(using.map((c) => c.toLowerCase()));
        for (const binding of scope.bindings.slice(before)) {
          if (binding.kind !== "lambda") binding.hidden = new Set([...(binding.hidden ?? []), ...hidden]);
        }
        for (const name of hidden) scope.usingColumns.set(name, table.join_type === "FULL" ? "both" : "left");
      }
      for (const name of using) usingRead(w, name, scope);
      indirect(w, table.condition, scope, "join", scope.rows);
      return;
    }
    case "SUBQUERY": {
      if (!table.subquery) return;
      // Preceding FROM items are visible to a LATERAL subquery: pass the scope as outer.
      const relation = renameColumns(
        query(w, table.subquery.node, scope.env, scope),
        table.column_name_alias,
      );
      const binding: Binding = { kind: "relation", relation };
      if (table.alias) binding.alias = table.alias.toLowerCase();
      scope.bindings.push(binding);
      // The subquery's rows are this scope's rows: what decides them decides every column.
      scope.rows.addAll(relation.rows);
      return;
    }
    case "EXPRESSION_LIST": {
      const rows = table.values ?? [];
      const width = rows[0]?.length ?? 0;
      const columns: NamedColumn[] = [];
      for (let i = 0; i < width; i++) {
        const acc = new ValueAccumulator();
        for (const row of rows) {
          const value = row[i];
          if (value) expr(w, value, scope, acc);
        }
        columns.push(named(`col${i}`, acc.value()));
      }
      const binding: Binding = {
        kind: "relation",
        relation: renameColumns(closedRelation(columns), table.column_name_alias),
      };
      if (table.alias) binding.alias = table.alias.toLowerCase();
      scope.bindings.push(binding);
      return;
    }
    case "TABLE_FUNCTION":
      tableFunction(w, table, scope);
      return;
    case "EMPTY":
      return;
    case "PIVOT": {
      const pivoted = pivotRelation(w, table, scope);
      if (pivoted) {
        const binding: Binding = {
          kind: "relation",
          relation: renameColumns(pivoted, table.column_name_alias),
        };
        if (table.alias) binding.alias = table.alias.toLowerCase();
        scope.bindings.push(binding);
        scope.rows.addAll(pivoted.rows);
        return;
      }
      fromOpaque(w, table, scope);
      return;
    }
    default:
      fromOpaque(w, table, scope);
  }
}

/** SHOW_REF, a PIVOT not modelled, …: read the tables inside, columns unknown. */
function fromOpaque(w: Walk, table: TableNode, scope: Scope): void {
  for (const key in table) discoverTables(w, table[key], scope);
  const binding: Binding = { kind: "opaque", label: table.type.toLowerCase() };
  if (table.alias) binding.alias = table.alias.toLowerCase();
  scope.bindings.push(binding);
}

export function baseTable(w: Walk, table: TableNode, scope: Scope): void {
  const name = table.table_name ?? "";
  const parts = [table.catalog_name, table.schema_name, name].filter(
    (p): p is string => p !== undefined && p !== "",
  );
  const alias = table.alias?.toLowerCase();
  if (parts.length === 1) {
    const cte = scope.env.find(name);
    // Inside its own (non-recursive) body, a CTE's name means the real table.
    if (cte && (!cte.inProgress || cte.provisional)) {
      const relation = cte.inProgress ? (cte.provisional as Relation) : cteRelation(w, cte);
      scope.bindings.push({
        kind: "relation",
        alias: alias ?? name.toLowerCase(),
        relation: renameColumns(relation, table.column_name_alias),
      });
      scope.rows.addAll(relation.rows);
      return;
    }
  }
  recordTableRef(w, table, parts);
  const columns = w.columnsOf(parts);
  if (table.column_name_alias && table.column_name_alias.length > 0 && columns) {
    const relation = renameColumns(
      closedRelation(
        columns.map((c) => ({ name: c, sources: [{ table: parts, column: c }], transform: DIRECT })),
      ),
      table.column_name_alias,
    );
    scope.bindings.push({ kind: "relation", alias: alias ?? name.toLowerCase(), relation });
    return;
  }
  const binding: Binding = { kind: "table", parts, columns };
  if (alias !== undefined) binding.alias = alias;
  scope.bindings.push(binding);
}

export function recordTableRef(w: Walk, table: TableNode, parts: string[]): void {
  // Recursive CTE bodies are walked more than once: each FROM item is one reference.
  if (w.recordedTables.has(table)) return;
  w.recordedTables.add(table);
  const at = w.offsetOf(table.query_location);
  const end = at === undefined ? undefined : dottedNameEnd(w.sql, at, parts);
  let span = at !== undefined && end !== undefined ? { start: at, end } : undefined;
  // No usable location: the first occurrence of the name not yet recorded.
  for (let from = 0; span === undefined; ) {
    const found = findDottedName(w.sql, parts, from);
    if (found === undefined) {
      w.diagnose("Warning", SQL_CODES.refNotFound, `cannot find ${parts.join(".")} in the SQL text`);
      return;
    }
    if (!w.refStarts.has(found.start)) span = found;
    from = found.start + 1;
  }
  w.refStarts.add(span.start);
  w.tableRefs.push({ parts, start: span.start, end: span.end });
}

export function tableFunction(w: Walk, table: TableNode, scope: Scope): void {
  const fn = table.function;
  const name = (fn?.function_name ?? "table_function").toLowerCase();
  const alias = table.alias?.toLowerCase();
  if (fn && (name === "unnest" || name === "generate_series" || name === "range")) {
    // The value of an UNNEST row comes from its argument (often a column of a preceding table).
    const acc = new ValueAccumulator();
    expr(w, fn, scope, acc);
    // Every column of the row (a FLATTEN's VALUE, INDEX, …; an ordinality) comes from it.
    const aliases = table.column_name_alias?.length ? table.column_name_alias : [name];
    const value = acc.value();
    if (alias === UNNEST_FIELDS && name === "unnest") {
      // BigQuery's unaliased UNNEST: any column it is asked for is a field of the element.
      const columns = [named(name, value)];
      scope.bindings.push({
        kind: "relation",
        alias: name,
        relation: {
          columns,
          has: (n) => (n.toLowerCase() === name ? true : undefined),
          lookup: () => value,
          unexpanded: [],
        },
      });
      return;
    }
    scope.bindings.push({
      kind: "relation",
      alias: alias ?? name,
      relation: closedRelation(aliases.map((columnName) => named(columnName, value))),
    });
    return;
  }
  const path = fn && readsFile(name) ? filePath(fn.children?.[0]) : undefined;
  if (path !== undefined) {
    // `read_csv('data/x.csv')` reads the file as `FROM 'data/x.csv'` does: a source named
    // by its path, whose columns are those declared for it (usually unknown).
    const parts = [path];
    scope.bindings.push({
      kind: "table",
      alias: alias ?? name,
      parts,
      columns: w.columnsOf(parts),
      label: `${name}(…)`,
    });
    return;
  }
  if (fn) quiet(w, fn, scope);
  scope.bindings.push({ kind: "opaque", alias: alias ?? name, label: `${name}(…)` });
}

/** NATURAL JOIN joins on the names both sides have (when their columns are known). */
function naturalJoinColumns(bindings: Binding[], rightStart: number): string[] {
  const names = (side: Binding[]) =>
    new Set(side.flatMap((b) => bindingStar(b) ?? []).map((c) => c.name.toLowerCase()));
  const left = names(bindings.slice(0, rightStart));
  return [...names(bindings.slice(rightStart))].filter((name) => left.has(name));
}

/** A file reader's path argument: one string constant (or a list of exactly one). */
function filePath(arg: ExprNode | undefined): string | undefined {
  if (arg?.class === "CONSTANT") {
    const value = arg.value?.value;
    return typeof value === "string" ? value : undefined;
  }
  if (arg?.class === "FUNCTION" && arg.function_name === "list_value" && arg.children?.length === 1) {
    return filePath(arg.children[0]);
  }
  return undefined;
}
