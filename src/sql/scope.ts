/**
 * Scopes of a query: what each FROM item makes visible (bindings), and what a derived
 * relation (CTE, subquery, set operation) outputs. Column values carry their sources
 * all the way to base tables, so lineage traces through any number of CTE layers.
 */

import type { Statement } from "./ast.ts";
import { DIRECT, EXPRESSION, transformRank } from "./transform.ts";
import type { ColumnSource, IndirectVia, Transform } from "./types.ts";

/** A column a non-value clause reads (SPEC §15), before it is tied to output columns. */
export interface IndirectRead extends ColumnSource {
  via: IndirectVia;
}

const NO_READS: readonly IndirectRead[] = [];

/** Distinct indirect reads, by (table, column, via), in order of addition. */
export class IndirectSet {
  /** Created on first add: most scopes read nothing indirectly. */
  private items: IndirectRead[] | undefined;

  get list(): readonly IndirectRead[] {
    return this.items ?? NO_READS;
  }

  add(read: IndirectRead): void {
    // A scope or value has a handful of reads: a scan beats building string keys.
    if (this.items === undefined) this.items = [];
    for (const seen of this.items) {
      if (
        seen === read ||
        (seen.via === read.via &&
          seen.column.toLowerCase() === read.column.toLowerCase() &&
          sameParts(seen.table, read.table))
      )
        return;
    }
    this.items.push(read);
  }

  addAll(reads: readonly IndirectRead[] | undefined): void {
    if (reads === undefined || reads.length === 0) return;
    if (reads) for (const read of reads) this.add(read);
  }
}

export function indirectKey(read: IndirectRead): string {
  return `${read.table.join(".")}\u0000${read.column}\u0000${read.via}`.toLowerCase();
}

/** What a value is computed from, and how. */
export interface ColumnValue {
  sources: ColumnSource[];
  transform: Transform;
  /**
   * Indirect reads that affect only this value: a window's PARTITION BY / ORDER BY, the
   * clauses of a scalar subquery it reads. Carried through CTEs and subqueries with it.
   */
  indirect?: readonly IndirectRead[];
}

export interface NamedColumn extends ColumnValue {
  name: string;
  /** Where an explicit select item is (DuckDB byte offset), for diagnostics. */
  location?: number;
}

/** A `*` that could not be expanded: the table (or table function) whose columns are unknown. */
export interface Unexpanded {
  table: string;
  /** A `COLUMNS(lambda)` or a `t.*` naming no FROM item, rather than a table. */
  notATable?: boolean;
  offset?: number;
}

/**
 * The output of a query. `columns` is undefined when a `*` in it could not be expanded;
 * `lookup` still resolves a column by name then (`SELECT id FROM (SELECT * FROM raw.t)`
 * traces `id` to `raw.t.id` without knowing raw.t's columns).
 */
export interface Relation {
  columns: NamedColumn[] | undefined;
  /** Whether the relation has a column: undefined when only an unexpanded `*` could tell. */
  has(name: string): boolean | undefined;
  lookup(name: string): ColumnValue | undefined;
  unexpanded: Unexpanded[];
  /** Indirect reads that decide which rows the relation has: they affect every column of it. */
  rows?: readonly IndirectRead[];
}

/** What a FROM item makes visible to column references. */
export type Binding =
  | {
      kind: "table";
      /** Lowercased alias, when the FROM item has one. */
      alias?: string;
      parts: string[];
      /** Columns from `columnsOf`, undefined when unknown. */
      columns: string[] | undefined;
      hidden?: Set<string>;
      /** How diagnostics name it, when not by its parts (`read_csv(…)` for a file it reads). */
      label?: string;
    }
  | { kind: "relation"; alias?: string; relation: Relation; hidden?: Set<string> }
  | { kind: "opaque"; alias?: string; label: string; hidden?: Set<string> }
  | { kind: "lambda"; params: Set<string> };

export interface CteState {
  name: string;
  statement: Statement;
  aliases?: string[];
  env: CteEnv;
  relation?: Relation;
  /** Set while the body is analysed; recursive CTEs read their anchor's result meanwhile. */
  inProgress: boolean;
  provisional?: Relation;
}

export class CteEnv {
  readonly ctes = new Map<string, CteState>();
  constructor(readonly parent?: CteEnv) {}
  find(name: string): CteState | undefined {
    const lower = name.toLowerCase();
    for (let env: CteEnv | undefined = this; env; env = env.parent) {
      const found = env.ctes.get(lower);
      if (found) return found;
    }
    return undefined;
  }
}

export interface Scope {
  bindings: Binding[];
  parent?: Scope;
  env: CteEnv;
  /** Select-list aliases usable by later items (DuckDB's lateral column aliases). */
  lateral: Map<string, ColumnValue>;
  /**
   * Columns of `JOIN … USING (…)` / NATURAL joins: unqualified references to them are
   * not ambiguous. "both" after a FULL join, whose USING column coalesces both sides.
   */
  usingColumns: Map<string, "left" | "both">;
  /** Indirect reads deciding this scope's rows: its own clauses and its FROM relations' rows. */
  rows: IndirectSet;
}

function sameParts(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Collects distinct sources in order and the strongest transform. */
export class ValueAccumulator {
  readonly sources: ColumnSource[] = [];
  private rank = 0;
  transform: Transform = DIRECT;
  /** Set when the value contains `COLUMNS(…)`, which makes one column per match. */
  expandsColumns = false;
  /** Created on first use: most values have no indirect reads. */
  private reads: IndirectSet | undefined;

  add(value: ColumnValue): void {
    for (const source of value.sources) this.addSource(source);
    this.bump(value.transform);
    if (value.indirect) this.indirectReads().addAll(value.indirect);
  }

  /** The value's own indirect reads (see ColumnValue.indirect). */
  indirectReads(): IndirectSet {
    if (this.reads === undefined) this.reads = new IndirectSet();
    return this.reads;
  }

  addSource(source: ColumnSource): void {
    // Values have a handful of sources: a scan beats building string keys.
    for (const seen of this.sources) {
      if (seen.column === source.column && sameParts(seen.table, source.table)) return;
    }
    this.sources.push(source);
  }

  /** Ties keep the first transform seen: the outermost one, as the walk is pre-order. */
  bump(transform: Transform): void {
    const rank = transformRank(transform);
    if (rank > this.rank) {
      this.rank = rank;
      this.transform = transform;
    }
  }

  value(): ColumnValue {
    const value: ColumnValue = { sources: this.sources, transform: this.transform };
    if (this.reads && this.reads.list.length > 0) value.indirect = this.reads.list;
    return value;
  }
}

export function mergeValues(values: ColumnValue[]): ColumnValue {
  const acc = new ValueAccumulator();
  for (const value of values) acc.add(value);
  return acc.value();
}

/** A relation whose columns are all known. */
export function closedRelation(columns: NamedColumn[], rows?: readonly IndirectRead[]): Relation {
  let byName: Map<string, NamedColumn> | undefined;
  const index = (): Map<string, NamedColumn> => {
    if (byName === undefined) {
      byName = new Map();
      for (const column of columns) {
        const key = column.name.toLowerCase();
        if (!byName.has(key)) byName.set(key, column);
      }
    }
    return byName;
  };
  return {
    columns,
    has: (name) => index().has(name.toLowerCase()),
    lookup: (name) => index().get(name.toLowerCase()),
    unexpanded: [],
    rows,
  };
}

/** Renames the first columns of a relation (`AS t(a, b)`, `WITH c(a, b) AS …`). */
export function renameColumns(relation: Relation, aliases: readonly string[] | undefined): Relation {
  if (!aliases || aliases.length === 0) return relation;
  if (relation.columns) {
    return closedRelation(
      relation.columns.map((c, i) => ({ ...c, name: aliases[i] ?? c.name })),
      relation.rows,
    );
  }
  // Positions are unknown for an open relation: names are kept as they are.
  return relation;
}

export function bindingLabel(binding: Binding): string {
  if (binding.kind === "table") return binding.label ?? binding.parts.join(".");
  if (binding.kind === "opaque") return binding.label;
  if (binding.kind === "relation") return binding.alias ?? "(subquery)";
  return "(lambda)";
}

/** Whether a binding has a column: true, false, or undefined when its columns are unknown. */
export function bindingHas(binding: Binding, column: string): boolean | undefined {
  const lower = column.toLowerCase();
  switch (binding.kind) {
    case "table":
      return binding.columns ? tableColumnIndex(binding).has(lower) : undefined;
    case "relation":
      return binding.relation.has(lower);
    case "opaque":
      return undefined;
    case "lambda":
      return binding.params.has(lower);
  }
}

/** The value of a binding's column, or undefined when the binding is known not to have it. */
export function bindingColumn(binding: Binding, column: string): ColumnValue | undefined {
  switch (binding.kind) {
    case "table": {
      if (!binding.columns) return { sources: [{ table: binding.parts, column }], transform: DIRECT };
      const canonical = tableColumnIndex(binding).get(column.toLowerCase());
      return canonical === undefined
        ? undefined
        : { sources: [{ table: binding.parts, column: canonical }], transform: DIRECT };
    }
    case "relation":
      return binding.relation.lookup(column);
    case "opaque":
      // A table function's columns come from outside the warehouse's tables: no sources.
      return { sources: [], transform: EXPRESSION };
    case "lambda":
      return binding.params.has(column.toLowerCase()) ? { sources: [], transform: DIRECT } : undefined;
  }
}

type TableBinding = Extract<Binding, { kind: "table" }>;

/** Indexes by column list: `columnsOf` hands out the same array for every model reading a table. */
const columnIndexes = new WeakMap<readonly string[], Map<string, string>>();

/** Lowercased name → the table's spelling. */
function tableColumnIndex(binding: TableBinding): Map<string, string> {
  const columns = binding.columns ?? [];
  let index = columnIndexes.get(columns);
  if (index === undefined) {
    index = new Map();
    for (const name of columns) {
      const key = name.toLowerCase();
      if (!index.has(key)) index.set(key, name);
    }
    columnIndexes.set(columns, index);
  }
  return index;
}

/** Every column of a binding, in order, or undefined when unknown. */
export function bindingStar(binding: Binding): NamedColumn[] | undefined {
  switch (binding.kind) {
    case "table":
      return binding.columns?.map((name) => ({
        name,
        sources: [{ table: binding.parts, column: name }],
        transform: DIRECT,
      }));
    case "relation":
      return binding.relation.columns;
    default:
      return undefined;
  }
}

/** Does a qualifier (`o`, `raw.orders`, `db.raw.orders`) name this binding? */
export function bindingMatches(binding: Binding, qualifier: readonly string[]): boolean {
  if (binding.kind === "lambda") return false;
  if (binding.alias !== undefined)
    return qualifier.length === 1 && qualifier[0]?.toLowerCase() === binding.alias;
  if (binding.kind !== "table") return false;
  const parts = binding.parts;
  if (qualifier.length > parts.length) return false;
  const offset = parts.length - qualifier.length;
  return qualifier.every((q, i) => q.toLowerCase() === parts[offset + i]?.toLowerCase());
}
