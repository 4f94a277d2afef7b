/** Column resolution: a column reference to the FROM item (or outer scope, or select alias) it names. */

import type { ExprNode } from "./ast.ts";
import { SQL_CODES } from "./codes.ts";
import { isSpecialValueName } from "./functions.ts";
import {
  type Binding,
  bindingColumn,
  bindingHas,
  bindingLabel,
  bindingMatches,
  bindingStar,
  type ColumnValue,
  mergeValues,
  type Scope,
  ValueAccumulator,
} from "./scope.ts";
import type { Walk } from "./lineage-context.ts";
import { DIRECT, EXPRESSION, maxTransform } from "./transform.ts";

export function resolve(w: Walk, node: ExprNode, scope: Scope): ColumnValue {
  const parts = node.column_names ?? [];
  if (parts.length === 1 && isSpecialValueName(parts[0] ?? "") && !someBindingHas(scope, parts[0] ?? "")) {
    return { sources: [], transform: EXPRESSION };
  }
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const found = resolveIn(w, s, parts, node.query_location);
    if (found) return found;
    const first = parts[0];
    if (first !== undefined) {
      const lateral = s.lateral.get(first.toLowerCase());
      if (lateral)
        return parts.length > 1
          ? { sources: lateral.sources, transform: maxTransform(lateral.transform, EXPRESSION) }
          : lateral;
    }
  }
  // `SELECT t FROM t`: the whole row as a struct.
  const row = parts.length === 1 ? wholeRow(scope, parts[0] as string) : undefined;
  if (row) return row;
  w.diagnose(
    "Warning",
    SQL_CODES.unknownColumn,
    `column ${parts.join(".")} is not a column of any table in scope`,
    node.query_location,
  );
  return { sources: [], transform: DIRECT };
}

export function wholeRow(scope: Scope, name: string): ColumnValue | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const binding = s.bindings.find((b) => bindingMatches(b, [name]));
    if (!binding) continue;
    const acc = new ValueAccumulator();
    acc.bump(EXPRESSION);
    for (const column of bindingStar(binding) ?? []) acc.add(column);
    return acc.value();
  }
  return undefined;
}

export function columnOf(
  w: Walk,
  binding: Binding,
  column: string,
  location: number | undefined,
): ColumnValue | undefined {
  if (binding.kind === "opaque") {
    // Say so, or the column would look like a literal (no sources).
    w.diagnose(
      "Warning",
      SQL_CODES.opaqueSource,
      `lineage of ${column} stops at ${binding.label}: the columns it outputs are not traced`,
      location,
    );
  }
  return bindingColumn(binding, column);
}

export function someBindingHas(scope: Scope, column: string): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.bindings.some((b) => bindingHas(b, column) === true)) return true;
  }
  return false;
}

export function resolveIn(
  w: Walk,
  scope: Scope,
  parts: string[],
  location: number | undefined,
): ColumnValue | undefined {
  // Qualified: the longest qualifier that names a FROM item; the rest are struct fields.
  for (let k = Math.min(parts.length - 1, 3); k >= 1; k--) {
    const qualifier = parts.slice(0, k);
    const binding = scope.bindings.find((b) => bindingMatches(b, qualifier));
    if (!binding) continue;
    const column = parts[k] as string;
    const value = columnOf(w, binding, column, location);
    // `e.x` where e is both a FROM item and its own column (BigQuery UNNEST(arr) AS e):
    // DuckDB reads a field of that column when the table has no column x.
    const first = parts[0] as string;
    if (!value && k === 1 && bindingHas(binding, first) === true) {
      const whole = columnOf(w, binding, first, location);
      if (whole) return { sources: whole.sources, transform: maxTransform(whole.transform, EXPRESSION) };
    }
    if (!value) {
      w.diagnose(
        "Warning",
        SQL_CODES.unknownColumn,
        `${bindingLabel(binding)} has no column ${column}`,
        location,
      );
      return { sources: [], transform: DIRECT };
    }
    return k < parts.length - 1
      ? { sources: value.sources, transform: maxTransform(value.transform, EXPRESSION) }
      : value;
  }
  const column = parts[0];
  if (column === undefined) return undefined;
  const having: Binding[] = [];
  const unknown: Binding[] = [];
  for (const binding of scope.bindings) {
    const has = bindingHas(binding, column);
    if (has === true) having.push(binding);
    else if (has === undefined) unknown.push(binding);
  }
  let chosen: Binding[];
  const lateral = having.length === 0 ? scope.lateral.get(column.toLowerCase()) : undefined;
  if (lateral && parts.length === 1) {
    // No table is known to have the column, and an earlier select item has that
    // alias: `SELECT a * 2 AS d, d + 1 AS e` means the alias.
    return lateral;
  }
  const using = scope.usingColumns.get(column.toLowerCase());
  if (using !== undefined && having.length + unknown.length > 1) {
    // A USING / NATURAL join column: one column, from the left table, or from both
    // sides after a FULL join (where DuckDB coalesces them).
    const sides = having.length > 0 ? having : unknown;
    chosen = using === "both" ? sides : sides.slice(0, 1);
  } else if (having.length === 1) {
    chosen = having;
  } else if (having.length > 1) {
    w.diagnose(
      "Warning",
      SQL_CODES.ambiguousColumn,
      `column ${column} is ambiguous: ${having.map(bindingLabel).join(", ")} all have it`,
      location,
      "qualify the column with its table",
    );
    chosen = having;
  } else if (unknown.length === 1) {
    chosen = unknown;
  } else if (unknown.length > 1) {
    w.diagnose(
      "Warning",
      SQL_CODES.ambiguousColumn,
      `cannot tell which of ${unknown.map(bindingLabel).join(", ")} has column ${column}; lineage lists all of them`,
      location,
      "qualify the column with its table, or declare the tables' columns",
    );
    chosen = unknown;
  } else {
    return undefined;
  }
  let value: ColumnValue;
  if (chosen.length === 1) {
    value = columnOf(w, chosen[0] as Binding, column, location) ?? { sources: [], transform: DIRECT };
  } else {
    const values: ColumnValue[] = [];
    for (const binding of chosen) {
      const each = columnOf(w, binding, column, location);
      if (each) values.push(each);
    }
    value = mergeValues(values);
  }
  return parts.length > 1
    ? { sources: value.sources, transform: maxTransform(value.transform, EXPRESSION) }
    : value;
}
