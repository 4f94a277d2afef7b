/**
 * Table references found by scanning the SQL text, for the statements DuckDB parses but
 * cannot serialise (`PIVOT sales ON year USING sum(amount)`): such a model runs, so its
 * dependencies must still be known. Names after FROM / JOIN / PIVOT / UNPIVOT / … (and
 * comma-separated FROM lists), minus the query's CTE names. A fallback, not a parser.
 */

import { Lexer } from "./lexer.ts";
import type { SqlDialect, TableRefSpan } from "./types.ts";

interface Token {
  kind: "ident" | "punct" | "other";
  /** Unquoted identifier text, or the punctuation character. */
  value: string;
  quoted: boolean;
  start: number;
  end: number;
  /** A BigQuery backtick name holding several parts (`` `p.d.t` ``): its parts. */
  parts?: string[];
}

const TABLE_KEYWORDS = new Set([
  "from",
  "join",
  "pivot",
  "unpivot",
  "pivot_wider",
  "pivot_longer",
  "summarize",
  "describe",
]);
/** Words after a table name that are not its alias. */
const CLAUSE_WORDS = new Set([
  "where",
  "group",
  "order",
  "join",
  "inner",
  "left",
  "right",
  "full",
  "outer",
  "cross",
  "natural",
  "on",
  "using",
  "pivot",
  "unpivot",
  "limit",
  "offset",
  "union",
  "except",
  "intersect",
  "window",
  "qualify",
  "having",
  "positional",
  "asof",
  "anti",
  "semi",
  "lateral",
  "select",
  "into",
  "for",
  "in",
  "as",
  "tablesample",
  "using",
  "group_by",
  "returning",
]);

export function scanTableRefs(sql: string, dialect: SqlDialect = "duckdb"): TableRefSpan[] {
  const tokens = tokenize(sql, dialect);
  const ctes = cteNames(tokens);
  const refs: TableRefSpan[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], TABLE_KEYWORDS)) continue;
    let j = i + 1;
    if (isWord(tokens[j], new Set(["lateral"]))) j++;
    if (dialect === "databricks" && isWord(tokens[j], new Set(["stream"]))) {
      // `FROM STREAM t`, `FROM STREAM(t)`, `FROM STREAM read_files(…)`.
      j++;
      if (tokens[j]?.value === "(" && tokens[j]?.kind === "punct") j++;
    }
    // A FROM list: `FROM a x, b, c AS y`.
    for (;;) {
      const name = dottedName(tokens, j);
      if (!name) break;
      const next = tokens[name.next];
      if (next?.value === "(" && next.kind === "punct") break; // a table function
      const single = name.parts.length === 1 ? (name.parts[0] as string) : undefined;
      const isCte = single !== undefined && ctes.has(name.quoted ? single : single.toLowerCase());
      if (!isCte) refs.push({ parts: name.parts, start: name.start, end: name.end });
      j = skipAlias(tokens, name.next);
      if (tokens[j]?.value !== "," || tokens[j]?.kind !== "punct" || !isWord(tokens[i], new Set(["from"])))
        break;
      j++;
    }
  }
  return refs;
}

function isWord(token: Token | undefined, words: ReadonlySet<string>): boolean {
  return (
    token !== undefined && token.kind === "ident" && !token.quoted && words.has(token.value.toLowerCase())
  );
}

function dottedName(
  tokens: Token[],
  at: number,
): { parts: string[]; start: number; end: number; next: number; quoted: boolean } | undefined {
  const first = tokens[at];
  if (first?.kind !== "ident" || (!first.quoted && CLAUSE_WORDS.has(first.value.toLowerCase()))) {
    return undefined;
  }
  const parts = [...(first.parts ?? [first.value])];
  let end = first.end;
  let quoted = first.quoted;
  let i = at + 1;
  while (tokens[i]?.value === "." && tokens[i]?.kind === "punct" && tokens[i + 1]?.kind === "ident") {
    const part = tokens[i + 1] as Token;
    parts.push(...(part.parts ?? [part.value]));
    end = part.end;
    quoted = part.quoted;
    i += 2;
  }
  return { parts, start: first.start, end, next: i, quoted };
}

function skipAlias(tokens: Token[], at: number): number {
  let i = at;
  if (isWord(tokens[i], new Set(["as"]))) i++;
  const alias = tokens[i];
  if (alias?.kind === "ident" && (alias.quoted || !CLAUSE_WORDS.has(alias.value.toLowerCase()))) {
    i++;
    if (tokens[i]?.value === "(" && tokens[i]?.kind === "punct") i = skipGroup(tokens, i); // t(a, b)
  }
  return i;
}

/** Index after the parenthesised group that starts at `at`. */
function skipGroup(tokens: Token[], at: number): number {
  let depth = 0;
  for (let i = at; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== "punct") continue;
    if (token.value === "(") depth++;
    else if (token.value === ")" && --depth === 0) return i + 1;
  }
  return tokens.length;
}

/** `WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (…), …`: lowercased unless quoted. */
function cteNames(tokens: Token[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], new Set(["with"]))) continue;
    let j = i + 1;
    if (isWord(tokens[j], new Set(["recursive"]))) j++;
    for (;;) {
      const name = tokens[j];
      if (name?.kind !== "ident") break;
      j++;
      if (tokens[j]?.value === "(" && tokens[j]?.kind === "punct") j = skipGroup(tokens, j);
      if (!isWord(tokens[j], new Set(["as"]))) break;
      names.add(name.quoted ? name.value : name.value.toLowerCase());
      j++;
      while (isWord(tokens[j], new Set(["not", "materialized"]))) j++;
      if (tokens[j]?.value !== "(") break;
      j = skipGroup(tokens, j);
      if (tokens[j]?.value !== ",") break;
      j++;
    }
  }
  return names;
}

/**
 * Every maximal dotted name in the SQL (`a`, `s.t`, `` `p.d.t` ``), with its span: where a
 * table reference found by the analysis of a transpiled copy is looked up in the user's text.
 */
export function dottedNames(sql: string, dialect: SqlDialect): TableRefSpan[] {
  const tokens = tokenize(sql, dialect);
  const out: TableRefSpan[] = [];
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as Token;
    if (t.kind !== "ident" || (i > 0 && tokens[i - 1]?.value === "." && tokens[i - 1]?.kind === "punct")) {
      i++;
      continue;
    }
    const name = dottedName(tokens, i);
    if (name === undefined) {
      i++;
      continue;
    }
    out.push({ parts: name.parts, start: name.start, end: name.end });
    i = name.next;
  }
  return out;
}

/** The lexer's tokens as this scan reads them: names (with BigQuery's backtick parts), `.,()`, the rest. */
function tokenize(sql: string, dialect: SqlDialect = "duckdb"): Token[] {
  const tokens: Token[] = [];
  const lexer = new Lexer(sql, dialect);
  while (lexer.next()) {
    const { kind, start, end } = lexer;
    if (kind === "string") continue;
    if (kind === "word" || kind === "quoted") {
      const value = lexer.name();
      const token: Token = { kind: "ident", value, quoted: kind === "quoted", start, end };
      // BigQuery: `project.dataset.table` in one pair of backticks is three name parts.
      if (dialect === "bigquery" && kind === "quoted" && value.includes(".")) token.parts = value.split(".");
      tokens.push(token);
    } else {
      const value = lexer.text();
      const punct = kind === "punct" && ".,()".includes(value);
      tokens.push({ kind: punct ? "punct" : "other", value, quoted: false, start, end });
    }
  }
  return tokens;
}

/** Statements that are not queries: a model written as one of these is a user error. */
const NOT_A_QUERY = new Set([
  "create",
  "insert",
  "update",
  "delete",
  "drop",
  "alter",
  "copy",
  "attach",
  "detach",
  "set",
  "reset",
  "pragma",
  "call",
  "export",
  "import",
  "install",
  "load",
  "begin",
  "commit",
  "rollback",
  "vacuum",
  "checkpoint",
  "truncate",
  "merge",
  "use",
  "prepare",
  "execute",
  "deallocate",
  "comment",
]);

/** Whether the SQL is a query (SELECT, WITH, FROM, PIVOT, …) rather than DDL/DML. */
export function looksLikeQuery(sql: string): boolean {
  const first = tokenize(sql).find((t) => t.kind === "ident" || t.value === "(");
  return first !== undefined && !(first.kind === "ident" && NOT_A_QUERY.has(first.value.toLowerCase()));
}
