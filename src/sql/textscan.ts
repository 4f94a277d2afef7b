/**
 * Table references found by scanning the SQL text, for the statements DuckDB parses but
 * cannot serialise (`PIVOT sales ON year USING sum(amount)`): such a model runs, so its
 * dependencies must still be known. Names after FROM / JOIN / PIVOT / UNPIVOT / … (and
 * comma-separated FROM lists), minus the query's CTE names. A fallback, not a parser.
 */

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

/** `"…"` is a string literal, not an identifier, in BigQuery and Databricks SQL. */
function doubleQuoteIsString(dialect: SqlDialect): boolean {
  return dialect === "bigquery" || dialect === "databricks";
}

function tokenize(sql: string, dialect: SqlDialect = "duckdb"): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (dialect !== "duckdb" && isStringStart(sql, i, dialect)) {
      i = skipDialectString(sql, i, dialect);
    } else if (ch === "`" && dialect !== "duckdb" && dialect !== "snowflake") {
      const close = sql.indexOf("`", i + 1);
      const end = close === -1 ? sql.length : close + 1;
      const value = sql.slice(i + 1, end - 1);
      const token: Token = { kind: "ident", value, quoted: true, start: i, end };
      // BigQuery: `project.dataset.table` in one pair of backticks is three name parts.
      if (dialect === "bigquery" && value.includes(".")) token.parts = value.split(".");
      tokens.push(token);
      i = end;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const newline = sql.indexOf("\n", i);
      i = newline === -1 ? sql.length : newline + 1;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (ch === "'") {
      i = skipQuoted(sql, i, "'");
    } else if (ch === '"') {
      const end = skipQuoted(sql, i, '"');
      tokens.push({
        kind: "ident",
        value: sql.slice(i + 1, end - 1).replaceAll('""', '"'),
        quoted: true,
        start: i,
        end,
      });
      i = end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j] as string)) j++;
      tokens.push({ kind: "ident", value: sql.slice(i, j), quoted: false, start: i, end: j });
      i = j;
    } else {
      tokens.push({
        kind: ".,()".includes(ch) ? "punct" : "other",
        value: ch,
        quoted: false,
        start: i,
        end: i + 1,
      });
      i++;
    }
  }
  return tokens;
}

/** Whether a dialect's string literal starts at `i` (`"…"`, `r'…'`, `'''…'''`, `$$…$$`). */
function isStringStart(sql: string, i: number, dialect: SqlDialect): boolean {
  const ch = sql[i];
  if (ch === '"') return doubleQuoteIsString(dialect);
  // Backslash escapes in BigQuery and Databricks strings (`'it\\'s'`).
  if (ch === "'") return dialect === "bigquery" || dialect === "databricks";
  if (dialect === "snowflake") return ch === "$" && sql[i + 1] === "$";
  if (dialect === "bigquery" || dialect === "databricks") {
    // Raw and bytes prefixes: r'…', b"…", rb'…', br"…" (not part of a longer word).
    if (i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1] as string)) return false;
    const m = /^(?:[rRbB]|[rR][bB]|[bB][rR])['"]/.exec(sql.slice(i, i + 3));
    return m !== null;
  }
  return false;
}

/** Index after a dialect string literal starting at `at` (see isStringStart). */
function skipDialectString(sql: string, at: number, dialect: SqlDialect): number {
  if (sql[at] === "$") {
    const close = sql.indexOf("$$", at + 2);
    return close === -1 ? sql.length : close + 2;
  }
  let i = at;
  let raw = false;
  while (/[rRbB]/.test(sql[i] as string)) {
    if (sql[i] === "r" || sql[i] === "R") raw = true;
    i++;
  }
  const quote = sql[i] as string;
  if (dialect === "bigquery" && sql.startsWith(quote.repeat(3), i)) {
    const close = sql.indexOf(quote.repeat(3), i + 3);
    return close === -1 ? sql.length : close + 3;
  }
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === "\\" && !raw) j++;
    else if (sql[j] === quote) return j + 1;
  }
  return sql.length;
}

/** Index after a quoted run starting at `at` (doubled quotes escape). */
function skipQuoted(sql: string, at: number, quote: string): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
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
