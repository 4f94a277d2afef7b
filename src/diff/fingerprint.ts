/**
 * Fingerprints of a model's output columns, for `rocky diff`: two versions of a model
 * whose column has the same fingerprint compute it the same way, whatever the
 * formatting. Derived from DuckDB's JSON AST (the parse compile uses), so whitespace,
 * comments and keyword case never reach it; aliases are dropped and column references
 * are replaced by what they resolve to (a table's column, or the fingerprint of a CTE's
 * or subquery's column), so renaming a table alias or inlining nothing changes nothing.
 *
 * Per column: `expr` (how its value is computed, traced through CTEs and subqueries)
 * and `type` (a CAST's target, where the expression is one). Per model: `rows` — the
 * FROM/JOIN structure, WHERE, GROUP BY, HAVING, QUALIFY, DISTINCT and LIMIT of the
 * output scope and of every scope it reads from. An AST shape not handled here becomes
 * an opaque but still formatting-free fingerprint of that node: never a false "same".
 */
import type { ExprNode, QueryNode, Statement, TableNode } from "../sql/ast.ts";

export interface ColumnPrint {
  expr: string;
  type?: string;
}

export interface ModelPrint {
  /** By lower-cased output name. */
  columns: Map<string, ColumnPrint>;
  rows: string;
}

interface Rel {
  /** Explicit output columns by lower-cased name (first wins, like a lookup would). */
  cols: Map<string, ColumnPrint>;
  /** Output order (names as written), for positional set operations and renames. */
  order: { name: string; print: ColumnPrint }[];
  /** `*` items whose columns are not listed here: lookups fall through to them. */
  stars: Binding[];
  rows: string;
}

type Binding = { kind: "table"; alias: string; name: string } | { kind: "query"; alias: string; rel: Rel };

type CteMap = Map<string, Rel>;

const DROP = new Set(["query_location", "alias", "rocky_default_name"]);

function lower(s: string | undefined): string {
  return (s ?? "").toLowerCase();
}

function typeText(t: unknown): string | undefined {
  if (!t || typeof t !== "object") return undefined;
  const o = t as { id?: string; type_info?: Record<string, unknown> };
  if (!o.id) return undefined;
  const info = o.type_info;
  if (info && typeof info.width === "number" && typeof info.scale === "number")
    return `${o.id}(${info.width},${info.scale})`;
  if (info && o.id === "USER" && typeof info.user_type_name === "string")
    return info.user_type_name.toUpperCase();
  return o.id;
}

class Printer {
  constructor(private readonly typeOfTable: (table: string, column: string) => string | undefined) {}

  /** The fingerprint of a model's first statement; columns named as compile names them. */
  model(statement: Statement, outputNames: readonly string[]): ModelPrint {
    const rel = this.query(statement.node, new Map());
    const columns = new Map<string, ColumnPrint>();
    const used = new Set<number>();
    outputNames.forEach((name, i) => {
      // Position first when it agrees by name (handles DuckDB's de-duplicated `a_1`), then by name.
      const at = rel.order[i];
      let print: ColumnPrint | undefined;
      if (at && lower(at.name) === lower(name) && !used.has(i)) {
        print = at.print;
        used.add(i);
      } else print = this.lookup(rel, name) ?? rel.order.find((o) => lower(o.name) === lower(name))?.print;
      columns.set(lower(name), print ?? { expr: `?${lower(name)}|${rel.rows}` });
    });
    return { columns, rows: rel.rows };
  }

  private lookup(rel: Rel, name: string): ColumnPrint | undefined {
    const hit = rel.cols.get(lower(name));
    if (hit) return hit;
    for (const b of rel.stars) {
      const p = this.fromBinding(b, name);
      if (p) return p;
    }
    return undefined;
  }

  private fromBinding(b: Binding, column: string): ColumnPrint | undefined {
    if (b.kind === "table") {
      const type = this.typeOfTable(b.name, column);
      return { expr: `${b.name}.${lower(column)}`, ...(type ? { type } : {}) };
    }
    return this.lookup(b.rel, column);
  }

  query(node: QueryNode, outer: CteMap): Rel {
    const ctes: CteMap = new Map(outer);
    for (const entry of node.cte_map?.map ?? []) {
      let rel = this.query(entry.value.query.node, ctes);
      if (entry.value.aliases && entry.value.aliases.length > 0) rel = renamed(rel, entry.value.aliases);
      ctes.set(lower(entry.key), rel);
    }
    const mods = this.modifiers(node, ctes, []);
    if (node.type === "SELECT_NODE") return this.select(node, ctes, mods);
    if (node.type === "SET_OPERATION_NODE") {
      const parts = (
        node.children && node.children.length > 0 ? node.children : [node.left, node.right]
      ).filter((x): x is QueryNode => x !== undefined);
      const rels = parts.map((p) => this.query(p, ctes));
      const first = rels[0]!;
      const op = `${node.setop_type ?? "SETOP"}${node.setop_all ? "_ALL" : ""}`;
      const order = first.order.map((o, i) => {
        const prints = rels.map((r) => r.order[i]?.print);
        const type = prints.every((p) => p?.type === prints[0]?.type) ? prints[0]?.type : undefined;
        return {
          name: o.name,
          print: { expr: `${op}(${prints.map((p) => p?.expr ?? "?").join("|")})`, ...(type ? { type } : {}) },
        };
      });
      return {
        cols: byName(order),
        order,
        stars: [],
        rows: `${op}(${rels.map((r) => r.rows).join("|")})${mods}`,
      };
    }
    // RECURSIVE_CTE_NODE and anything newer: opaque, formatting-free.
    const opaque = this.opaque(node, ctes, []);
    return { cols: new Map(), order: [], stars: [], rows: opaque };
  }

  /** DISTINCT, and ORDER BY only when a LIMIT/OFFSET makes it choose rows. */
  private modifiers(node: QueryNode, ctes: CteMap, scope: Binding[]): string {
    const mods = node.modifiers ?? [];
    const limited = mods.some((m) => m.type === "LIMIT_MODIFIER" || m.type === "LIMIT_PERCENT_MODIFIER");
    const kept = mods.filter((m) => m.type !== "ORDER_MODIFIER" || limited);
    return kept.length === 0 ? "" : `#${this.opaque(kept, ctes, scope)}`;
  }

  private select(node: QueryNode, ctes: CteMap, _mods: string): Rel {
    const scope: Binding[] = [];
    const from = node.from_table ? this.from(node.from_table, ctes, scope) : "none";
    const order: { name: string; print: ColumnPrint }[] = [];
    const stars: Binding[] = [];
    const lateral = new Map<string, ColumnPrint>();
    for (const item of node.select_list ?? []) {
      if (item.class === "STAR" && !item.columns) {
        const q = item.relation_name ? lower(item.relation_name) : undefined;
        const bs = q === undefined ? scope : scope.filter((b) => b.alias === q);
        const excluded = new Set(
          (item.exclude_list ?? []).map((e) => lower(typeof e === "string" ? e : (e.name ?? ""))),
        );
        for (const b of bs) {
          if (b.kind === "query" && b.rel.stars.length === 0) {
            for (const o of b.rel.order) if (!excluded.has(lower(o.name))) order.push(o);
          } else stars.push(b);
        }
        for (const r of item.replace_list ?? [])
          order.push({ name: r.key, print: this.expr(r.value, ctes, scope, lateral) });
        continue;
      }
      const print = this.expr(item, ctes, scope, lateral);
      const name =
        item.alias ??
        (item.class === "COLUMN_REF" ? item.column_names?.at(-1) : undefined) ??
        item.rocky_default_name ??
        "?";
      order.push({ name, print });
      if (!lateral.has(lower(name))) lateral.set(lower(name), print);
    }
    const clause = (label: string, e: unknown) =>
      e === undefined ? "" : `;${label}:${this.opaque(e, ctes, scope, lateral)}`;
    const rows = [
      `from:${from}`,
      clause("where", node.where_clause),
      // DuckDB serialises GROUP BY as `group_expressions` + `group_sets` (older: `groups`).
      clause("group", node.group_expressions ?? node.groups),
      clause("group_sets", node.group_sets),
      clause("having", node.having),
      clause("qualify", node.qualify),
      node.aggregate_handling === "FORCE_AGGREGATES" ? ";group_all" : "",
      clause("sample", node.sample),
      this.modifiers(node, ctes, scope),
    ].join("");
    return { cols: byName(order), order, stars, rows };
  }

  /** The FROM clause: bindings into `scope`, and its structure (tables, joins, subqueries' rows). */
  private from(t: TableNode, ctes: CteMap, scope: Binding[]): string {
    switch (t.type) {
      case "BASE_TABLE": {
        const parts = [t.catalog_name, t.schema_name, t.table_name]
          .filter((p): p is string => !!p)
          .map(lower);
        const alias = lower(t.alias ?? t.table_name);
        const cte = parts.length === 1 ? ctes.get(parts[0]!) : undefined;
        if (cte) {
          const rel = t.column_name_alias?.length ? renamed(cte, t.column_name_alias) : cte;
          scope.push({ kind: "query", alias, rel });
          return `cte(${rel.rows})`;
        }
        const name = parts.join(".");
        scope.push({ kind: "table", alias, name });
        return `table(${name})`;
      }
      case "SUBQUERY": {
        let rel = t.subquery ? this.query(t.subquery.node, ctes) : emptyRel("?");
        if (t.column_name_alias?.length) rel = renamed(rel, t.column_name_alias);
        scope.push({ kind: "query", alias: lower(t.alias), rel });
        return `subquery(${rel.rows})`;
      }
      case "JOIN": {
        const left = t.left ? this.from(t.left, ctes, scope) : "?";
        const right = t.right ? this.from(t.right, ctes, scope) : "?";
        const on = t.condition ? this.opaque(t.condition, ctes, scope) : "";
        const using = (t.using_columns ?? []).map(lower).join(",");
        return `join(${t.join_type ?? ""},${t.ref_type ?? ""},${left},${right},on:${on},using:${using})`;
      }
      default: {
        const print = this.opaque(t, ctes, scope);
        scope.push({ kind: "table", alias: lower(t.alias), name: `${t.type}:${print}` });
        return print;
      }
    }
  }

  private expr(e: ExprNode, ctes: CteMap, scope: Binding[], lateral?: Map<string, ColumnPrint>): ColumnPrint {
    if (e.class === "COLUMN_REF") {
      const hit = this.column(e.column_names ?? [], scope, lateral);
      if (hit) return hit;
    }
    const expr = this.opaque(e, ctes, scope, lateral);
    const type = e.class === "CAST" ? typeText(e.cast_type) : undefined;
    return { expr, ...(type ? { type } : {}) };
  }

  /** What a column reference means in this scope, or undefined when it names nothing known. */
  private column(
    names: string[],
    scope: Binding[],
    lateral?: Map<string, ColumnPrint>,
  ): ColumnPrint | undefined {
    if (names.length === 0) return undefined;
    const col = names.at(-1)!;
    if (names.length >= 2) {
      const q = lower(names.at(-2));
      const find = (bs: Binding[]) =>
        bs.find((x) => x.alias === q) ?? bs.find((x) => x.kind === "table" && x.name.endsWith(`.${q}`));
      const b = find(scope) ?? find(this.outer);
      if (b)
        return this.fromBinding(b, col) ?? { expr: `${b.kind === "table" ? b.name : b.alias}.${lower(col)}` };
      return undefined;
    }
    // Unqualified: the one binding that has it; a single table binding otherwise.
    const withCol = scope.filter((b) => b.kind === "query" && this.lookup(b.rel, col) !== undefined);
    if (withCol.length >= 1) return this.fromBinding(withCol[0]!, col);
    const tables = scope.filter((b) => b.kind === "table");
    if (lateral?.has(lower(col)) && tables.length === 0) return lateral.get(lower(col));
    if (tables.length === 1) return this.fromBinding(tables[0]!, col);
    if (tables.length > 1) return { expr: `{${tables.map((t) => t.name).join(",")}}.${lower(col)}` };
    const own = lateral?.get(lower(col));
    if (own || this.outer.length === 0) return own;
    const outer = this.outer;
    this.outer = [];
    try {
      return this.column(names, outer);
    } finally {
      this.outer = outer;
    }
  }

  /** A formatting-free text of any AST value: locations and aliases dropped, column references resolved. */
  private opaque(v: unknown, ctes: CteMap, scope: Binding[], lateral?: Map<string, ColumnPrint>): string {
    if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
    if (Array.isArray(v)) return `[${v.map((x) => this.opaque(x, ctes, scope, lateral)).join(",")}]`;
    const o = v as Record<string, unknown>;
    if (o.class === "COLUMN_REF") {
      const names = (o.column_names as string[] | undefined) ?? [];
      const hit = this.column(names, scope, lateral);
      return hit ? `(${hit.expr})` : `col(${names.map(lower).join(".")})`;
    }
    if (o.class === "SUBQUERY" && o.subquery) {
      // A scalar/IN/EXISTS subquery: its own scope, with the outer one for correlated references.
      const sub = this.queryWithOuter((o.subquery as Statement).node, ctes, scope);
      const child = o.child ? this.opaque(o.child, ctes, scope, lateral) : "";
      return `subq(${String(o.subquery_type)},${child},${sub.order.map((c) => c.print.expr).join("|")},${sub.rows})`;
    }
    const keys = Object.keys(o).filter((k) => !DROP.has(k));
    return `{${keys.map((k) => `${k}:${this.opaque(o[k], ctes, scope, lateral)}`).join(",")}}`;
  }

  /** A subquery expression sees the outer scope's bindings after its own. */
  private queryWithOuter(node: QueryNode, ctes: CteMap, outer: Binding[]): Rel {
    if (node.type !== "SELECT_NODE" || outer.length === 0) return this.query(node, ctes);
    const saved = this.outer;
    this.outer = [...outer, ...saved];
    try {
      return this.query(node, ctes);
    } finally {
      this.outer = saved;
    }
  }

  /** Bindings of enclosing scopes, for correlated subqueries. */
  private outer: Binding[] = [];
}

function byName(order: { name: string; print: ColumnPrint }[]): Map<string, ColumnPrint> {
  const m = new Map<string, ColumnPrint>();
  for (const o of order) if (!m.has(lower(o.name))) m.set(lower(o.name), o.print);
  return m;
}

function renamed(rel: Rel, aliases: readonly string[]): Rel {
  const order = rel.order.map((o, i) => ({ name: aliases[i] ?? o.name, print: o.print }));
  return { ...rel, order, cols: byName(order) };
}

function emptyRel(rows: string): Rel {
  return { cols: new Map(), order: [], stars: [], rows };
}

/**
 * Fingerprint one model from its parsed statements. `outputNames` are compile's names of
 * its output columns; `typeOfTable` answers declared types of external columns.
 * Undefined when the model has no statement to read.
 */
export function fingerprintModel(
  statements: readonly Statement[],
  outputNames: readonly string[],
  typeOfTable: (table: string, column: string) => string | undefined = () => undefined,
): ModelPrint | undefined {
  const first = statements[0];
  if (!first) return undefined;
  return new Printer(typeOfTable).model(first, outputNames);
}
