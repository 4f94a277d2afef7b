/** Output naming: the names the warehouse gives the built table, and the analysis a walk returns. */

import type { ExprNode } from "./ast.ts";
import { SQL_CODES } from "./codes.ts";
import { type IndirectRead, indirectKey, type Relation } from "./scope.ts";
import type { IndirectSource, ModelAnalysis, OutputColumn } from "./types.ts";
import type { Walk } from "./lineage-context.ts";

export function result(w: Walk, relation: Relation | undefined): ModelAnalysis {
  w.tableRefs.sort((a, b) => a.start - b.start);
  let columns: OutputColumn[] | undefined;
  if (relation?.columns) {
    const names = warehouseNames(relation.columns.map((c) => c.name));
    columns = relation.columns.map((column, i) => {
      const name = names[i] ?? column.name;
      if (name !== column.name) {
        w.diagnose(
          "Warning",
          SQL_CODES.duplicateName,
          `output column "${column.name}" appears more than once; DuckDB names this one "${name}"`,
          column.location,
          "give each output column a distinct alias",
        );
      }
      return { name, sources: column.sources, transform: column.transform };
    });
  } else if (relation) {
    for (const star of relation.unexpanded) {
      if (star.notATable) {
        w.diagnose(
          "Warning",
          star.table.startsWith("COLUMNS") ? SQL_CODES.columnsUnexpanded : SQL_CODES.starUnexpanded,
          star.table.startsWith("COLUMNS")
            ? `cannot expand ${star.table}: lineage cannot tell which columns it selects`
            : `cannot expand ${star.table}: no table in its FROM clause has that name`,
          star.offset,
          "list the columns explicitly",
        );
        continue;
      }
      w.diagnose(
        "Warning",
        SQL_CODES.starUnexpanded,
        `cannot expand * over ${star.table}: its columns are unknown`,
        star.offset,
        `list the columns explicitly; if ${star.table} is an external source, declare its columns in [sources.${star.table}]`,
      );
    }
  }
  const analysis: ModelAnalysis = { tableRefs: w.tableRefs, columns, diagnostics: w.diagnostics };
  const indirect =
    relation?.columns && columns ? outputReads(w, relation, columns) : unattributedReads(w.allReads);
  if (indirect.length > 0) analysis.indirect = indirect;
  return analysis;
}

/**
 * Each indirect read that reaches the output, once per (table, column, via), with the
 * output columns it affects: the rows' reads affect all of them, a value's own reads
 * (a window, a scalar subquery's clauses) only that column. In order of appearance.
 */
function outputReads(w: Walk, relation: Relation, columns: OutputColumn[]): IndirectSource[] {
  const byKey = new Map<string, { read: IndirectRead; outputs: Set<number> }>();
  const attach = (read: IndirectRead, outputs: number[]) => {
    const key = indirectKey(read);
    let entry = byKey.get(key);
    if (entry === undefined) {
      entry = { read, outputs: new Set() };
      byKey.set(key, entry);
    }
    for (const i of outputs) entry.outputs.add(i);
  };
  const all = columns.map((_, i) => i);
  for (const read of relation.rows ?? []) attach(read, all);
  (relation.columns ?? []).forEach((column, i) => {
    for (const read of column.indirect ?? []) attach(read, [i]);
  });
  const order = (key: string) => w.readOrder.get(key) ?? Number.MAX_SAFE_INTEGER;
  return [...byKey.entries()]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([, { read, outputs }]) => ({
      table: read.table,
      column: read.column,
      via: read.via,
      outputs: [...outputs].sort((a, b) => a - b).map((i) => (columns[i] as OutputColumn).name),
    }));
}

/** The output columns are unknown: every read the walk met, tied to no column (read as "all"). */
function unattributedReads(reads: IndirectRead[]): IndirectSource[] {
  return reads.map((read) => ({ table: read.table, column: read.column, via: read.via, outputs: [] }));
}

export function outputName(w: Walk, item: ExprNode, index: number): string {
  if (item.alias) return item.alias;
  if (item.class === "COLUMN_REF" && item.column_names && item.column_names.length > 0) {
    return item.column_names[item.column_names.length - 1] as string;
  }
  if (item.rocky_default_name) return item.rocky_default_name;
  const name = `column${index}`;
  w.diagnose(
    "Info",
    SQL_CODES.unnamedExpression,
    `select item ${index + 1} has no alias; lineage calls it "${name}"`,
    item.query_location,
    "give the expression an alias",
  );
  return name;
}

/**
 * The names DuckDB gives a result's columns: a repeated name (case-insensitively) gets
 * `_1`, `_2`, … counted per name, skipping any name already taken
 * (`a, b, a, A` → `a, b, a_1, A_2`; `a_1, a, a` → `a_1, a, a_2`).
 */
export function warehouseNames(names: readonly string[]): string[] {
  const taken = new Map<string, number>();
  return names.map((name) => {
    const key = name.toLowerCase();
    const count = taken.get(key);
    if (count === undefined) {
      taken.set(key, 0);
      return name;
    }
    let n = count + 1;
    while (taken.has(`${key}_${n}`)) n++;
    taken.set(key, n);
    taken.set(`${key}_${n}`, 0);
    return `${name}_${n}`;
  });
}
