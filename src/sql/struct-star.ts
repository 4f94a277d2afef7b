/**
 * Databricks `s.*` where `s` is a struct whose fields are written in the query:
 * `from_json(col, 'a INT, b STRING') AS s` in a FROM subquery or CTE. The star is
 * replaced by one field access per field (`s.a AS a`, …), which the lineage walker
 * traces like any struct field, so the fields' source is the JSON column. Any other
 * struct star is left alone (its fields are unknown; the walker says so).
 */
import type { ExprNode, Statement } from "./ast.ts";

type Rec = Record<string, unknown>;

/** Field names of a DDL-style schema string (`a INT, b STRUCT<x: INT>`); undefined if not one. */
export function ddlFieldNames(schema: string): string[] | undefined {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  const take = (end: number) => {
    const field = schema.slice(start, end).trim();
    const m = /^(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*)\s*:?\s+\S/.exec(field);
    if (!m?.[1]) return false;
    names.push(m[1].startsWith("`") ? m[1].slice(1, -1).replace(/``/g, "`") : m[1]);
    return true;
  };
  for (let i = 0; i < schema.length; i++) {
    const ch = schema[i];
    if (ch === "<" || ch === "(") depth++;
    else if (ch === ">" || ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      if (!take(i)) return undefined;
      start = i + 1;
    }
  }
  if (!take(schema.length)) return undefined;
  return names;
}

/** The field names of `from_json(x, '<schema>')`, or undefined. */
function fromJsonFields(expr: ExprNode | undefined): string[] | undefined {
  if (expr?.class !== "FUNCTION" || String(expr.function_name).toLowerCase() !== "from_json")
    return undefined;
  const schema = (expr.children as ExprNode[] | undefined)?.[1];
  if (schema?.class !== "CONSTANT" || typeof schema.value?.value !== "string") return undefined;
  return ddlFieldNames(schema.value.value);
}

/** Struct columns with known fields that a FROM item exposes, by output name (lower case). */
function knownStructs(from: unknown, ctes: Map<string, Rec>, into: Map<string, string[]>): void {
  if (from === null || typeof from !== "object") return;
  const item = from as Rec;
  let node: Rec | undefined;
  if (item.type === "SUBQUERY") node = (item.subquery as Rec | undefined)?.node as Rec | undefined;
  else if (item.type === "BASE_TABLE" && typeof item.table_name === "string" && !item.schema_name)
    node = ctes.get(item.table_name.toLowerCase());
  else if (item.type === "JOIN") {
    knownStructs(item.left, ctes, into);
    knownStructs(item.right, ctes, into);
    return;
  }
  const list = node?.select_list;
  if (!Array.isArray(list)) return;
  for (const e of list as ExprNode[]) {
    const fields = e.alias ? fromJsonFields(e) : undefined;
    if (fields && e.alias) into.set(e.alias.toLowerCase(), fields);
  }
}

export function expandKnownStructStars(statements: Statement[]): void {
  const ctes = new Map<string, Rec>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Rec;
    const map = (record.cte_map as { map?: { key: string; value: { query?: { node?: Rec } } }[] } | undefined)
      ?.map;
    for (const entry of map ?? []) {
      const node = entry.value?.query?.node;
      if (node) ctes.set(entry.key.toLowerCase(), node);
    }
    const list = record.select_list;
    if (Array.isArray(list) && list.some((e: ExprNode) => e.class === "STAR" && e.relation_name)) {
      const structs = new Map<string, string[]>();
      knownStructs(record.from_table, ctes, structs);
      record.select_list = (list as ExprNode[]).flatMap((e) => {
        const rel = typeof e.relation_name === "string" ? e.relation_name : "";
        const fields = e.class === "STAR" && !e.columns ? structs.get(rel.toLowerCase()) : undefined;
        if (!fields || (Array.isArray(e.exclude_list) && e.exclude_list.length > 0)) return [e];
        return fields.map(
          (f): ExprNode => ({
            class: "COLUMN_REF",
            type: "COLUMN_REF",
            alias: f,
            column_names: [rel, f],
            query_location: e.query_location,
          }),
        );
      });
    }
    for (const key in record) {
      const child = record[key];
      if (child !== null && typeof child === "object") visit(child);
    }
  };
  visit(statements);
}
