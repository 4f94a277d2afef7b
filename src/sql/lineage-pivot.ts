/**
 * `FROM t PIVOT (agg FOR col IN (…) [GROUP BY g])` and `FROM t UNPIVOT (v FOR n IN (…))`
 * with a static IN list over a relation whose columns are known: the columns DuckDB
 * builds, named as it names them (`2023`, `2023_total`, `2023_Q1`). Other forms (no IN
 * list, several unaliased aggregates, expressions in FOR, a model written in another
 * dialect) stay opaque.
 */

import type { ExprNode, TableNode } from "./ast.ts";
import { named, newScope, type Walk } from "./lineage-context.ts";
import { expr } from "./lineage-expr.ts";
import { EXPRESSION } from "./transform.ts";
import { from } from "./lineage-from.ts";
import {
  bindingStar,
  closedRelation,
  mergeValues,
  type NamedColumn,
  type Relation,
  type Scope,
  ValueAccumulator,
} from "./scope.ts";

interface PivotEntry {
  values?: Array<{ value?: unknown; is_null?: boolean }>;
  alias?: string;
}

interface PivotSpec {
  pivot_expressions?: ExprNode[];
  unpivot_names?: string[];
  entries?: PivotEntry[];
}

/** The pivoted relation, or undefined when this form is not modelled. */
export function pivotRelation(w: Walk, table: TableNode, scope: Scope): Relation | undefined {
  // Snowflake and Spark name pivoted columns their own way: not modelled for them (yet).
  if (!table.source || !w.duckdbNames) return undefined;
  const inner = newScope(scope.env, scope);
  from(w, table.source, inner);
  const columns: NamedColumn[] = [];
  for (const binding of inner.bindings) {
    const all = bindingStar(binding);
    if (all === undefined) return undefined;
    columns.push(...all);
  }
  const pivots = (table.pivots as PivotSpec[] | undefined) ?? [];
  if (pivots.length === 0 || pivots.some((p) => !p.entries || p.entries.length === 0)) return undefined;
  const unpivotNames = table.unpivot_names as string[] | undefined;
  const out = unpivotNames ? unpivot(unpivotNames, pivots, columns) : pivot(w, table, pivots, inner, columns);
  if (out === undefined) return undefined;
  return closedRelation(out, inner.rows.list.length > 0 ? inner.rows.list : undefined);
}

function pivot(
  w: Walk,
  table: TableNode,
  pivots: PivotSpec[],
  inner: Scope,
  columns: NamedColumn[],
): NamedColumn[] | undefined {
  const aggregates = (table.aggregates as ExprNode[] | undefined) ?? [];
  if (aggregates.length === 0 || (aggregates.length > 1 && aggregates.some((a) => !a.alias)))
    return undefined;
  const pivoted = new Set<string>();
  const pivotExprs: ExprNode[] = [];
  for (const spec of pivots) {
    for (const e of spec.pivot_expressions ?? []) {
      const name = e.class === "COLUMN_REF" ? e.column_names?.at(-1) : undefined;
      if (name === undefined) return undefined;
      pivoted.add(name.toLowerCase());
      pivotExprs.push(e);
    }
  }
  // Without GROUP BY, DuckDB groups by every column neither pivoted nor aggregated.
  const explicit = ((table.groups as string[] | undefined) ?? []).map((g) => g.toLowerCase());
  const aggregated = new Set<string>();
  columnNames(aggregates, aggregated);
  const groups =
    explicit.length > 0
      ? explicit.map((g) => columns.find((c) => c.name.toLowerCase() === g))
      : columns.filter((c) => !pivoted.has(c.name.toLowerCase()) && !aggregated.has(c.name.toLowerCase()));
  if (groups.some((g) => g === undefined)) return undefined;
  const out: NamedColumn[] = [];
  for (const group of groups as NamedColumn[]) {
    out.push(named(group.name, group));
    for (const source of group.sources) inner.rows.add(w.read(source, "group_by"));
  }
  // The pivoted column picks the cell a value lands in, as a FILTER would: a value source.
  const values = aggregates.map((aggregate) => {
    const acc = new ValueAccumulator();
    expr(w, aggregate, inner, acc);
    for (const e of pivotExprs) expr(w, e, inner, acc);
    return acc.value();
  });
  let names = [""];
  for (const spec of pivots) {
    const entryNames = (spec.entries ?? []).map(
      (e) => e.alias ?? (e.values ?? []).map((v) => (v.is_null ? "NULL" : String(v.value))).join("_"),
    );
    names = names.flatMap((prefix) => entryNames.map((n) => (prefix === "" ? n : `${prefix}_${n}`)));
  }
  for (const name of names) {
    aggregates.forEach((aggregate, i) => {
      const value = values[i];
      if (value) out.push(named(aggregate.alias ? `${name}_${aggregate.alias}` : name, value));
    });
  }
  return out;
}

/** `UNPIVOT (v FOR n IN (a, b))`: the other columns, then n (a column name: no source), then v ← a, b. */
function unpivot(
  valueNames: string[],
  pivots: PivotSpec[],
  columns: NamedColumn[],
): NamedColumn[] | undefined {
  const spec = pivots[0];
  const nameColumn = spec?.unpivot_names?.[0];
  if (pivots.length !== 1 || spec?.unpivot_names?.length !== 1 || nameColumn === undefined) return undefined;
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const used = new Set<string>();
  const inputs: NamedColumn[][] = valueNames.map(() => []);
  for (const entry of spec.entries ?? []) {
    const names = entry.values ?? [];
    if (names.length !== valueNames.length) return undefined;
    for (let k = 0; k < names.length; k++) {
      const column = byName.get(String(names[k]?.value).toLowerCase());
      if (column === undefined) return undefined;
      used.add(column.name.toLowerCase());
      inputs[k]?.push(column);
    }
  }
  return [
    ...columns.filter((c) => !used.has(c.name.toLowerCase())),
    { name: nameColumn, sources: [], transform: EXPRESSION },
    ...valueNames.map((name, k) => named(name, mergeValues(inputs[k] ?? []))),
  ];
}

/** Names of the columns an expression reads (last name part), lowercased. */
function columnNames(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) columnNames(item, into);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  if (record.class === "COLUMN_REF") {
    const name = (record as ExprNode).column_names?.at(-1);
    if (name) into.add(name.toLowerCase());
    return;
  }
  for (const key in record) columnNames(record[key], into);
}
