/**
 * Column lineage of one model: a scope walk over DuckDB's JSON AST (as sqlglot's scope
 * lineage does) that yields every output column with all its sources at once, traced
 * through CTEs, FROM-subqueries and set operations down to the tables the model reads.
 *
 * Value lineage: a column is a source when the output's value is computed from it
 * (CASE conditions, an aggregate's FILTER condition and an ordered-set aggregate's
 * ORDER BY included). Columns used only to filter, join, group or order rows (WHERE,
 * JOIN ON, GROUP BY, HAVING, QUALIFY, window PARTITION BY / ORDER BY) are not; they are
 * collected as indirect reads (SPEC §15), resolved through CTEs and subqueries the same way.
 */

import type { CteEntry, ExprNode, QueryNode, Statement, TableNode } from "./ast.ts";
import { SQL_CODES } from "./codes.ts";
import { UNNEST_FIELDS } from "./dialect-normalize.ts";
import {
  displayFunctionName,
  isAggregate,
  isOrderedSetAggregate,
  isSpecialValueName,
  takesLambda,
} from "./functions.ts";
import { byteToCharOffsets, NO_LOCATION } from "./offsets.ts";
import {
  type Binding,
  bindingColumn,
  bindingHas,
  bindingLabel,
  bindingMatches,
  bindingStar,
  type ColumnValue,
  CteEnv,
  type CteState,
  closedRelation,
  maxTransform,
  mergeValues,
  type NamedColumn,
  type Relation,
  renameColumns,
  type Scope,
  type Unexpanded,
  ValueAccumulator,
} from "./scope.ts";
import { dottedNameEnd, findDottedName } from "./span.ts";
import { scanTableRefs } from "./textscan.ts";
import type {
  ColumnsOf,
  IndirectSource,
  IndirectVia,
  ModelAnalysis,
  OutputColumn,
  ParsedSql,
  SqlDiagnostic,
  TableRefSpan,
} from "./types.ts";

export { SQL_CODES } from "./codes.ts";

export function analyzeModel(sql: string, parsed: ParsedSql, columnsOf: ColumnsOf): ModelAnalysis {
  if (!parsed.ok && parsed.unsupported) {
    return {
      tableRefs: scanTableRefs(sql),
      columns: undefined,
      diagnostics: [
        {
          severity: "Warning",
          code: SQL_CODES.unsupportedStatement,
          message: `column lineage unavailable: DuckDB cannot serialise this statement (${parsed.error.replace(/!$/, "")}); its table references come from a scan of the text`,
          suggestion: "write the PIVOT as SELECT … FROM t PIVOT (…) or with explicit aggregates",
        },
      ],
    };
  }
  if (!parsed.ok) {
    const diagnostic: SqlDiagnostic = {
      severity: "Error",
      code: SQL_CODES.parseError,
      message: `SQL parse error: ${parsed.error}`,
    };
    if (parsed.offset !== undefined) diagnostic.offset = parsed.offset;
    return { tableRefs: [], columns: undefined, diagnostics: [diagnostic] };
  }
  const statements = parsed.statements as Statement[];
  const first = statements[0];
  if (first === undefined) {
    return {
      tableRefs: [],
      columns: undefined,
      diagnostics: [{ severity: "Error", code: SQL_CODES.empty, message: "the model has no SQL statement" }],
    };
  }
  const walker = new ModelWalker(
    sql,
    columnsOf,
    statements.some((st) => st.rocky_has_subquery !== false),
  );
  try {
    if (statements.length > 1) {
      walker.diagnose(
        "Error",
        SQL_CODES.severalStatements,
        "a model must be one SELECT statement; found several",
      );
      for (const statement of statements) walker.query(statement.node, new CteEnv(), undefined);
      return walker.result(undefined);
    }
    const relation = walker.query(first.node, new CteEnv(), undefined);
    return walker.result(relation);
  } catch (error) {
    // An AST shape this walker does not expect must cost one model, not the compile.
    walker.diagnose("Error", SQL_CODES.internal, `internal error while analysing the SQL: ${String(error)}`);
    return walker.result(undefined);
  }
}

type SelectItem =
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

type StarItem = Extract<SelectItem, { kind: "star" }>;

class ModelWalker {
  private readonly tableRefs: TableRefSpan[] = [];
  private readonly refStarts = new Set<number>();
  private readonly recordedTables = new WeakSet<TableNode>();
  private readonly diagnostics: SqlDiagnostic[] = [];
  private readonly diagnosticKeys = new Set<string>();
  private readonly indirectReads: IndirectSource[] = [];
  private readonly indirectKeys = new Set<string>();
  /** Non-zero while resolving an indirect read: those clauses were never diagnosed, and are not now. */
  private silent = 0;
  private readonly toChar: (byteOffset: number) => number;

  constructor(
    private readonly sql: string,
    private readonly columnsOf: ColumnsOf,
    /** Whether non-value clauses must be searched for subqueries (unknown: yes). */
    private readonly mayHaveSubqueries: boolean,
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

  result(relation: Relation | undefined): ModelAnalysis {
    this.tableRefs.sort((a, b) => a.start - b.start);
    let columns: OutputColumn[] | undefined;
    if (relation?.columns) {
      const names = warehouseNames(relation.columns.map((c) => c.name));
      columns = relation.columns.map((column, i) => {
        const name = names[i] ?? column.name;
        if (name !== column.name) {
          this.diagnose(
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
          this.diagnose(
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
        this.diagnose(
          "Warning",
          SQL_CODES.starUnexpanded,
          `cannot expand * over ${star.table}: its columns are unknown`,
          star.offset,
          `list the columns explicitly; if ${star.table} is an external source, declare its columns in [sources.${star.table}]`,
        );
      }
    }
    const analysis: ModelAnalysis = { tableRefs: this.tableRefs, columns, diagnostics: this.diagnostics };
    if (this.indirectReads.length > 0) analysis.indirect = this.indirectReads;
    return analysis;
  }

  private offsetOf(location: number | undefined): number | undefined {
    if (location === undefined || location === NO_LOCATION || location < 0) return undefined;
    return this.toChar(location);
  }

  // ---- queries --------------------------------------------------------------------

  query(node: QueryNode, outerEnv: CteEnv, outer: Scope | undefined): Relation {
    const { env, declared } = this.declareCtes(node, outerEnv);
    let relation: Relation;
    switch (node.type) {
      case "SELECT_NODE":
        relation = this.select(node, env, outer);
        break;
      case "SET_OPERATION_NODE":
        relation = this.setOperation(node, env, outer);
        break;
      case "RECURSIVE_CTE_NODE":
        relation = this.recursiveCte(node, env, outer);
        break;
      default:
        relation = this.unknownQuery(node, env, outer);
    }
    // CTEs nobody selects from still read tables (and the run engine rewrites those).
    for (const state of declared) this.cteRelation(state);
    return relation;
  }

  /**
   * One scope level per CTE: a CTE sees the CTEs before it (and itself, which only a
   * recursive CTE uses), so `WITH a AS (SELECT * FROM b), b AS (…)` reads the table b.
   */
  private declareCtes(node: QueryNode, outerEnv: CteEnv): { env: CteEnv; declared: CteState[] } {
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

  private cteRelation(state: CteState): Relation {
    if (state.relation) return state.relation;
    state.inProgress = true;
    const relation = renameColumns(this.query(state.statement.node, state.env, undefined), state.aliases);
    state.inProgress = false;
    state.relation = relation;
    return relation;
  }

  /** `WITH RECURSIVE r AS (anchor UNION step)`: the step reads r, so iterate to a fixpoint. */
  private recursiveCte(node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
    const state = node.cte_name === undefined ? undefined : env.find(node.cte_name);
    const anchor = node.left ? this.query(node.left, env, outer) : closedRelation([]);
    if (!node.right) return anchor;
    let current = renameColumns(anchor, state?.aliases);
    for (let round = 0; round < 4; round++) {
      if (state) state.provisional = current;
      const step = this.query(node.right, env, outer);
      const next = renameColumns(this.combine(anchor, step, false, node.query_location), state?.aliases);
      const stable = sourceCount(next) === sourceCount(current);
      current = next;
      if (stable) break;
    }
    if (state) state.provisional = undefined;
    return current;
  }

  private setOperation(node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
    const branches = node.children ?? [node.left, node.right].filter((b): b is QueryNode => b !== undefined);
    const byName = node.setop_type === "UNION_BY_NAME";
    let relation: Relation | undefined;
    for (const branch of branches) {
      const next = this.query(branch, env, outer);
      relation = relation === undefined ? next : this.combine(relation, next, byName, node.query_location);
    }
    return relation ?? closedRelation([]);
  }

  /** UNION / INTERSECT / EXCEPT: positional (names from the first branch) or by name. */
  private combine(left: Relation, right: Relation, byName: boolean, location?: number): Relation {
    if (left.columns && right.columns) {
      if (byName) {
        const merged = new Map<string, NamedColumn>();
        for (const column of [...left.columns, ...right.columns]) {
          const key = column.name.toLowerCase();
          const before = merged.get(key);
          merged.set(key, before ? named(before.name, mergeValues([before, column])) : column);
        }
        return closedRelation([...merged.values()]);
      }
      if (left.columns.length !== right.columns.length) {
        this.diagnose(
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
      );
    }
    // A branch with an unexpandable `*`: only by-name lookups can be answered.
    return {
      columns: undefined,
      has: (name) => (left.has(name) || right.has(name) ? true : undefined),
      lookup(name) {
        const values = [left.lookup(name), right.lookup(name)].filter(
          (v): v is ColumnValue => v !== undefined,
        );
        return values.length === 0 ? undefined : mergeValues(values);
      },
      unexpanded: [...left.unexpanded, ...right.unexpanded],
    };
  }

  /** Query node types this walker does not model: still collect the tables they read. */
  private unknownQuery(node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
    const scope = newScope(env, outer);
    for (const key in node) this.discoverTables(node[key], scope);
    return {
      columns: undefined,
      has: () => undefined,
      lookup: () => undefined,
      unexpanded: [{ table: `(${node.type.toLowerCase()})` }],
    };
  }

  private select(node: QueryNode, env: CteEnv, outer: Scope | undefined): Relation {
    const scope = newScope(env, outer);
    if (node.from_table) this.from(node.from_table, scope);
    const items: SelectItem[] = [];
    const selectList = node.select_list ?? [];
    for (let i = 0; i < selectList.length; i++) {
      const item = selectList[i] as ExprNode;
      if (item.class === "STAR") {
        items.push(this.star(item, scope));
        continue;
      }
      const acc = new ValueAccumulator();
      this.expr(item, scope, acc);
      if (acc.expandsColumns) {
        // `min(COLUMNS(*))` is one output column per matched column: not modelled.
        const star: StarItem = { ...this.star({ class: "STAR", type: "STAR" }, scope), opaque: "COLUMNS(…)" };
        if (item.query_location !== undefined) star.offset = item.query_location;
        items.push(star);
        continue;
      }
      const column = named(this.outputName(item, i), acc.value());
      if (item.query_location !== undefined) column.location = item.query_location;
      items.push({ kind: "column", column });
      const key = column.name.toLowerCase();
      if (!scope.lateral.has(key)) scope.lateral.set(key, acc.value());
    }
    // Row filters, grouping and ordering: not value sources but indirect reads (SPEC §15).
    this.indirect(node.where_clause, scope, "where");
    // DuckDB serialises GROUP BY as `group_expressions` (`groups` in older shapes).
    this.indirect(node.group_expressions ?? node.groups, scope, "group_by", items);
    this.indirect(node.having, scope, "having");
    this.indirect(node.qualify, scope, "qualify");
    this.modifiers(node.modifiers, scope, items);
    return this.relationOf(items);
  }

  private outputName(item: ExprNode, index: number): string {
    if (item.alias) return item.alias;
    if (item.class === "COLUMN_REF" && item.column_names && item.column_names.length > 0) {
      return item.column_names[item.column_names.length - 1] as string;
    }
    if (item.rocky_default_name) return item.rocky_default_name;
    const name = `column${index}`;
    this.diagnose(
      "Info",
      SQL_CODES.unnamedExpression,
      `select item ${index + 1} has no alias; lineage calls it "${name}"`,
      item.query_location,
      "give the expression an alias",
    );
    return name;
  }

  private star(item: ExprNode, scope: Scope): StarItem {
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
      this.expr(entry.value, scope, acc);
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
  private expandStar(
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
        columns.push({
          name: item.rename.get(key) ?? column.name,
          sources: value.sources,
          transform: value.transform,
        });
      }
    }
    return complete ? columns : undefined;
  }

  private relationOf(items: SelectItem[]): Relation {
    const unexpanded: Unexpanded[] = [];
    const columns: NamedColumn[] = [];
    let complete = true;
    for (const item of items) {
      if (item.kind === "column") {
        columns.push(item.column);
        continue;
      }
      const expanded = this.expandStar(item, unexpanded);
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

  // ---- FROM -----------------------------------------------------------------------

  private from(table: TableNode, scope: Scope): void {
    switch (table.type) {
      case "BASE_TABLE":
        this.baseTable(table, scope);
        return;
      case "JOIN": {
        if (table.left) this.from(table.left, scope);
        const before = scope.bindings.length;
        if (table.right) this.from(table.right, scope);
        const using =
          table.ref_type === "NATURAL"
            ? naturalJoinColumns(scope.bindings, before)
            : (table.using_columns ?? []);
        if (using.length > 0) {
          const hidden = new Set(using.map((c) => c.toLowerCase()));
          for (const binding of scope.bindings.slice(before)) {
            if (binding.kind !== "lambda") binding.hidden = new Set([...(binding.hidden ?? []), ...hidden]);
          }
          for (const name of hidden)
            scope.usingColumns.set(name, table.join_type === "FULL" ? "both" : "left");
        }
        for (const name of using) this.usingRead(name, scope);
        this.indirect(table.condition, scope, "join");
        return;
      }
      case "SUBQUERY": {
        if (!table.subquery) return;
        // Preceding FROM items are visible to a LATERAL subquery: pass the scope as outer.
        const relation = renameColumns(
          this.query(table.subquery.node, scope.env, scope),
          table.column_name_alias,
        );
        const binding: Binding = { kind: "relation", relation };
        if (table.alias) binding.alias = table.alias.toLowerCase();
        scope.bindings.push(binding);
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
            if (value) this.expr(value, scope, acc);
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
        this.tableFunction(table, scope);
        return;
      case "EMPTY":
        return;
      default: {
        // SHOW_REF, PIVOT (in newer DuckDB), …: read the tables inside, columns unknown.
        for (const key in table) this.discoverTables(table[key], scope);
        const binding: Binding = { kind: "opaque", label: table.type.toLowerCase() };
        if (table.alias) binding.alias = table.alias.toLowerCase();
        scope.bindings.push(binding);
      }
    }
  }

  private baseTable(table: TableNode, scope: Scope): void {
    const name = table.table_name ?? "";
    const parts = [table.catalog_name, table.schema_name, name].filter(
      (p): p is string => p !== undefined && p !== "",
    );
    const alias = table.alias?.toLowerCase();
    if (parts.length === 1) {
      const cte = scope.env.find(name);
      // Inside its own (non-recursive) body, a CTE's name means the real table.
      if (cte && (!cte.inProgress || cte.provisional)) {
        const relation = cte.inProgress ? (cte.provisional as Relation) : this.cteRelation(cte);
        scope.bindings.push({
          kind: "relation",
          alias: alias ?? name.toLowerCase(),
          relation: renameColumns(relation, table.column_name_alias),
        });
        return;
      }
    }
    this.recordTableRef(table, parts);
    const columns = this.columnsOf(parts);
    if (table.column_name_alias && table.column_name_alias.length > 0 && columns) {
      const relation = renameColumns(
        closedRelation(
          columns.map((c) => ({ name: c, sources: [{ table: parts, column: c }], transform: "direct" })),
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

  private recordTableRef(table: TableNode, parts: string[]): void {
    // Recursive CTE bodies are walked more than once: each FROM item is one reference.
    if (this.recordedTables.has(table)) return;
    this.recordedTables.add(table);
    const at = this.offsetOf(table.query_location);
    const end = at === undefined ? undefined : dottedNameEnd(this.sql, at, parts);
    let span = at !== undefined && end !== undefined ? { start: at, end } : undefined;
    // No usable location: the first occurrence of the name not yet recorded.
    for (let from = 0; span === undefined; ) {
      const found = findDottedName(this.sql, parts, from);
      if (found === undefined) {
        this.diagnose("Warning", SQL_CODES.refNotFound, `cannot find ${parts.join(".")} in the SQL text`);
        return;
      }
      if (!this.refStarts.has(found.start)) span = found;
      from = found.start + 1;
    }
    this.refStarts.add(span.start);
    this.tableRefs.push({ parts, start: span.start, end: span.end });
  }

  private tableFunction(table: TableNode, scope: Scope): void {
    const fn = table.function;
    const name = (fn?.function_name ?? "table_function").toLowerCase();
    const alias = table.alias?.toLowerCase();
    if (fn && (name === "unnest" || name === "generate_series" || name === "range")) {
      // The value of an UNNEST row comes from its argument (often a column of a preceding table).
      const acc = new ValueAccumulator();
      this.expr(fn, scope, acc);
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
    if (fn) this.quiet(fn, scope);
    scope.bindings.push({ kind: "opaque", alias: alias ?? name, label: `${name}(…)` });
  }

  // ---- expressions ----------------------------------------------------------------

  private expr(node: ExprNode, scope: Scope, acc: ValueAccumulator): void {
    switch (node.class) {
      case "COLUMN_REF":
        acc.add(this.resolve(node, scope));
        return;
      case "CONSTANT":
        acc.bump("expression");
        return;
      case "CAST":
        acc.bump("cast");
        if (node.child) this.expr(node.child, scope, acc);
        return;
      case "FUNCTION": {
        const fn = (node.function_name ?? "").toLowerCase();
        acc.bump(
          !node.is_operator && isAggregate(fn) ? `aggregation: ${displayFunctionName(fn)}` : "expression",
        );
        const lambdas = takesLambda(fn);
        for (const child of node.children ?? []) {
          if (lambdas && child.class === "LAMBDA") this.lambda(child, scope, acc);
          else this.expr(child, scope, acc);
        }
        // `FILTER (WHERE c)` is a CASE in disguise: c decides the value, so it is a source.
        if (isExpr(node.filter)) this.expr(node.filter, scope, acc);
        // An ordered-set aggregate's argument sits in its ORDER BY (`percentile_cont(p)
        // WITHIN GROUP (ORDER BY x)`); an ordinary aggregate's ORDER BY only orders.
        if (isOrderedSetAggregate(fn)) this.walkChildren(node.order_bys, scope, acc);
        else this.quiet(node.order_bys, scope);
        return;
      }
      case "WINDOW": {
        acc.bump(`window: ${displayFunctionName(node.function_name ?? "")}`);
        for (const child of node.children ?? []) this.expr(child, scope, acc);
        if (isExpr(node.default_expr)) this.expr(node.default_expr, scope, acc);
        this.indirect(node.partitions, scope, "window_partition");
        this.indirect(node.orders, scope, "window_order");
        for (const key of ["filter_expr", "start_expr", "end_expr", "offset_expr"]) {
          this.quiet(node[key], scope);
        }
        return;
      }
      case "SUBQUERY":
        this.subqueryExpr(node, scope, acc);
        return;
      case "POSITIONAL_REFERENCE": {
        // `#2`: the second column of the FROM clause, as `*` would list it.
        const columns = scope.bindings.flatMap((b) => bindingStar(b) ?? []);
        const column = columns[Number(node.index) - 1];
        if (column) acc.add(column);
        else acc.bump("expression");
        return;
      }
      case "LAMBDA":
        // Outside a lambda-taking function, `j -> '$.a'` is JSON access to j (DuckDB
        // parses both the same way).
        acc.bump("expression");
        if (node.lhs) this.expr(node.lhs, scope, acc);
        if (node.expr) this.expr(node.expr, scope, acc);
        return;
      case "STAR": {
        // A star inside an expression (`struct_pack(*)`, `COLUMNS(*)` in a function).
        acc.bump("expression");
        if (node.columns) acc.expandsColumns = true;
        const columns = this.expandStar(this.star(node, scope), []);
        for (const column of columns ?? []) acc.add({ sources: column.sources, transform: "direct" });
        return;
      }
      default:
        acc.bump("expression");
        this.walkChildren(node, scope, acc);
    }
  }

  /** `x -> x + 1` as an argument of a lambda-taking function: x is a parameter, not a column. */
  private lambda(node: ExprNode, scope: Scope, acc: ValueAccumulator): void {
    acc.bump("expression");
    const params = new Set<string>();
    const lhs = node.lhs;
    const paramNodes = lhs?.class === "COLUMN_REF" ? [lhs] : (lhs?.children ?? []);
    for (const param of paramNodes) {
      const paramName = param.column_names?.[0];
      if (paramName) params.add(paramName.toLowerCase());
    }
    const lambdaScope = newScope(scope.env, scope);
    lambdaScope.bindings.push({ kind: "lambda", params });
    if (node.expr) this.expr(node.expr, lambdaScope, acc);
  }

  /** Every nested expression is a value source (CASE conditions, COALESCE arguments, …). */
  private walkChildren(value: unknown, scope: Scope, acc: ValueAccumulator): void {
    if (Array.isArray(value)) {
      for (const item of value) {
        if (isExpr(item)) this.expr(item, scope, acc);
        else this.walkChildren(item, scope, acc);
      }
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (child === null || typeof child !== "object") continue;
      if (isExpr(child)) this.expr(child, scope, acc);
      else this.walkChildren(child, scope, acc);
    }
  }

  private subqueryExpr(node: ExprNode, scope: Scope, acc: ValueAccumulator): void {
    const relation = node.subquery ? this.query(node.subquery.node, scope.env, scope) : undefined;
    const kind = node.subquery_type ?? "SCALAR";
    if (node.child) {
      acc.bump("expression");
      this.expr(node.child, scope, acc);
    }
    if (kind === "EXISTS" || kind === "NOT_EXISTS") {
      // The value says whether rows exist: no column of the subquery flows into it.
      acc.bump("expression");
      return;
    }
    if (kind !== "SCALAR") acc.bump("expression");
    const first = relation?.columns?.[0];
    if (first) acc.add(first);
  }

  /**
   * For node types the walker does not model: find the queries, FROM items and
   * subqueries inside, so the tables they read are still table refs.
   */
  private discoverTables(value: unknown, scope: Scope): void {
    if (Array.isArray(value)) {
      for (const item of value) this.discoverTables(item, scope);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const type = record.type;
    if (type === "SELECT_NODE" || type === "SET_OPERATION_NODE" || type === "RECURSIVE_CTE_NODE") {
      this.query(record as unknown as QueryNode, scope.env, scope);
    } else if (record.class === "SUBQUERY") {
      this.quiet(record, scope);
    } else if (
      type === "BASE_TABLE" ||
      type === "JOIN" ||
      (type === "SUBQUERY" && record.class === undefined)
    ) {
      this.from(record as unknown as TableNode, newScope(scope.env, scope));
    } else {
      for (const key in record) this.discoverTables(record[key], scope);
    }
  }

  /** Walks a non-value clause only for the subqueries in it (their tables, their findings). */
  private quiet(value: unknown, scope: Scope): void {
    if (!this.mayHaveSubqueries) return;
    if (Array.isArray(value)) {
      for (const item of value) this.quiet(item, scope);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (record.class === "SUBQUERY") {
      const subquery = record.subquery as Statement | undefined;
      if (subquery) this.query(subquery.node, scope.env, scope);
      this.quiet(record.child, scope);
      return;
    }
    for (const key in record) this.quiet(record[key], scope);
  }

  // ---- indirect reads ---------------------------------------------------------------

  /**
   * A non-value clause: each column it reads is an indirect read, resolved like a value
   * source; its subqueries are walked as queries (their tables, their findings).
   * `items` lets `GROUP BY 1` / `ORDER BY 1` name the select item they mean.
   */
  private indirect(value: unknown, scope: Scope, via: IndirectVia, items?: SelectItem[]): void {
    if (value === null || value === undefined) return;
    const acc = new ValueAccumulator();
    this.collectReads(value, scope, acc, items);
    this.recordReads(acc, via);
  }

  private recordReads(acc: ValueAccumulator, via: IndirectVia): void {
    for (const source of acc.value().sources) {
      const key = `${source.table.join(".")}\u0000${source.column}\u0000${via}`.toLowerCase();
      if (this.indirectKeys.has(key)) continue;
      this.indirectKeys.add(key);
      this.indirectReads.push({ table: source.table, column: source.column, via });
    }
  }

  private collectReads(value: unknown, scope: Scope, acc: ValueAccumulator, items?: SelectItem[]): void {
    if (Array.isArray(value)) {
      for (const item of value) this.collectReads(item, scope, acc, items);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    switch (record.class) {
      case "COLUMN_REF":
        this.silent++;
        try {
          acc.add(this.resolve(record as ExprNode, scope));
        } finally {
          this.silent--;
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
        const relation = subquery ? this.query(subquery.node, scope.env, scope) : undefined;
        // `x IN (SELECT id …)`: id decides which rows pass; EXISTS reads no column's value.
        const kind = record.subquery_type ?? "SCALAR";
        this.collectReads(record.child, scope, acc);
        const first = relation?.columns?.[0];
        if (first && kind !== "EXISTS" && kind !== "NOT_EXISTS") acc.add(first);
        return;
      }
      case "FUNCTION": {
        if (takesLambda(String(record.function_name ?? "").toLowerCase())) {
          for (const child of (record.children as ExprNode[] | undefined) ?? []) {
            if (child.class !== "LAMBDA") {
              this.collectReads(child, scope, acc);
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
            this.collectReads(child.expr, lambdaScope, acc);
          }
          for (const key in record) if (key !== "children") this.collectReads(record[key], scope, acc);
          return;
        }
        break;
      }
    }
    for (const key in record) this.collectReads(record[key], scope, acc, items);
  }

  /** ORDER BY decides which rows a LIMIT keeps; DISTINCT ON, which row of each group. */
  private modifiers(value: unknown, scope: Scope, items: SelectItem[]): void {
    const modifiers = Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
    const limited = modifiers.some((m) => m.type === "LIMIT_MODIFIER" || m.type === "LIMIT_PERCENT_MODIFIER");
    for (const modifier of modifiers) {
      if (modifier.type === "ORDER_MODIFIER" && limited) this.indirect(modifier, scope, "order_limit", items);
      else if (modifier.type === "DISTINCT_MODIFIER") this.indirect(modifier, scope, "distinct", items);
      else this.quiet(modifier, scope);
    }
  }

  /** `JOIN … USING (k)`: k of every side that has it decides which rows pair up. */
  private usingRead(name: string, scope: Scope): void {
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
    this.recordReads(acc, "join");
  }

  // ---- column resolution ----------------------------------------------------------

  private resolve(node: ExprNode, scope: Scope): ColumnValue {
    const parts = node.column_names ?? [];
    if (
      parts.length === 1 &&
      isSpecialValueName(parts[0] ?? "") &&
      !this.someBindingHas(scope, parts[0] ?? "")
    ) {
      return { sources: [], transform: "expression" };
    }
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const found = this.resolveIn(s, parts, node.query_location);
      if (found) return found;
      const first = parts[0];
      if (first !== undefined) {
        const lateral = s.lateral.get(first.toLowerCase());
        if (lateral)
          return parts.length > 1
            ? { sources: lateral.sources, transform: maxTransform(lateral.transform, "expression") }
            : lateral;
      }
    }
    // `SELECT t FROM t`: the whole row as a struct.
    const row = parts.length === 1 ? this.wholeRow(scope, parts[0] as string) : undefined;
    if (row) return row;
    this.diagnose(
      "Warning",
      SQL_CODES.unknownColumn,
      `column ${parts.join(".")} is not a column of any table in scope`,
      node.query_location,
    );
    return { sources: [], transform: "direct" };
  }

  private wholeRow(scope: Scope, name: string): ColumnValue | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const binding = s.bindings.find((b) => bindingMatches(b, [name]));
      if (!binding) continue;
      const acc = new ValueAccumulator();
      acc.bump("expression");
      for (const column of bindingStar(binding) ?? []) acc.add(column);
      return acc.value();
    }
    return undefined;
  }

  private columnOf(binding: Binding, column: string, location: number | undefined): ColumnValue | undefined {
    if (binding.kind === "opaque") {
      // Say so, or the column would look like a literal (no sources).
      this.diagnose(
        "Warning",
        SQL_CODES.opaqueSource,
        `lineage of ${column} stops at ${binding.label}: the columns it outputs are not traced`,
        location,
      );
    }
    return bindingColumn(binding, column);
  }

  private someBindingHas(scope: Scope, column: string): boolean {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.bindings.some((b) => bindingHas(b, column) === true)) return true;
    }
    return false;
  }

  private resolveIn(scope: Scope, parts: string[], location: number | undefined): ColumnValue | undefined {
    // Qualified: the longest qualifier that names a FROM item; the rest are struct fields.
    for (let k = Math.min(parts.length - 1, 3); k >= 1; k--) {
      const qualifier = parts.slice(0, k);
      const binding = scope.bindings.find((b) => bindingMatches(b, qualifier));
      if (!binding) continue;
      const column = parts[k] as string;
      const value = this.columnOf(binding, column, location);
      // `e.x` where e is both a FROM item and its own column (BigQuery UNNEST(arr) AS e):
      // DuckDB reads a field of that column when the table has no column x.
      const first = parts[0] as string;
      if (!value && k === 1 && bindingHas(binding, first) === true) {
        const whole = this.columnOf(binding, first, location);
        if (whole) return { sources: whole.sources, transform: maxTransform(whole.transform, "expression") };
      }
      if (!value) {
        this.diagnose(
          "Warning",
          SQL_CODES.unknownColumn,
          `${bindingLabel(binding)} has no column ${column}`,
          location,
        );
        return { sources: [], transform: "direct" };
      }
      return k < parts.length - 1
        ? { sources: value.sources, transform: maxTransform(value.transform, "expression") }
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
      this.diagnose(
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
      this.diagnose(
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
      value = this.columnOf(chosen[0] as Binding, column, location) ?? { sources: [], transform: "direct" };
    } else {
      const values: ColumnValue[] = [];
      for (const binding of chosen) {
        const each = this.columnOf(binding, column, location);
        if (each) values.push(each);
      }
      value = mergeValues(values);
    }
    return parts.length > 1
      ? { sources: value.sources, transform: maxTransform(value.transform, "expression") }
      : value;
  }
}

/** NATURAL JOIN joins on the names both sides have (when their columns are known). */
function naturalJoinColumns(bindings: Binding[], rightStart: number): string[] {
  const names = (side: Binding[]) =>
    new Set(side.flatMap((b) => bindingStar(b) ?? []).map((c) => c.name.toLowerCase()));
  const left = names(bindings.slice(0, rightStart));
  return [...names(bindings.slice(rightStart))].filter((name) => left.has(name));
}

function named(name: string, value: ColumnValue): NamedColumn {
  return { name, sources: value.sources, transform: value.transform };
}

function newScope(env: CteEnv, parent: Scope | undefined): Scope {
  const scope: Scope = { bindings: [], env, lateral: new Map(), usingColumns: new Map() };
  if (parent) scope.parent = parent;
  return scope;
}

function isExpr(value: unknown): value is ExprNode {
  return (
    value !== null && typeof value === "object" && typeof (value as { class?: unknown }).class === "string"
  );
}

function sourceCount(relation: Relation): number {
  return relation.columns?.reduce((n, c) => n + c.sources.length, 0) ?? -1;
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
