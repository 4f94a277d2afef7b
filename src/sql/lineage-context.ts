/**
 * The shared context of the lineage walk (src/sql/lineage-*.ts): one `Walk` per model,
 * passed to every step, and the small helpers the steps share.
 */

import type { ExprNode, TableNode } from "./ast.ts";
import { byteToCharOffsets, NO_LOCATION } from "./offsets.ts";
import {
  type Binding,
  type ColumnValue,
  type CteEnv,
  IndirectSet,
  type IndirectRead,
  indirectKey,
  type NamedColumn,
  type Relation,
  type Scope,
} from "./scope.ts";
import type { ColumnsOf, IndirectVia, SqlDiagnostic, TableRefSpan } from "./types.ts";

export type SelectItem =
  | { kind: "column"; column: NamedColumn }
  | {
      kind: "star";
      bindings: Binding[];
      /** Unqualified `*` hides the right-hand copy of USING columns. */
      qualified: boolean;
      exclude: Set<string>;
      replace: Map<string, ColumnValue>;
      /** new name → old name */
      renameBack: Map<string, string>;
      /** old name → new name */
      rename: Map<string, string>;
      /** `COLUMNS('regex')`: keep the names it matches. */
      pattern?: RegExp;
      /** Set when no table's columns could expand it (`COLUMNS(lambda)`, `t.*` naming nothing): what to report. */
      opaque?: string;
      /** DuckDB's location of the star (bytes). */
      offset?: number;
    };

export type StarItem = Extract<SelectItem, { kind: "star" }>;

/**
 * The state one model's walk shares across the lineage modules: the table references
 * and diagnostics it collects, and what it needs to resolve columns.
 */
export class Walk {
  readonly tableRefs: TableRefSpan[] = [];
  readonly refStarts = new Set<number>();
  readonly recordedTables = new WeakSet<TableNode>();
  readonly diagnostics: SqlDiagnostic[] = [];
  readonly diagnosticKeys = new Set<string>();
  /**
   * Every indirect read the walk met, in order of appearance (key → position): the order
   * of the result, and the reads reported when the output columns are unknown.
   */
  readonly readOrder = new Map<string, number>();
  readonly allReads: IndirectRead[] = [];
  /** Non-zero while resolving an indirect read: those clauses were never diagnosed, and are not now. */
  silent = 0;
  readonly toChar: (byteOffset: number) => number;

  constructor(
    readonly sql: string,
    readonly columnsOf: ColumnsOf,
    /** Whether non-value clauses must be searched for subqueries (unknown: yes). */
    readonly mayHaveSubqueries: boolean,
    /**
     * Whether the SQL was written in DuckDB (not transpiled from another dialect): forms
     * whose column names the engine makes up (PIVOT) are only modelled for DuckDB's names.
     */
    readonly duckdbNames = true,
  ) {
    this.toChar = byteToCharOffsets(sql);
  }

  diagnose(
    severity: SqlDiagnostic["severity"],
    code: string,
    message: string,
    location?: number,
    suggestion?: string,
  ): void {
    if (this.silent > 0) return;
    const offset = this.offsetOf(location);
    // Recursive CTEs are walked more than once: report each finding once.
    const key = `${code}\u0000${offset}\u0000${message}`;
    if (this.diagnosticKeys.has(key)) return;
    this.diagnosticKeys.add(key);
    const diagnostic: SqlDiagnostic = { severity, code, message };
    if (offset !== undefined) diagnostic.offset = offset;
    if (suggestion !== undefined) diagnostic.suggestion = suggestion;
    this.diagnostics.push(diagnostic);
  }

  /** One indirect read, registered in order of appearance. */
  read(source: { table: string[]; column: string }, via: IndirectVia): IndirectRead {
    const read: IndirectRead = { table: source.table, column: source.column, via };
    const key = indirectKey(read);
    const seen = this.readOrder.get(key);
    if (seen !== undefined) return this.allReads[seen] as IndirectRead;
    this.readOrder.set(key, this.allReads.length);
    this.allReads.push(read);
    return read;
  }

  offsetOf(location: number | undefined): number | undefined {
    if (location === undefined || location === NO_LOCATION || location < 0) return undefined;
    return this.toChar(location);
  }
}

export function named(name: string, value: ColumnValue): NamedColumn {
  const column: NamedColumn = { name, sources: value.sources, transform: value.transform };
  if (value.indirect) column.indirect = value.indirect;
  return column;
}

export function newScope(env: CteEnv, parent: Scope | undefined): Scope {
  const scope: Scope = {
    bindings: [],
    env,
    lateral: new Map(),
    usingColumns: new Map(),
    rows: new IndirectSet(),
  };
  if (parent) scope.parent = parent;
  return scope;
}

export function isExpr(value: unknown): value is ExprNode {
  return (
    value !== null && typeof value === "object" && typeof (value as { class?: unknown }).class === "string"
  );
}

export function sourceCount(relation: Relation): number {
  return relation.columns?.reduce((n, c) => n + c.sources.length, 0) ?? -1;
}
