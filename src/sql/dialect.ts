/**
 * Models written in Snowflake, BigQuery or Databricks SQL (SPEC §14).
 *
 * Design (figures in scripts/bench-dialects.ts): DuckDB's parser stays the one parser
 * the lineage walker reads. A dialect model goes to it as written when DuckDB parses it
 * *and* cannot misread it: a cheap scan of the text (`dialectOnlyConstruct`) looks for
 * what DuckDB would read differently (Snowflake/Databricks `col:path`, backtick names,
 * `"…"` strings on BigQuery/Databricks, raw strings, date-part keywords as arguments,
 * FLATTEN, STREAM). Otherwise, or when DuckDB rejects it, @polyglot-sql/sdk (loaded on
 * first need only) transpiles it to DuckDB SQL, whose known output problems are fixed
 * here (`fixTranspiled`), and DuckDB parses that.
 *
 * Whatever was parsed, table references keep positions in the user's text: for a
 * transpiled model they are looked up again in the original SQL with the dialect's own
 * lexical rules (`relocateRefs`), so run/shadow/branch/replay rewrite the user's SQL,
 * never a transpiled copy.
 */
import { scanTableRefs, dottedNames } from "./textscan.ts";
import type { ParsedSql, SqlDialect, SqlParser, TableRefSpan } from "./types.ts";

type Polyglot = typeof import("@polyglot-sql/sdk");

let polyglot: Promise<Polyglot> | undefined;
/** @polyglot-sql/sdk, loaded (WASM compiled) once, on the first model that needs it. */
export function loadPolyglot(): Promise<Polyglot> {
  polyglot ??= import("@polyglot-sql/sdk").then(async (p) => {
    await p.init?.();
    return p;
  });
  return polyglot;
}

const DATE_PART =
  "(?:year|years|yyyy|yy|quarter|quarters|q|month|months|mm|mon|week|weeks|w|wk|weekofyear|day|days|d|dd|dayofweek|dayofyear|dow|doy|hour|hours|h|hh|minute|minutes|m|mi|min|second|seconds|s|sec|millisecond|milliseconds|ms|microsecond|microseconds|us|nanosecond|nanoseconds|ns|epoch|isoweek|isoyear|yearofweek)";
const PART_FIRST_SOURCE = `(\\b(?:dateadd|datediff|date_diff|timeadd|timediff|timestampadd|timestampdiff|timestamp_diff|date_trunc|date_part|datepart|time_slice)\\s*\\(\\s*)(${DATE_PART})(\\s*[,)])`;
/** `DATEADD(day, …)`: a date part written as a bare word first argument. */
const PART_FIRST = new RegExp(PART_FIRST_SOURCE, "i");
const PART_FIRST_G = new RegExp(PART_FIRST_SOURCE, "gi");
/** BigQuery functions taking a date part as a bare word last argument (`DATE_DIFF(a, b, DAY)`). */
const BIGQUERY_PART_LAST =
  /\b(?:date_diff|datetime_diff|timestamp_diff|time_diff|date_trunc|datetime_trunc|timestamp_trunc|time_trunc|last_day|generate_date_array|generate_timestamp_array)\s*\(/i;

/** Result of `normalizeForDuckDb`. */
export interface Normalized {
  /** The SQL in DuckDB's lexical terms (same as the input when `changed` is false). */
  text: string;
  changed: boolean;
  /** The first dialect-only construct met, for messages (`backtick-quoted name`, …). */
  construct?: string;
  /** A construct only a real transpile handles (FLATTEN, …): `text` is not to be parsed. */
  hard?: boolean;
}

/** A DuckDB string literal of `value`. */
function duckString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Backslash escapes of BigQuery/Databricks/Snowflake strings, decoded. */
function decodeEscapes(body: string): string {
  if (!body.includes("\\")) return body;
  return body.replace(/\\(.)/gs, (_w, c: string) =>
    c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c === "0" ? "\0" : c,
  );
}

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 0x7f;
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
}
const WORD_CHAR = { test: (ch: string) => isWordChar(ch.charCodeAt(0)) };

/**
 * Text with none of what `normalizeForDuckDb` rewrites: it is returned as is without the
 * lexical pass (most models of a project; the check is one regex scan).
 */
const MAY_NEED: Record<Exclude<SqlDialect, "duckdb">, RegExp> = {
  snowflake:
    /(?<!:):(?![:=])|\\|\b(?:dateadd|datediff|timeadd|timediff|timestampadd|timestampdiff|date_trunc|date_part|datepart|time_slice|flatten)\b/i,
  bigquery:
    /[`"#\\]|\b[rb]'|\b(?:date_diff|datetime_diff|timestamp_diff|time_diff|date_trunc|datetime_trunc|timestamp_trunc|time_trunc|last_day|generate_date_array|generate_timestamp_array|except|offset|ordinal|safe_offset|safe_ordinal|safe_cast)\b/i,
  databricks:
    /(?<!:):(?![:=])|[`"\\]|\b[rb]'|\b(?:dateadd|datediff|timeadd|timediff|timestampadd|timestampdiff|date_trunc|date_part|datepart|except|stream)\b/i,
};

/**
 * The model's SQL with the dialect's lexical differences from DuckDB rewritten, in one
 * linear pass: backtick names become `"…"` (a BigQuery `` `p.d.t` `` three parts),
 * `"…"`, raw, triple-quoted and backslash-escaped strings become DuckDB strings,
 * Snowflake/Databricks `col:a.b` becomes JSON access `(col -> '$.a.b')`, date parts
 * written as bare words (`DATEADD(day, …)`, BigQuery `DATE_DIFF(a, b, DAY)`) become
 * strings, BigQuery `* EXCEPT (…)` and `arr[OFFSET(n)]` DuckDB's `* EXCLUDE (…)` and
 * `arr[(n)]`, Databricks `STREAM(t)` / `STREAM t` the table t. What it cannot rewrite
 * (Snowflake FLATTEN, a path after a call) is `hard`: for polyglot.
 */
export function normalizeForDuckDb(sql: string, dialect: SqlDialect): Normalized {
  if (dialect === "duckdb" || !MAY_NEED[dialect].test(sql)) return { text: sql, changed: false };
  const stringQuote = dialect === "bigquery" || dialect === "databricks";
  const paths = dialect === "snowflake" || dialect === "databricks";
  let out = "";
  let construct: string | undefined;
  let hard = false;
  const note = (what: string, isHard = false) => {
    construct ??= what;
    if (isHard) hard = true;
  };
  /** Where, in `out`, the identifier chain just written starts (-1: the last token was not one). */
  let chainStart = -1;
  for (let i = 0; i < sql.length; ) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const nl = sql.indexOf("\n", i);
      const end = nl === -1 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (ch === "#" && dialect === "bigquery") {
      note("# comment");
      const nl = sql.indexOf("\n", i);
      const end = nl === -1 ? sql.length : nl;
      out += `--${sql.slice(i + 1, end)}`;
      i = end;
      continue;
    }
    if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (isSpace(sql.charCodeAt(i))) {
      out += ch;
      i++;
      continue;
    }
    // Strings.
    const prefixed =
      stringQuote &&
      /[rRbB]/.test(ch) &&
      (i === 0 || !WORD_CHAR.test(sql[i - 1] as string)) &&
      /^(?:[rRbB]|[rR][bB]|[bB][rR])['"]/.test(sql.slice(i, i + 3));
    if (ch === "'" || (ch === '"' && stringQuote) || prefixed) {
      let j = i;
      let raw = false;
      while (/[rRbB]/.test(sql[j] as string)) {
        if (sql[j] === "r" || sql[j] === "R") raw = true;
        j++;
      }
      const quote = sql[j] as string;
      if (prefixed) note(raw ? "raw string" : "bytes string");
      else if (quote === '"') note('double-quoted string ("…")');
      const triple = dialect === "bigquery" && sql.startsWith(quote.repeat(3), j);
      if (triple) note("triple-quoted string");
      const open = triple ? 3 : 1;
      let k = j + open;
      let body = "";
      for (; k < sql.length; k++) {
        const c = sql[k] as string;
        if (c === "\\" && !raw) {
          body += c + (sql[k + 1] ?? "");
          k++;
          continue;
        }
        if (triple ? sql.startsWith(quote.repeat(3), k) : c === quote) {
          // DuckDB and Snowflake double a quote to escape it.
          if (!triple && quote === "'" && sql[k + 1] === "'") {
            body += "'";
            k++;
            continue;
          }
          break;
        }
        body += c;
      }
      const end = Math.min(sql.length, k + open);
      const value = raw ? body : decodeEscapes(body);
      const literal = duckString(value);
      if (literal !== sql.slice(i, end)) {
        if (body.includes("\\") && !raw) note("backslash escape in a string");
        out += literal;
      } else out += sql.slice(i, end);
      i = end;
      chainStart = -1;
      continue;
    }
    if (ch === "$" && next === "$" && dialect === "snowflake") {
      const close = sql.indexOf("$$", i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
      chainStart = -1;
      continue;
    }
    // Identifiers (a chain `a.b."c"` keeps its start for a following `:path`).
    if (ch === "`" && dialect !== "snowflake") {
      note("backtick-quoted name");
      const close = sql.indexOf("`", i + 1);
      const end = close === -1 ? sql.length : close + 1;
      const value = sql.slice(i + 1, end - 1);
      const parts = dialect === "bigquery" && !value.includes("/") ? value.split(".") : [value];
      const text = parts.map((p) => `"${p.replaceAll('"', '""')}"`).join(".");
      if (!continuesChain(out)) chainStart = out.length;
      out += text;
      i = end;
      continue;
    }
    if (ch === '"') {
      const close = sql.indexOf('"', i + 1);
      const end = close === -1 ? sql.length : close + 1;
      if (!continuesChain(out)) chainStart = out.length;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (isWordStart(sql.charCodeAt(i))) {
      let j = i + 1;
      while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
      const word = sql.slice(i, j);
      const lower = word.toLowerCase();
      if (dialect === "databricks" && lower === "stream" && !continuesChain(out)) {
        const call = /^\s*\(\s*([\w.`"]+)\s*\)/.exec(sql.slice(j));
        if (call) {
          // STREAM(t): the table t; the name itself goes through this loop again.
          note("STREAM");
          out += " ";
          const inner = sql.indexOf(call[1] as string, j);
          out += " ".repeat(Math.max(0, inner - j));
          const closeAt = j + call[0].length - 1;
          const rest = normalizeForDuckDb(sql.slice(inner, closeAt), dialect);
          out += `${rest.text} `;
          i = closeAt + 1;
          chainStart = -1;
          continue;
        }
        if (/^\s+[\w`]/.test(sql.slice(j)) && /\bfrom\s*$|\bjoin\s*$/i.test(out)) {
          note("STREAM");
          out += " ";
          i = j;
          continue;
        }
      }
      if (dialect === "snowflake" && lower === "flatten" && /^\s*\(/.test(sql.slice(j)))
        note("FLATTEN", true);
      if (!continuesChain(out)) chainStart = out.length;
      out += word;
      i = j;
      continue;
    }
    if (ch === ":" && paths) {
      if (next === ":") {
        out += "::";
        i += 2;
        chainStart = -1;
        continue;
      }
      if (next !== "=" && isPathColon(sql, i)) {
        note("semi-structured path (col:path)");
        const path = readPath(sql, i + 1);
        if (chainStart < 0 || path === undefined) {
          note("semi-structured path (col:path)", true);
          out += ch;
          i++;
          continue;
        }
        out = `${out.slice(0, chainStart)}(${out.slice(chainStart).trimEnd()} -> ${duckString(path.json)})`;
        i = path.end;
        chainStart = -1;
        continue;
      }
    }
    if (ch === "." && chainStart >= 0) {
      out += ch;
      i++;
      continue;
    }
    out += ch;
    i++;
    if (ch !== "]") chainStart = -1;
  }
  let text = out;
  if (dialect !== "bigquery" && PART_FIRST.test(text)) {
    note("date part as an argument");
    text = text.replace(
      PART_FIRST_G,
      (_w, head: string, part: string, tail: string) => `${head}'${part}'${tail}`,
    );
  }
  if (dialect === "bigquery") {
    if (BIGQUERY_PART_LAST.test(text)) text = quoteLastDatePart(text, note);
    if (/\*\s*except\s*\(/i.test(text)) {
      note("SELECT * EXCEPT");
      text = text.replace(/\*(\s*)except(\s*)\(/gi, "*$1EXCLUDE$2(");
    }
    if (/\bsafe_cast\s*\(/i.test(text)) {
      note("SAFE_CAST");
      text = text.replace(/\bsafe_cast(\s*)\(/gi, "TRY_CAST$1(");
    }
    if (/\[\s*(?:safe_)?(?:offset|ordinal)\s*\(/i.test(text)) {
      note("OFFSET/ORDINAL subscript");
      text = text.replace(/\[\s*(?:safe_)?(?:offset|ordinal)\s*\(/gi, "[(");
    }
  }
  if (dialect === "databricks" && /\*\s*except\s*\(/i.test(text)) {
    note("SELECT * EXCEPT");
    text = text.replace(/\*(\s*)except(\s*)\(/gi, "*$1EXCLUDE$2(");
  }
  const result: Normalized = { text, changed: text !== sql };
  if (construct !== undefined) result.construct = construct;
  if (hard) result.hard = true;
  return result;
}

/** Whether the output ends in `.` (so the next name continues a dotted chain). */
function continuesChain(out: string): boolean {
  return out.endsWith(".");
}

/**
 * The path after a `:` at `at`: keys `a.b`, `"Key"`, subscripts `[0]`, `['k']`, as a
 * JSON path `$.a.b[0]`, and where it ends. Undefined when it is not a plain path.
 */
function readPath(sql: string, at: number): { json: string; end: number } | undefined {
  let i = at;
  while (sql[i] === " ") i++;
  let json = "$";
  let first = true;
  for (;;) {
    const ch = sql[i];
    if (ch === "[") {
      const close = sql.indexOf("]", i);
      if (close === -1) return undefined;
      const inner = sql.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) json += `[${inner}]`;
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) json += `.${inner.slice(1, -1)}`;
      else return undefined;
      i = close + 1;
    } else if ((ch === "." || first) && (first ? sql[i] : sql[i + 1]) !== undefined) {
      const k = first ? i : i + 1;
      if (sql[k] === '"') {
        const close = sql.indexOf('"', k + 1);
        if (close === -1) return undefined;
        json += `.${sql.slice(k + 1, close)}`;
        i = close + 1;
      } else {
        let j = k;
        while (j < sql.length && WORD_CHAR.test(sql[j] as string)) j++;
        if (j === k) return first ? undefined : { json, end: i };
        json += `.${sql.slice(k, j)}`;
        i = j;
      }
    } else {
      return first ? undefined : { json, end: i };
    }
    first = false;
  }
}

/** BigQuery `DATE_DIFF(a, b, DAY)`, `DATE_TRUNC(d, MONTH)`: the bare date part quoted. */
function quoteLastDatePart(sql: string, note: (what: string) => void): string {
  const re = new RegExp(BIGQUERY_PART_LAST.source, "gi");
  const edits: Array<[number, number, string]> = [];
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    const open = m.index + m[0].length - 1;
    const close = skipParens(sql, open) - 1;
    const args = sql.slice(open + 1, close);
    const last = new RegExp(`,\\s*(${DATE_PART}(?:\\s*\\(\\s*[A-Za-z]+\\s*\\))?)\\s*$`, "i").exec(args);
    if (last) {
      const start = open + 1 + (last.index ?? 0) + last[0].indexOf(last[1] as string);
      edits.push([start, start + (last[1] as string).length, `'${last[1]}'`]);
    }
  }
  if (edits.length > 0) note("date part as an argument");
  let out = sql;
  for (const [s, e, t] of edits.reverse()) out = out.slice(0, s) + t + out.slice(e);
  return out;
}

/** `raw:a`, `t.col:"b"`, `v:[0]`: a colon after a value and before a key (not `::`, `:=`, `? :`). */
function isPathColon(sql: string, at: number): boolean {
  let b = at - 1;
  while (b >= 0 && /\s/.test(sql[b] as string)) b--;
  let a = at + 1;
  while (a < sql.length && /\s/.test(sql[a] as string)) a++;
  const before = sql[b] ?? "";
  const after = sql[a] ?? "";
  return /[A-Za-z0-9_"\])]/.test(before) && /[A-Za-z_"[]/.test(after);
}

/** Polyglot's dialect names for ours. */
const POLYGLOT_NAME: Record<Exclude<SqlDialect, "duckdb">, string> = {
  snowflake: "snowflake",
  bigquery: "bigquery",
  databricks: "databricks",
};

/**
 * Length-preserving edits before transpiling (offsets of polyglot's errors stay those of
 * the user's text): Databricks `STREAM(t)` / `STREAM t` read the table t.
 */
function prepareForTranspile(sql: string, dialect: SqlDialect): string {
  if (dialect !== "databricks" || !/\bstream\b/i.test(sql)) return sql;
  const blank = (text: string) => " ".repeat(text.length);
  return sql
    .replace(
      /\bstream(\s*\(\s*)([\w.`]+)(\s*\))/gi,
      (_w, open: string, name: string, close: string) => `${blank(`stream${open}`)}${name}${blank(close)}`,
    )
    .replace(/\bstream(?=\s+[\w`])/gi, "      ");
}

const UNITS = "(?:YEAR|QUARTER|MONTH|WEEK|DAY|HOUR|MINUTE|SECOND|MILLISECOND|MICROSECOND)S?";
/** `INTERVAL -7 DAY`, `INTERVAL n MONTH`, `INTERVAL t.n DAY`: DuckDB wants a literal or `(expr)`. */
const BARE_INTERVAL = new RegExp(
  `\\bINTERVAL\\s+(-\\s*\\d+(?:\\.\\d+)?|[A-Za-z_"][\\w".]*)\\s+(${UNITS})\\b`,
  "gi",
);

/**
 * Fixes polyglot's DuckDB output where DuckDB would reject it or rocky misread it:
 * - BigQuery `` `p.d.t` `` came out as one identifier `"p.d.t"`: three parts again;
 * - `JOIN LATERAL UNNEST(…) AS f(…)` with no ON: `ON TRUE`;
 * - `INTERVAL -7 DAY` / `INTERVAL col MONTH`: the amount in parentheses;
 * - FLATTEN's `UNNEST(input => x)`: the named argument unnamed.
 */
export function fixTranspiled(sql: string, dialect: SqlDialect, original = ""): string {
  let out = sql;
  if (dialect === "snowflake" && /\bUNNEST\(/i.test(out)) out = nameFlattenColumns(out);
  if (dialect === "bigquery" && /\bUNNEST\(/i.test(out)) out = nameUnnestElements(out, original);
  if (dialect === "bigquery" && out.includes('"')) {
    out = out.replace(/"((?:[^"]|"")*)"/g, (whole, inner: string) =>
      inner.includes(".") && !inner.includes("/")
        ? inner
            .split(".")
            .map((p) => `"${p}"`)
            .join(".")
        : whole,
    );
  }
  out = out.replace(BARE_INTERVAL, (whole, amount: string, unit: string) =>
    /^(?:interval|day|month|year)$/i.test(amount) ? whole : `INTERVAL (${amount}) ${unit}`,
  );
  out = out.replace(/\bUNNEST\(\s*input\s*=>\s*/gi, "UNNEST(");
  if (/\bJOIN\s+LATERAL\b/i.test(out)) out = addOnTrue(out);
  return out;
}

/** The columns of a FLATTEN row, as Snowflake names them. */
const FLATTEN_COLUMNS = "(SEQ, KEY, PATH, INDEX, VALUE, THIS)";

/** `TABLE(FLATTEN(x)) f` came out as `UNNEST(x) AS f`: give f FLATTEN's columns. */
function nameFlattenColumns(sql: string): string {
  return eachUnnest(sql, (alias, hasColumns) =>
    hasColumns || alias === undefined ? undefined : FLATTEN_COLUMNS,
  );
}

/**
 * BigQuery `UNNEST(arr) AS e [WITH OFFSET [AS o]]` names the element e (and the offset o);
 * polyglot's `UNNEST(arr) [WITH ORDINALITY] AS e` names only the table: `AS e(e[, o])`.
 */
function nameUnnestElements(sql: string, original: string): string {
  const offsets = [...original.matchAll(/\bwith\s+offset(?:\s+(?:as\s+)?([A-Za-z_]\w*))?/gi)].map(
    (m) => m[1] ?? "offset",
  );
  let k = 0;
  return eachUnnest(sql, (alias, hasColumns, ordinality) => {
    if (hasColumns || alias === undefined) return undefined;
    return ordinality ? `(${alias}, ${offsets[k++] ?? "offset"})` : `(${alias})`;
  });
}

/**
 * For each `UNNEST(…) [WITH ORDINALITY] [AS] alias [(cols)]`, text to insert after the
 * alias (a column list), when `columns` returns one.
 */
function eachUnnest(
  sql: string,
  columns: (alias: string | undefined, hasColumns: boolean, ordinality: boolean) => string | undefined,
): string {
  const re = /\bUNNEST\(/gi;
  const inserts: Array<[number, string]> = [];
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    let i = skipParens(sql, m.index + m[0].length - 1);
    const ord = /^\s+WITH\s+ORDINALITY\b/i.exec(sql.slice(i));
    if (ord) i += ord[0].length;
    const alias = /^\s*(?:AS\s+)?("[^"]*"|[A-Za-z_]\w*)/i.exec(sql.slice(i));
    let name: string | undefined;
    if (
      alias &&
      !/^(?:ON|USING|WHERE|GROUP|ORDER|JOIN|LEFT|INNER|CROSS|WITH|LIMIT|QUALIFY|UNION|HAVING|WINDOW)$/i.test(
        alias[1] as string,
      )
    ) {
      name = alias[1] as string;
      i += alias[0].length;
    }
    const text = columns(name, sql[i] === "(", ord !== null);
    if (text !== undefined) inserts.push([i, text]);
  }
  let out = sql;
  for (const [at, text] of inserts.reverse()) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/** `JOIN LATERAL f(…) [AS a[(cols)]]` followed by no ON/USING: insert `ON TRUE`. */
function addOnTrue(sql: string): string {
  const re = /\bJOIN\s+LATERAL\s+/gi;
  const inserts: number[] = [];
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    let i = m.index + m[0].length;
    const name = /^[\w."]+\s*/.exec(sql.slice(i));
    if (name) i += name[0].length;
    if (sql[i] !== "(") continue;
    i = skipParens(sql, i);
    const alias = /^\s*(?:AS\s+)?("[^"]*"|[A-Za-z_]\w*)/i.exec(sql.slice(i));
    if (alias && !/^(?:ON|USING|WHERE|GROUP|ORDER|JOIN|LEFT|INNER|CROSS)$/i.test(alias[1] as string)) {
      i += alias[0].length;
      if (sql[i] === "(") i = skipParens(sql, i);
    }
    if (!/^\s*(?:ON|USING)\b/i.test(sql.slice(i))) inserts.push(i);
  }
  let out = sql;
  for (const at of inserts.reverse()) out = `${out.slice(0, at)} ON TRUE${out.slice(at)}`;
  return out;
}

function skipParens(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'") {
      const close = sql.indexOf("'", i + 1);
      i = close === -1 ? sql.length : close;
    } else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i + 1;
  }
  return sql.length;
}

export interface Transpiled {
  ok: boolean;
  /** DuckDB SQL, fixed (when ok). */
  sql?: string;
  error?: string;
  /** Character offset of the error in the user's SQL. */
  offset?: number;
}

/** Transpiles one model to DuckDB SQL with polyglot, then fixes the known output problems. */
export function transpileToDuckDb(
  p: Polyglot,
  sql: string,
  dialect: Exclude<SqlDialect, "duckdb">,
): Transpiled {
  const prepared = prepareForTranspile(sql, dialect);
  let result: ReturnType<Polyglot["transpile"]>;
  try {
    result = p.transpile(prepared, POLYGLOT_NAME[dialect] as never, "duckdb" as never);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (!result.success || !result.sql) {
    const out: Transpiled = { ok: false, error: result.error ?? "could not parse SQL" };
    if (result.errorStart !== undefined) out.offset = result.errorStart;
    return out;
  }
  return { ok: true, sql: fixTranspiled(result.sql.join(";\n"), dialect, sql) };
}

/** How the dialect models of this process were parsed (for benchmarks and `--verbose` figures). */
export const dialectRoutes = { asWritten: 0, normalised: 0, transpiled: 0, failed: 0 };

/** What the parser sends where, per model. */
interface Route {
  index: number;
  dialect: Exclude<SqlDialect, "duckdb">;
  /** Why DuckDB may not read this model as written (the construct found), if anything. */
  construct?: string;
}

/**
 * A parser for models of any dialect over DuckDB's: DuckDB models and safe dialect models
 * in one batch as before; the others transpiled (polyglot loaded now, once) and parsed in
 * a second batch.
 */
export function dialectParser(base: SqlParser): {
  parseMany(sqls: readonly string[], dialects?: readonly (SqlDialect | undefined)[]): Promise<ParsedSql[]>;
  close(): void;
} {
  return {
    async parseMany(sqls, dialects) {
      if (!dialects?.some((d) => d !== undefined && d !== "duckdb")) return base.parseMany(sqls);
      const results: ParsedSql[] = new Array(sqls.length);
      // First pass, DuckDB: DuckDB models, and dialect models as written or lexically
      // normalised (then parsed from that text, and their references relocated).
      const direct: number[] = [];
      const directText: string[] = [];
      const normalised = new Map<number, Normalized>();
      const transpile: Route[] = [];
      sqls.forEach((sql, index) => {
        const dialect = dialects[index];
        if (dialect === undefined || dialect === "duckdb") {
          direct.push(index);
          directText.push(sql);
          return;
        }
        const n = normalizeForDuckDb(sql, dialect);
        if (n.hard) {
          transpile.push({ index, dialect, ...(n.construct ? { construct: n.construct } : {}) });
          return;
        }
        if (n.changed) normalised.set(index, n);
        direct.push(index);
        directText.push(n.text);
      });
      const firstPass = await base.parseMany(directText);
      direct.forEach((index, k) => {
        const parsed = firstPass[k] as ParsedSql;
        const dialect = dialects[index];
        const n = normalised.get(index);
        if (dialect === undefined || dialect === "duckdb" || parsed.ok || parsed.unsupported) {
          if (dialect !== undefined && dialect !== "duckdb") {
            if (n) dialectRoutes.normalised++;
            else dialectRoutes.asWritten++;
          }
          results[index] = parsed.ok && n ? { ...parsed, transpiled: n.text } : parsed;
          return;
        }
        // DuckDB rejected a dialect model: transpile it from its own dialect.
        transpile.push({ index, dialect, ...(n?.construct ? { construct: n.construct } : {}) });
      });
      if (transpile.length === 0) return results;
      const p = await loadPolyglot();
      const texts: string[] = [];
      const sent: Route[] = [];
      for (const route of transpile) {
        const sql = sqls[route.index] as string;
        const t = transpileToDuckDb(p, sql, route.dialect);
        if (!t.ok || t.sql === undefined) {
          dialectRoutes.failed++;
          results[route.index] = transpileError(sql, route.dialect, t);
          continue;
        }
        texts.push(t.sql);
        sent.push(route);
      }
      const secondPass = await base.parseMany(texts);
      sent.forEach((route, k) => {
        const parsed = secondPass[k] as ParsedSql;
        const text = texts[k] as string;
        if (parsed.ok) {
          dialectRoutes.transpiled++;
          results[route.index] = { ...parsed, transpiled: text };
        } else {
          dialectRoutes.failed++;
          const dialectName = DIALECT_LABEL[route.dialect];
          results[route.index] = {
            ok: false,
            error: `${dialectName} SQL${route.construct ? ` (${route.construct})` : ""} could not be analysed: transpiled to DuckDB SQL, it does not parse: ${parsed.error}`,
          };
        }
      });
      return results;
    },
    close() {
      base.close();
    },
  };
}

export const DIALECT_LABEL: Record<SqlDialect, string> = {
  duckdb: "DuckDB",
  snowflake: "Snowflake",
  bigquery: "BigQuery",
  databricks: "Databricks",
};

function transpileError(sql: string, dialect: SqlDialect, t: Transpiled): ParsedSql {
  const near = t.offset === undefined ? "" : ` near '${sql.slice(t.offset, t.offset + 30).split("\n")[0]}'`;
  const out: ParsedSql = {
    ok: false,
    error: `${DIALECT_LABEL[dialect]} SQL: construct not supported${near}: ${t.error ?? "could not parse"}`,
  };
  if (t.offset !== undefined) out.offset = t.offset;
  return out;
}

/**
 * Table references found in a transpiled copy, given their places in the user's text:
 * each is matched, in order, to a reference the dialect-aware text scan found there with
 * the same name parts (case-insensitive), else to any occurrence of the dotted name.
 * References not found are returned in `missing`.
 */
export function relocateRefs(
  original: string,
  dialect: SqlDialect,
  refs: readonly TableRefSpan[],
): { refs: TableRefSpan[]; missing: TableRefSpan[] } {
  const key = (parts: readonly string[]) => parts.join("\u0000").toLowerCase();
  const scanned = scanTableRefs(original, dialect);
  let names: TableRefSpan[] | undefined;
  const used = new Set<number>();
  const out: TableRefSpan[] = [];
  const missing: TableRefSpan[] = [];
  const pick = (pool: readonly TableRefSpan[], k: string): TableRefSpan | undefined =>
    pool.find((c) => !used.has(c.start) && key(c.parts) === k);
  for (const ref of refs) {
    const k = key(ref.parts);
    let hit = pick(scanned, k);
    if (hit === undefined) {
      names ??= dottedNames(original, dialect);
      hit = pick(names, k);
    }
    if (hit === undefined) {
      missing.push(ref);
      continue;
    }
    used.add(hit.start);
    out.push({ parts: ref.parts, start: hit.start, end: hit.end });
  }
  out.sort((a, b) => a.start - b.start);
  return { refs: out, missing };
}
