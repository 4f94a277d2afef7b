/** `*`, `t.*`, `COLUMNS(…)` and their EXCLUDE / REPLACE / RENAME: expansion over the FROM bindings. */

import type { ExprNode } from "./ast.ts";
import {
  type Binding,
  bindingColumn,
  bindingHas,
  bindingLabel,
  bindingMatches,
  bindingStar,
  type ColumnValue,
  closedRelation,
  mergeValues,
  type NamedColumn,
  type Relation,
  type Scope,
  type Unexpanded,
  ValueAccumulator,
} from "./scope.ts";
import { named, type SelectItem, type StarItem, type Walk } from "./lineage-context.ts";
import { expr } from "./lineage-expr.ts";

export function starItem(w: Walk, item: ExprNode, scope: Scope): StarItem {
  const qualified = item.relation_name !== undefined;
  let unmatched: string | undefined;
  let bindings: Binding[] = scope.bindings;
  if (qualified) {
    const qualifier = (item.relation_name as string).split(".");
    bindings = scope.bindings.filter((b) => bindingMatches(b, qualifier));
    if (bindings.length === 0) unmatched = `${item.relation_name}.*`;
  }
  const exclude = new Set<string>();
  for (const entry of item.exclude_list ?? []) {
    const name = typeof entry === "string" ? entry : entry.name;
    if (name) exclude.add(name.toLowerCase());
  }
  for (const entry of (item.qualified_exclude_list as Array<{ column?: string }> | undefined) ?? []) {
    if (entry.column) exclude.add(entry.column.toLowerCase());
  }
  const replace = new Map<string, ColumnValue>();
  for (const entry of item.replace_list ?? []) {
    const acc = new ValueAccumulator();
    expr(w, entry.value, scope, acc);
    replace.set(entry.key.toLowerCase(), acc.value());
  }
  const rename = new Map<string, string>();
  const renameBack = new Map<string, string>();
  for (const entry of (item.rename_list as
    | Array<{ key?: { column?: string }; value?: string }>
    | undefined) ?? []) {
    const from = entry.key?.column;
    if (from && entry.value) {
      rename.set(from.toLowerCase(), entry.value);
      renameBack.set(entry.value.toLowerCase(), from);
    }
  }
  const star: StarItem = { kind: "star", bindings, qualified, exclude, replace, rename, renameBack };
  if (item.query_location !== undefined) star.offset = item.query_location;
  if (unmatched !== undefined) star.opaque = unmatched;
  if (item.columns) {
    // COLUMNS('regex') filters the star by name; other COLUMNS(…) forms are not modelled.
    const pattern = item.expr;
    const text = pattern?.class === "CONSTANT" ? pattern.value?.value : undefined;
    if (typeof text === "string") {
      try {
        star.pattern = new RegExp(text);
      } catch {
        star.opaque = `COLUMNS('${text}')`;
      }
    } else if (pattern && pattern.class !== "STAR") {
      star.opaque = "COLUMNS(…)";
    }
  }
  return star;
}

/** Expands a star item; undefined (with the reasons) when some binding's columns are unknown. */
export function expandStar(
  item: Extract<SelectItem, { kind: "star" }>,
  unexpanded: Unexpanded[],
): NamedColumn[] | undefined {
  if (item.opaque) {
    const entry: Unexpanded = { table: item.opaque, notATable: true };
    if (item.offset !== undefined) entry.offset = item.offset;
    unexpanded.push(entry);
    return undefined;
  }
  const columns: NamedColumn[] = [];
  let complete = true;
  for (const binding of item.bindings) {
    const all = bindingStar(binding);
    if (all === undefined) {
      complete = false;
      if (binding.kind === "relation" && binding.relation.unexpanded.length > 0) {
        unexpanded.push(...binding.relation.unexpanded);
      } else {
        const entry: Unexpanded = { table: bindingLabel(binding) };
        if (item.offset !== undefined) entry.offset = item.offset;
        unexpanded.push(entry);
      }
      continue;
    }
    const hidden = !item.qualified && binding.kind !== "lambda" ? binding.hidden : undefined;
    for (const column of all) {
      const key = column.name.toLowerCase();
      if (hidden?.has(key) || item.exclude.has(key)) continue;
      if (item.pattern && !item.pattern.test(column.name)) continue;
      const replaced = item.replace.get(key);
      const value = replaced ?? column;
      columns.push(named(item.rename.get(key) ?? column.name, value));
    }
  }
  return complete ? columns : undefined;
}

export function relationOf(items: SelectItem[]): Relation {
  const unexpanded: Unexpanded[] = [];
  const columns: NamedColumn[] = [];
  let complete = true;
  for (const item of items) {
    if (item.kind === "column") {
      columns.push(item.column);
      continue;
    }
    const expanded = expandStar(item, unexpanded);
    if (expanded === undefined) complete = false;
    else columns.push(...expanded);
  }
  if (complete) return closedRelation(columns);
  const explicit = new Map<string, ColumnValue>();
  for (const item of items) {
    if (item.kind === "column" && !explicit.has(item.column.name.toLowerCase())) {
      explicit.set(item.column.name.toLowerCase(), item.column);
    }
  }
  return {
    columns: undefined,
    has: (name) => (explicit.has(name.toLowerCase()) ? true : undefined),
    lookup: (name) => {
      const key = name.toLowerCase();
      const found = explicit.get(key);
      if (found) return found;
      const values: ColumnValue[] = [];
      for (const item of items) {
        if (item.kind !== "star" || item.opaque) continue;
        const original = item.renameBack.get(key) ?? name;
        const originalKey = original.toLowerCase();
        if (item.exclude.has(originalKey)) continue;
        if (item.pattern && !item.pattern.test(original)) continue;
        const replaced = item.replace.get(originalKey);
        if (replaced) return replaced;
        for (const binding of item.bindings) {
          if (bindingHas(binding, original) === false) continue;
          const value = bindingColumn(binding, original);
          if (value) values.push(value);
        }
      }
      return values.length === 0 ? undefined : mergeValues(values);
    },
    unexpanded,
  };
}
