/**
 * Unknown columns stop the run. The SQL analysis reports W012 only when every table in
 * the column's scope has known columns (an upstream model, a declared source, a CTE or
 * subquery over them) and none has it: a table with unknown columns (an undeclared
 * external table) makes the reference resolve to it instead, silently. So a W012 is
 * what the warehouse's binder would reject, and compile promotes it to E012, an error,
 * which `rocky run` refuses before any SQL. A new code rather than W012 with severity
 * Error: the letter of every other code says its severity, and tools filter on it.
 *
 * Kept as W012 (a warning): pseudo-columns the warehouse adds to tables without listing
 * them (`rowid`, BigQuery's `_PARTITIONTIME`, Snowflake's `METADATA$…`).
 */
import { didYouMean } from "../errors.ts";
import type { CompiledModel, Diagnostic } from "./types.ts";

export const UNKNOWN_COLUMN_CODES = { warning: "W012", error: "E012" } as const;

const PSEUDO_COLUMN =
  /^(rowid|_partitiontime|_partitiondate|_table_suffix|_file_name|_metadata|metadata\$\w+)$/i;

/** What a W012 message names: `column x is not a column of …`, or `t has no column x` (with the table). */
function namedIn(message: string): { column?: string; table?: string } {
  const unqualified = /^column (\S+) is not a column of any table in scope$/.exec(message);
  if (unqualified) return { column: unqualified[1]! };
  const qualified = /^(\S+) has no column (\S+)$/.exec(message);
  return qualified ? { table: qualified[1]!, column: qualified[2]! } : {};
}

/**
 * Promote W012 to E012 in place, with a did-you-mean over the columns of the tables the
 * model reads. `columnsOf` gives a referenced table's known columns (model or source).
 */
export function gateUnknownColumns(
  diagnostics: Diagnostic[],
  models: ReadonlyMap<string, CompiledModel>,
  columnsOf: (parts: readonly string[]) => readonly string[] | undefined,
): void {
  const readable = new Map<string, Set<string>>();
  const columnsRead = (model: string): Set<string> => {
    let set = readable.get(model);
    if (!set) {
      set = new Set();
      for (const ref of models.get(model)?.refs ?? []) for (const c of columnsOf(ref.parts) ?? []) set.add(c);
      readable.set(model, set);
    }
    return set;
  };
  for (const d of diagnostics) {
    if (d.code !== UNKNOWN_COLUMN_CODES.warning) continue;
    const { column, table } = namedIn(d.message);
    const last = column?.split(".").at(-1) ?? "";
    if (PSEUDO_COLUMN.test(last)) continue;
    d.code = UNKNOWN_COLUMN_CODES.error;
    d.severity = "Error";
    // `t has no column x`: t's own columns when t is a table; else those of every table read.
    const candidates =
      (table === undefined ? undefined : columnsOf(table.split("."))) ?? columnsRead(d.model);
    const near = column === undefined ? undefined : didYouMean(last, candidates);
    d.suggestion =
      d.suggestion ??
      near ??
      "every table it reads has known columns and none has this one: check the name, or the upstream model";
  }
}
