/**
 * Snowflake names an unaliased select-list expression by its text as the user wrote it,
 * upper-cased (`SELECT b + 1` → column `B + 1`). The DuckDB AST keeps neither the text
 * nor reliable spans (an operator's location is the operator's), so the select lists are
 * read from the user's text and paired, in text order, with the AST's; any mismatch
 * leaves DuckDB's names.
 */
import type { ExprNode, Statement } from "./ast.ts";
import { Lexer } from "./lexer.ts";

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
  const lexer = new Lexer(sql, "snowflake");
  /** After `x.` or `x:` a word is a name, never a keyword. */
  let afterPath = false;
  /** Right after SELECT, where DISTINCT / ALL are not part of the first item. */
  let modifiers = false;
  while (lexer.next()) {
    const { kind, start: i } = lexer;
    const list = cur();
    const atListDepth = list !== undefined && depth === list.depthAtStart;
    const path = afterPath;
    afterPath = lexer.is(".") || lexer.is(":") || lexer.is("::");
    const modifier: boolean = modifiers && kind === "word" && MODIFIERS.has(lexer.text().toUpperCase());
    modifiers = modifier;
    if (modifier) continue;
    if (lexer.is(")") || lexer.is(";")) {
      if (list && (lexer.is(";") || depth === list.depthAtStart)) {
        closeItem(i);
        open.pop();
      }
      if (lexer.is(")")) depth--;
      continue;
    }
    if (lexer.is(",") && atListDepth) {
      closeItem(i);
      continue;
    }
    if (kind === "word" && !path) {
      const upper = lexer.text().toUpperCase();
      if (atListDepth && ENDS.has(upper)) {
        closeItem(i);
        open.pop();
        continue;
      }
      if (upper === "SELECT") {
        if (list && itemStart < 0 && atListDepth) itemStart = i;
        const next = { items: [], start: i, depth, depthAtStart: depth };
        lists.push(next);
        open.push(next);
        itemStart = -1;
        modifiers = true;
        continue;
      }
    }
    if (list && itemStart < 0 && atListDepth) itemStart = i;
    if (lexer.is("(")) depth++;
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
