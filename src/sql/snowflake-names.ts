/**
 * Snowflake names an unaliased select-list expression by its text as the user wrote it,
 * upper-cased (`SELECT b + 1` → column `B + 1`). The DuckDB AST keeps neither the text
 * nor reliable spans (an operator's location is the operator's), so the select lists are
 * read from the user's text and paired, in text order, with the AST's; any mismatch
 * leaves DuckDB's names.
 */
import type { ExprNode, Statement } from "./ast.ts";

const ENDS = new Set([
  "FROM",
  "WHERE",
  "GROUP",
  "HAVING",
  "QUALIFY",
  "ORDER",
  "LIMIT",
  "UNION",
  "EXCEPT",
  "MINUS",
  "INTERSECT",
  "WINDOW",
  "INTO",
]);
const MODIFIERS = new Set(["DISTINCT", "ALL"]);

/** The items of each SELECT's list in `sql`, in text order (strings and comments skipped). */
export function selectListTexts(sql: string): string[][] {
  const lists: { items: string[]; start: number; depth: number; depthAtStart: number }[] = [];
  const open: (typeof lists)[number][] = [];
  let depth = 0;
  let itemStart = -1;
  const cur = () => open[open.length - 1];
  const closeItem = (end: number) => {
    const list = cur();
    if (list && itemStart >= 0) list.items.push(sql.slice(itemStart, end).trim());
    itemStart = -1;
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const list = cur();
    const atListDepth = list !== undefined && depth === list.depthAtStart;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (ch === "'" && sql[j] === "\\") j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      if (list && itemStart < 0 && atListDepth) itemStart = i;
      i = j + 1;
      continue;
    }
    if (ch === "$" && sql[i + 1] === "$") {
      const end = sql.indexOf("$$", i + 2);
      if (list && itemStart < 0 && atListDepth) itemStart = i;
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if ((ch === "-" && sql[i + 1] === "-") || (ch === "/" && sql[i + 1] === "/")) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (ch === "(") {
      if (list && itemStart < 0 && atListDepth) itemStart = i;
      depth++;
      i++;
      continue;
    }
    if (ch === ")" || ch === ";") {
      if (list && (ch === ";" || depth === list.depthAtStart)) {
        closeItem(i);
        open.pop();
      }
      if (ch === ")") depth--;
      i++;
      continue;
    }
    if (ch === "," && atListDepth) {
      closeItem(i);
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 64));
    if (word && (i === 0 || !/[A-Za-z0-9_$.:]/.test(sql[i - 1] as string))) {
      const upper = word[0].toUpperCase();
      if (atListDepth && ENDS.has(upper)) {
        closeItem(i);
        open.pop();
      } else if (upper === "SELECT") {
        if (list && itemStart < 0 && atListDepth) itemStart = i;
        const next = { items: [], start: i, depth, depthAtStart: depth };
        lists.push(next);
        open.push(next);
        itemStart = -1;
        i += word[0].length;
        // DISTINCT / ALL before the first item are not part of it.
        for (;;) {
          const m = /^\s*([A-Za-z]+)/.exec(sql.slice(i, i + 32));
          if (!m?.[1] || !MODIFIERS.has(m[1].toUpperCase())) break;
          i += m[0].length;
        }
        continue;
      } else if (list && itemStart < 0 && atListDepth) itemStart = i;
      i += word[0].length;
      continue;
    }
    if (list && itemStart < 0 && atListDepth && !/\s/.test(ch)) itemStart = i;
    i++;
  }
  while (open.length > 0) {
    closeItem(sql.length);
    open.pop();
  }
  return lists.map((l) => l.items);
}

/** Sets `rocky_default_name` on the unaliased expressions of the statements' select lists. */
export function nameAsSnowflake(statements: Statement[], sql: string): void {
  const astLists: { list: ExprNode[]; at: number }[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    const list = record.select_list;
    if (Array.isArray(list)) {
      const locations = (list as ExprNode[]).map((e) => e.query_location ?? Number.POSITIVE_INFINITY);
      astLists.push({ list: list as ExprNode[], at: Math.min(...locations) });
    }
    for (const key in record) {
      const child = record[key];
      if (child !== null && typeof child === "object") visit(child);
    }
  };
  visit(statements);
  const texts = selectListTexts(sql);
  if (texts.length !== astLists.length) return;
  astLists.sort((a, b) => a.at - b.at);
  astLists.forEach(({ list }, n) => {
    const items = texts[n];
    if (items === undefined || items.length !== list.length) return;
    list.forEach((item, k) => {
      if (item.alias || item.class === "COLUMN_REF" || item.class === "STAR") return;
      const text = items[k];
      if (text) item.rocky_default_name = text.toUpperCase();
    });
  });
}
