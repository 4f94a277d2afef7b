/**
 * The one SQL lexer: tokens with offsets, in a dialect's lexical rules, for every scan of
 * SQL text that is not a parse (table-reference fallbacks, the parse-ahead guess, name
 * spans, the portability lint, diff's normal form). A cursor, not an array: `next()`
 * moves over the text lazily and allocates nothing, so a scan on the hot path (prescan)
 * costs about what a regex pass did; `tokenize` collects tokens when that is simpler.
 *
 * Unterminated strings, quoted names and block comments are one token running to the
 * end of the text, marked `unterminated`: callers decide whether that is an error (the
 * parser reports it properly; a fallback scan just stops).
 */
import type { SqlDialect } from "./types.ts";

export type TokenKind =
  /** An unquoted word: identifier or keyword. */
  | "word"
  /** A quoted identifier: `"…"`, or `` `…` `` in BigQuery and Databricks. */
  | "quoted"
  /** A string literal in any of the dialect's forms. */
  | "string"
  | "number"
  /** Only when asked for (`comments: true`). */
  | "comment"
  /** One of `( ) [ ] { } , . ;`. */
  | "punct"
  /** Any other symbol run: `::`, `||`, `->>`, `<=`, `*`, `$`, … */
  | "op";

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  unterminated: boolean;
}

interface Rules {
  /** `"…"` is an identifier (else a string literal). */
  doubleQuotedIdent: boolean;
  /** `` `…` `` quotes an identifier. */
  backtick: boolean;
  /** Backslash escapes in `'…'` (and `"…"` strings). */
  backslash: boolean;
  /** `$$…$$` strings; `tagged` also allows `$tag$…$tag$`. */
  dollar: "none" | "plain" | "tagged";
  /** `r'…'`, `b'…'`, `rb'…'`, `br'…'` prefixes (raw: no escapes). */
  prefixes: boolean;
  /** `'''…'''` and `"""…"""`. */
  triple: boolean;
  /** `E'…'` escape strings (DuckDB). */
  escapePrefix: boolean;
  /** A block comment opened inside a block comment nests. */
  nestedComments: boolean;
  /** Line comments other than `--`: `#` (BigQuery), `//` (Snowflake). */
  hashComment: boolean;
  slashComment: boolean;
}

const RULES: Record<SqlDialect, Rules> = {
  duckdb: {
    doubleQuotedIdent: true,
    backtick: false,
    backslash: false,
    dollar: "tagged",
    prefixes: false,
    triple: false,
    escapePrefix: true,
    nestedComments: true,
    hashComment: false,
    slashComment: false,
  },
  snowflake: {
    doubleQuotedIdent: true,
    backtick: false,
    backslash: true,
    dollar: "plain",
    prefixes: false,
    triple: false,
    escapePrefix: false,
    nestedComments: false,
    hashComment: false,
    slashComment: true,
  },
  bigquery: {
    doubleQuotedIdent: false,
    backtick: true,
    backslash: true,
    dollar: "none",
    prefixes: true,
    triple: true,
    escapePrefix: false,
    nestedComments: false,
    hashComment: true,
    slashComment: false,
  },
  databricks: {
    doubleQuotedIdent: false,
    backtick: true,
    backslash: true,
    dollar: "none",
    prefixes: true,
    triple: false,
    escapePrefix: false,
    nestedComments: true,
    hashComment: false,
    slashComment: false,
  },
};

enum C {
  Tab = 9,
  Newline = 10,
  Space = 32,
  Bang = 33,
  DoubleQuote = 34,
  Hash = 35,
  Dollar = 36,
  Quote = 39,
  Star = 42,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Backslash = 92,
  Underscore = 95,
  Backtick = 96,
}

/** ASCII character classes, by code: a table lookup is the cheapest test per character. */
const WORD_START = 1;
const WORD_PART = 2;
const PUNCT = 4;
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) ASCII[c] = WORD_START | WORD_PART;
  else if (/[0-9$]/.test(ch)) ASCII[c] = WORD_PART;
  else if ("()[]{},.;".includes(ch)) ASCII[c] = PUNCT;
}

/** `a-z A-Z _` and anything non-ASCII (unicode letters; unicode spaces are caught first). */
function isWordStart(c: number): boolean {
  return c >= 0x80 || (c >= 0 && (ASCII[c]! & WORD_START) !== 0);
}

function isWordPart(c: number): boolean {
  return c >= 0x80 || (c >= 0 && (ASCII[c]! & WORD_PART) !== 0);
}

function isDigit(c: number): boolean {
  return c >= C.Zero && c <= C.Nine;
}

const UNICODE_SPACE = /\s/;

/** Length of the operator starting with `c` at `i`: `::`, `:=`, `||`, `->`, `->>`, `<=`, `>=`, `<>`, `!=`, `==`, `=>`, `**`, `//`, `<<`, `>>`, `&&`, else 1. */
function operatorLength(sql: string, i: number, c: number): number {
  const d = sql.charCodeAt(i + 1);
  switch (c) {
    case 45: // -
      return d === 62 ? (sql.charCodeAt(i + 2) === 62 ? 3 : 2) : 1;
    case 58: // :
      return d === 58 || d === 61 ? 2 : 1;
    case 60: // <
      return d === 61 || d === 62 || d === 60 ? 2 : 1;
    case 62: // >
      return d === 61 || d === 62 ? 2 : 1;
    case 61: // =
      return d === 61 || d === 62 ? 2 : 1;
    case 33: // !
      return d === 61 ? 2 : 1;
    case 124: // |
    case 42: // *
    case 47: // /
    case 38: // &
      return d === c ? 2 : 1;
    default:
      return 1;
  }
}

export class Lexer {
  kind: TokenKind = "punct";
  start = 0;
  end = 0;
  unterminated = false;
  private readonly rules: Rules;
  private pos: number;

  constructor(
    readonly sql: string,
    readonly dialect: SqlDialect = "duckdb",
    options: { at?: number; comments?: boolean } = {},
  ) {
    this.rules = RULES[dialect];
    this.pos = options.at ?? 0;
    this.comments = options.comments ?? false;
  }

  private readonly comments: boolean;

  /** Moves to the next token (whitespace, and comments unless asked for, skipped); false at the end. */
  next(): boolean {
    const sql = this.sql;
    const n = sql.length;
    for (;;) {
      let i = this.pos;
      for (; i < n; i++) {
        const c = sql.charCodeAt(i);
        if (c > C.Space && (c < 0x80 || !UNICODE_SPACE.test(sql[i] as string))) break;
      }
      if (i >= n) {
        this.pos = n;
        this.start = this.end = n;
        return false;
      }
      this.start = i;
      this.unterminated = false;
      const end = this.scan(i);
      this.end = end;
      this.pos = end;
      if (this.kind !== "comment" || this.comments) return true;
    }
  }

  /** The token's text as written. */
  text(): string {
    return this.sql.slice(this.start, this.end);
  }

  /** An identifier's name: a word as written, a quoted name without quotes and unescaped. */
  name(): string {
    if (this.kind !== "quoted") return this.text();
    const quote = this.sql[this.start] as string;
    const inner = this.sql.slice(this.start + 1, this.unterminated ? this.end : this.end - 1);
    // BigQuery backtick names take backslash escapes; the others double the quote.
    return quote === "`" && this.dialect === "bigquery" ? inner : inner.replaceAll(quote + quote, quote);
  }

  /** Whether the token is the unquoted word `lower` (given in lower case), in any case. */
  isWord(lower: string): boolean {
    if (this.kind !== "word" || this.end - this.start !== lower.length) return false;
    const sql = this.sql;
    for (let k = 0; k < lower.length; k++) {
      // ASCII letters only: `| 0x20` lower-cases A-Z and leaves a-z as they are.
      if ((sql.charCodeAt(this.start + k) | 0x20) !== lower.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Whether the token is the punctuation or operator `symbol`. */
  is(symbol: string): boolean {
    const length = symbol.length;
    if (this.end - this.start !== length || (this.kind !== "punct" && this.kind !== "op")) return false;
    // Most symbols asked about are one character: compare codes, no string search.
    return length === 1
      ? this.sql.charCodeAt(this.start) === symbol.charCodeAt(0)
      : this.sql.startsWith(symbol, this.start);
  }

  /** Whether the token is an identifier (a word or a quoted name). */
  isName(): boolean {
    return this.kind === "word" || this.kind === "quoted";
  }

  /** The token as a value, to keep after the cursor moves on. */
  token(): Token {
    return { kind: this.kind, start: this.start, end: this.end, unterminated: this.unterminated };
  }

  /** Sets `kind` and returns the end of the token starting at `i`. */
  private scan(i: number): number {
    const sql = this.sql;
    const rules = this.rules;
    const c = sql.charCodeAt(i);
    const c1 = sql.charCodeAt(i + 1);
    // Words first: the most common token, and none of the others starts with a letter.
    if (isWordStart(c)) {
      if (
        rules.prefixes &&
        (c1 === C.Quote ||
          c1 === C.DoubleQuote ||
          sql.charCodeAt(i + 2) === C.Quote ||
          sql.charCodeAt(i + 2) === C.DoubleQuote)
      ) {
        const end = this.prefixedString(i);
        if (end !== undefined) return end;
      }
      if (rules.escapePrefix && (c === 69 || c === 101) && c1 === C.Quote) {
        this.kind = "string";
        return this.quotedRun(i + 1, C.Quote, true, false);
      }
      let j = i + 1;
      for (let d = sql.charCodeAt(j); j < sql.length && isWordPart(d); d = sql.charCodeAt(++j)) {
        if (d >= 0x80 && UNICODE_SPACE.test(sql[j] as string)) break;
      }
      this.kind = "word";
      return j;
    }
    // Then punctuation, next commonest; none starts a comment or a string (`.5` is a number).
    if (c < 0x80 && (ASCII[c]! & PUNCT) !== 0) {
      if (c === C.Dot && isDigit(c1)) return this.number(i);
      this.kind = "punct";
      return i + 1;
    }
    // Comments.
    if ((c === C.Minus && c1 === C.Minus) || (c === C.Hash && rules.hashComment)) return this.lineComment(i);
    if (c === C.Slash && c1 === C.Slash && rules.slashComment) return this.lineComment(i);
    if (c === C.Slash && c1 === C.Star) return this.blockComment(i);
    // Strings and quoted names.
    if (c === C.Quote) return this.quoted(i, "string", rules.backslash, rules.triple);
    if (c === C.DoubleQuote) {
      return rules.doubleQuotedIdent
        ? this.quoted(i, "quoted", false, false)
        : this.quoted(i, "string", rules.backslash, rules.triple);
    }
    if (c === C.Backtick && rules.backtick) {
      // BigQuery escapes inside backticks with a backslash; Databricks doubles the backtick.
      return this.quoted(i, "quoted", this.dialect === "bigquery", false);
    }
    if (c === C.Dollar && rules.dollar !== "none") {
      const end = this.dollarString(i);
      if (end !== undefined) return end;
    }
    if (isDigit(c)) return this.number(i);
    this.kind = "op";
    return i + operatorLength(sql, i, c);
  }

  private lineComment(i: number): number {
    this.kind = "comment";
    const newline = this.sql.indexOf("\n", i);
    return newline === -1 ? this.sql.length : newline;
  }

  private blockComment(i: number): number {
    this.kind = "comment";
    const sql = this.sql;
    if (!this.rules.nestedComments) {
      const close = sql.indexOf("*/", i + 2);
      if (close !== -1) return close + 2;
      this.unterminated = true;
      return sql.length;
    }
    let depth = 0;
    for (let j = i; j < sql.length - 1; j++) {
      const c = sql.charCodeAt(j);
      if (c === C.Slash && sql.charCodeAt(j + 1) === C.Star) {
        depth++;
        j++;
      } else if (c === C.Star && sql.charCodeAt(j + 1) === C.Slash) {
        j++;
        if (--depth === 0) return j + 1;
      }
    }
    this.unterminated = true;
    return sql.length;
  }

  /** A quoted run starting at `i` (the quote), as a `kind` token. */
  private quoted(i: number, kind: "string" | "quoted", backslash: boolean, triple: boolean): number {
    this.kind = kind;
    return this.quotedRun(i, this.sql.charCodeAt(i), backslash, triple);
  }

  private quotedRun(i: number, quote: number, backslash: boolean, triple: boolean): number {
    const sql = this.sql;
    if (triple && sql.charCodeAt(i + 1) === quote && sql.charCodeAt(i + 2) === quote) {
      const q3 = sql.slice(i, i + 3);
      const close = sql.indexOf(q3, i + 3);
      if (close !== -1) return close + 3;
      this.unterminated = true;
      return sql.length;
    }
    for (let j = i + 1; j < sql.length; j++) {
      const c = sql.charCodeAt(j);
      if (c === C.Backslash && backslash) j++;
      else if (c === quote) {
        // A doubled quote is an escaped quote in every dialect.
        if (sql.charCodeAt(j + 1) === quote) j++;
        else return j + 1;
      }
    }
    this.unterminated = true;
    return sql.length;
  }

  /** `$$…$$` (or `$tag$…$tag$` where allowed) at `i`, or undefined if `$` starts none. */
  private dollarString(i: number): number | undefined {
    const sql = this.sql;
    let j = i + 1;
    if (this.rules.dollar === "tagged" && isWordStart(sql.charCodeAt(j))) {
      while (j < sql.length && isWordPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== C.Dollar) j++;
    }
    if (sql.charCodeAt(j) !== C.Dollar) return undefined;
    const tag = sql.slice(i, j + 1);
    this.kind = "string";
    const close = sql.indexOf(tag, j + 1);
    if (close !== -1) return close + tag.length;
    this.unterminated = true;
    return sql.length;
  }

  /** `r'…'`, `b"…"`, `rb'…'`, `br"…"` at `i` (not inside a word: the caller is at a word start). */
  private prefixedString(i: number): number | undefined {
    const sql = this.sql;
    let j = i;
    let raw = false;
    for (; j < i + 2; j++) {
      const c = sql.charCodeAt(j) | 0x20;
      if (c === 114)
        raw = true; // r
      else if (c !== 98) break; // b
    }
    if (j === i || (j === i + 2 && (sql.charCodeAt(i) | 0x20) === (sql.charCodeAt(i + 1) | 0x20)))
      return undefined;
    const quote = sql.charCodeAt(j);
    if (quote !== C.Quote && quote !== C.DoubleQuote) return undefined;
    this.kind = "string";
    return this.quotedRun(j, quote, !raw, this.rules.triple);
  }

  private number(i: number): number {
    this.kind = "number";
    const sql = this.sql;
    let j = i;
    if (sql.charCodeAt(j) === C.Zero && (sql.charCodeAt(j + 1) | 0x20) === 120) {
      // 0x1F
      j += 2;
      while (j < sql.length && /[0-9a-fA-F_]/.test(sql[j] as string)) j++;
      return j;
    }
    const digits = () => {
      while (j < sql.length && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === C.Underscore)) j++;
    };
    digits();
    if (sql.charCodeAt(j) === C.Dot && sql.charCodeAt(j + 1) !== C.Dot) {
      j++;
      digits();
    }
    if ((sql.charCodeAt(j) | 0x20) === 101) {
      // 1e5, 1.5E-3
      let k = j + 1;
      const sign = sql.charCodeAt(k);
      if (sign === 43 || sign === C.Minus) k++;
      if (isDigit(sql.charCodeAt(k))) {
        j = k;
        digits();
      }
    }
    return j;
  }
}

/** All tokens of `sql` (comments too when asked), as values. */
export function tokenize(
  sql: string,
  dialect: SqlDialect = "duckdb",
  options: { comments?: boolean } = {},
): Token[] {
  const lexer = new Lexer(sql, dialect, options);
  const out: Token[] = [];
  while (lexer.next()) out.push(lexer.token());
  return out;
}
