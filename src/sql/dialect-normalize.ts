/**
 * Lexical normalisation of Snowflake, BigQuery and Databricks SQL to DuckDB SQL: most
 * dialect models differ from DuckDB's grammar only in tokens (backtick names, string
 * quotes, `col:path`, date parts written as bare words), and rewriting those tokens in one
 * linear pass is ~100× cheaper than a full transpile (scripts/bench-dialects.ts). Every
 * edit is recorded, so a position in the normalised text maps back to the user's text
 * (`mapSpan`): table references found by the DuckDB parse keep their place in the
 * original SQL without a second scan.
 */
import type { SqlDialect } from "./types.ts";

/**
 * The alias given to a BigQuery UNNEST FROM item that has none: its element's fields are
 * then columns of the FROM clause (`FROM UNNEST(hits.customDimensions)` … `index`, `value`),
 * which the lineage walker reads as columns of the array.
 */
export const UNNEST_FIELDS = "_rocky_unnest_fields";

/** One rewritten token: `out[o0, o1)` stands for `sql[i0, i1)`. */
interface Edit {
  o0: number;
  o1: number;
  i0: number;
  i1: number;
}

export interface Normalized {
  /** The SQL in DuckDB's lexical terms (the input itself when `changed` is false). */
  text: string;
  changed: boolean;
  /** The first dialect-only construct met, for messages (`backtick-quoted name`, …). */
  construct?: string;
  /** A construct only a real transpile handles (FLATTEN, …): `text` is not to be parsed. */
  hard?: boolean;
  /** The edits, in order (empty when unchanged). */
  edits: Edit[];
}

const DATE_PARTS = new Set(
  "year years yyyy yy quarter quarters q month months mm mon week weeks w wk weekofyear day days d dd dayofweek dayofyear dow doy hour hours h hh minute minutes m mi min second seconds s sec millisecond milliseconds ms microsecond microseconds us nanosecond nanoseconds ns epoch isoweek isoyear yearofweek".split(
    " ",
  ),
);
/** Functions taking a date part as a bare word first argument (`DATEADD(day, …)`). */
const PART_FIRST = new Set(
  "dateadd datediff date_diff timeadd timediff timestampadd timestampdiff timestamp_diff date_trunc date_part datepart time_slice".split(
    " ",
  ),
);
/** BigQuery functions taking one last (`DATE_DIFF(a, b, DAY)`). */
const PART_LAST = new Set(
  "date_diff datetime_diff timestamp_diff time_diff date_trunc datetime_trunc timestamp_trunc time_trunc last_day generate_date_array generate_timestamp_array".split(
    " ",
  ),
);

/**
 * Text with none of what `normalizeForDuckDb` rewrites is returned as is without the
 * lexical pass (most models of a project; one regex scan).
 */
const MAY_NEED: Record<Exclude<SqlDialect, "duckdb">, RegExp> = {
  snowflake:
    /(?<!:):(?![:=])|\\|\{\s*\}|::\s*array\b|\bas\s+array\s*\)|\b(?:dateadd|datediff|timeadd|timediff|timestampadd|timestampdiff|date_trunc|date_part|datepart|time_slice|flatten)\b|\bwithin\s+group\b|\b(?:ignore|respect)\s+nulls\b|\bi?like\s+(?:any|all)\b|\b(?:table)?sample\b/i,
  bigquery:
    /[`"#\\]|\b[rb]'|\b(?:date_diff|datetime_diff|timestamp_diff|time_diff|date_trunc|datetime_trunc|timestamp_trunc|time_trunc|last_day|generate_date_array|generate_timestamp_array|except|offset|ordinal|safe_offset|safe_ordinal|safe_cast|struct|unnest|table)\b|\barray\s*<|\bfor\s+system[_ ]time\b/i,
  databricks:
    /(?<!:):(?![:=])|[`"\\]|\b[rb]'|\b(?:dateadd|datediff|timeadd|timediff|timestampadd|timestampdiff|date_trunc|date_part|datepart|except|stream)\b|\barray\s*\(|\blateral\s+view\b|\b(?:version|timestamp)\s+as\s+of\b|\b(?:rlike|regexp|tablesample|pivot)\b/i,
};

/** Constructs of each dialect that only a transpile reads (by a word, what follows it, the word before). */
const HARD: Partial<
  Record<SqlDialect, (word: string, following: string, before: string) => string | undefined>
> = {
  snowflake: (word, following) =>
    word === "within" && following.startsWith("group")
      ? "WITHIN GROUP"
      : (word === "ignore" || word === "respect") && following.startsWith("nulls")
        ? "IGNORE/RESPECT NULLS"
        : (word === "like" || word === "ilike") && /^(?:any|all)\b/.test(following)
          ? "LIKE ANY/ALL"
          : undefined,
  bigquery: (word, following, before) =>
    (word === "struct" || word === "array") && following.startsWith("<")
      ? "typed STRUCT/ARRAY"
      : word === "struct" && following.startsWith("(")
        ? "STRUCT(…)"
        : before === "as" && (word === "struct" || word === "value")
          ? "SELECT AS STRUCT"
          : undefined,
  databricks: (word, following) =>
    word === "lateral" && following.startsWith("view") ? "LATERAL VIEW" : undefined,
};

/** The words HARD looks at, per dialect (so other words cost nothing). */
const HARD_WORDS: Partial<Record<SqlDialect, ReadonlySet<string>>> = {
  snowflake: new Set(["within", "ignore", "respect", "like", "ilike"]),
  bigquery: new Set(["struct", "array", "value"]),
  databricks: new Set(["lateral"]),
};

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 0x7f;
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12;
}

/** A DuckDB string literal of `value`. */
function duckString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Backslash escapes of dialect strings, decoded. */
function decodeEscapes(body: string): string {
  if (!body.includes("\\")) return body;
  return body.replace(/\\(.)/gs, (_w, c: string) =>
    c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c === "0" ? "\0" : c,
  );
}

/** Index of the next non-space character at or after `i`. */
function skipSpaces(sql: string, i: number): number {
  while (i < sql.length && isSpace(sql.charCodeAt(i))) i++;
  return i;
}

/**
 * The model's SQL with the dialect's lexical differences from DuckDB rewritten: backtick
 * names become `"…"` (a BigQuery `` `p.d.t` `` three parts); `"…"`, raw, triple-quoted
 * and backslash-escaped strings become DuckDB strings; Snowflake/Databricks `col:a.b`
 * becomes JSON access `(col -> '$.a.b')`; date parts written as bare words become
 * strings; BigQuery `SAFE_CAST`, `* EXCEPT (…)` and `arr[OFFSET(n)]` become `TRY_CAST`,
 * `* EXCLUDE (…)` and `arr[(n)]`; Databricks `STREAM(t)` / `STREAM t` the table t.
 * What it cannot rewrite (Snowflake FLATTEN, a path after a call) is `hard`.
 */
export function normalizeForDuckDb(sql: string, dialect: SqlDialect): Normalized {
  if (dialect === "duckdb" || !MAY_NEED[dialect].test(sql)) return { text: sql, changed: false, edits: [] };
  const stringQuote = dialect === "bigquery" || dialect === "databricks";
  const paths = dialect === "snowflake" || dialect === "databricks";
  let out = "";
  const edits: Edit[] = [];
  let copied = 0;
  /** Copies the input up to `to` unchanged. */
  const copyTo = (to: number) => {
    if (to > copied) out += sql.slice(copied, to);
    copied = to;
  };
  /** Replaces `sql[from, to)` by `text`. */
  const edit = (from: number, to: number, text: string) => {
    copyTo(from);
    edits.push({ o0: out.length, o1: out.length + text.length, i0: from, i1: to });
    out += text;
    copied = to;
  };
  /**
   * Inserts `text` before input offset `at`, already written out (`f({}, x):path` wraps a
   * call with edits inside): false when `at` falls inside an edit.
   */
  const insertBefore = (at: number, text: string): boolean => {
    let pos = at;
    let k = 0;
    for (; k < edits.length; k++) {
      const e = edits[k] as Edit;
      if (e.i0 >= at) break;
      if (e.i1 > at) return false;
      pos = at - e.i1 + e.o1;
    }
    out = out.slice(0, pos) + text + out.slice(pos);
    for (let m = k; m < edits.length; m++) {
      const e = edits[m] as Edit;
      e.o0 += text.length;
      e.o1 += text.length;
    }
    edits.splice(k, 0, { o0: pos, o1: pos + text.length, i0: at, i1: at });
    return true;
  };
  /** Where the expression closed by the last `)` starts (`f` of `f(…)`), or -1. */
  let lastCloseStart = -1;
  /** Takes back what was written from input offset `at` on (edits included), to rewrite it whole. */
  const replaceBack = (at: number): true | undefined => {
    let pos = at;
    let k = 0;
    for (; k < edits.length; k++) {
      const e = edits[k] as Edit;
      if (e.i0 >= at) break;
      if (e.i1 > at) return undefined;
      pos = at - e.i1 + e.o1;
    }
    if (at > copied) copyTo(at);
    out = out.slice(0, pos);
    edits.splice(k);
    copied = at;
    return true;
  };
  /** Inserts `text` before input offset `at` (written out or not): false when inside an edit. */
  const prefixAt = (at: number, text: string): boolean => {
    if (at < 0) return false;
    if (at < copied) return insertBefore(at, text);
    edit(at, at, text);
    return true;
  };
  /** The `(` matching the last `)`, and the open ones. */
  let lastOpen = -1;
  const parens: number[] = [];
  let construct: string | undefined;
  let hard = false;
  const note = (what: string, isHard = false) => {
    construct ??= what;
    if (isHard) hard = true;
  };
  /** Start (input offset) of the identifier chain just read, -1 when the last token was not one. */
  let chainStart = -1;
  /** The last significant token: a punctuation character, or "w" for a word/name, "'" for a string. */
  let prev = "";
  let prevWord = "";
  /** Where the last `)` was, and the call it closed (for `…) WITHIN GROUP`, `…) IGNORE NULLS`). */
  let lastClose = -1;
  let lastClosed = "";
  /** Start of the last word. */
  let wordStart = -1;
  /** Function names of the open parentheses (lower case; "" when not a call). */
  const calls: string[] = [];
  /** Where the expression each open `(` / `[` belongs to starts (`a.f(`, `arr[`), for `…):path`. */
  const opens: number[] = [];
  /** Edits decided ahead of the scan (BigQuery UNNEST aliases), applied when it gets there. */
  const pending: Array<{ at: number; to: number; text: string }> = [];
  let i = 0;
  while (i < sql.length) {
    while (pending.length > 0 && (pending[0] as { at: number }).at <= i) {
      const p = pending.shift() as { at: number; to: number; text: string };
      if (p.at === i) {
        edit(p.at, p.to, p.text);
        i = p.to;
      }
    }
    if (i >= sql.length) break;
    const c = sql.charCodeAt(i);
    const ch = sql[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl === -1 ? sql.length : nl;
      continue;
    }
    if (ch === "#" && dialect === "bigquery") {
      note("# comment");
      edit(i, i + 1, "--");
      const nl = sql.indexOf("\n", i);
      i = nl === -1 ? sql.length : nl;
      continue;
    }
    if (ch === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      i = close === -1 ? sql.length : close + 2;
      continue;
    }
    // Strings.
    let prefixLength = 0;
    if (
      stringQuote &&
      (ch === "r" || ch === "R" || ch === "b" || ch === "B") &&
      (i === 0 || !isWordChar(sql.charCodeAt(i - 1)))
    ) {
      if (next === "'" || next === '"') prefixLength = 1;
      else if (/^[rRbB]['"]/.test(sql.slice(i + 1, i + 3)) && (next ?? "").toLowerCase() !== ch.toLowerCase())
        prefixLength = 2;
    }
    if (ch === "'" || (ch === '"' && stringQuote) || prefixLength > 0) {
      const raw = /r/i.test(sql.slice(i, i + prefixLength));
      const j = i + prefixLength;
      const quote = sql[j] as string;
      if (prefixLength > 0) note(raw ? "raw string" : "bytes string");
      else if (quote === '"') note('double-quoted string ("…")');
      const triple = dialect === "bigquery" && sql.startsWith(quote.repeat(3), j);
      if (triple) note("triple-quoted string");
      const open = triple ? 3 : 1;
      let k = j + open;
      let body = "";
      let escaped = false;
      for (; k < sql.length; k++) {
        const d = sql[k] as string;
        if (d === "\\" && !raw) {
          escaped = true;
          body += d + (sql[k + 1] ?? "");
          k++;
          continue;
        }
        if (triple ? sql.startsWith(quote.repeat(3), k) : d === quote) {
          if (!triple && quote === "'" && sql[k + 1] === "'") {
            body += "'";
            k++;
            continue;
          }
          break;
        }
        body += d;
      }
      const end = Math.min(sql.length, k + open);
      if (prefixLength > 0 || quote === '"' || triple || escaped) {
        if (escaped && !raw) note("backslash escape in a string");
        edit(i, end, duckString(raw ? body : decodeEscapes(body)));
      }
      i = end;
      chainStart = -1;
      prev = "'";
      continue;
    }
    if (ch === "{" && dialect === "snowflake" && sql[skipSpaces(sql, i + 1)] === "}") {
      // `{}`: Snowflake's empty object literal; DuckDB has no empty struct literal.
      note("empty object literal {}");
      const close = skipSpaces(sql, i + 1) + 1;
      edit(i, close, "OBJECT_CONSTRUCT()");
      i = close;
      chainStart = -1;
      prev = "w";
      continue;
    }
    if (ch === "$" && next === "$" && dialect === "snowflake") {
      const close = sql.indexOf("$$", i + 2);
      i = close === -1 ? sql.length : close + 2;
      chainStart = -1;
      prev = "'";
      continue;
    }
    // Names; a chain `a.b."c"` keeps its start for a following `:path`.
    if (ch === "`" && dialect !== "snowflake") {
      note("backtick-quoted name");
      const close = sql.indexOf("`", i + 1);
      const end = close === -1 ? sql.length : close + 1;
      const value = sql.slice(i + 1, end - 1);
      let parts = dialect === "bigquery" && !value.includes("/") ? value.split(".") : [value];
      // `` `project.dataset.udf`(…) ``: DuckDB has no three-part function name; one quoted name.
      if (parts.length > 2 && prev !== "." && sql[skipSpaces(sql, end)] === "(") parts = [value];
      // `` `p.region-us.INFORMATION_SCHEMA.T` ``: DuckDB names have at most three parts; the
      // leading ones in one (split again in the analysis: dialect-analysis.ts).
      else if (parts.length > 3 && prev !== "." && sql[end] !== ".") {
        parts = [parts.slice(0, -2).join("."), ...parts.slice(-2)];
      }
      if (prev !== ".") chainStart = i;
      edit(i, end, parts.map((p) => `"${p.replaceAll('"', '""')}"`).join("."));
      i = end;
      prev = "w";
      prevWord = "";
      continue;
    }
    if (ch === '"') {
      const close = sql.indexOf('"', i + 1);
      if (prev !== ".") chainStart = i;
      i = close === -1 ? sql.length : close + 1;
      prev = "w";
      prevWord = "";
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
      const word = sql.slice(i, j).toLowerCase();
      const after = skipSpaces(sql, j);
      const nextCh = sql[after];
      if (dialect === "databricks" && word === "stream" && prev !== ".") {
        const call = /^\(\s*([\w.`"]+)\s*\)/.exec(sql.slice(after));
        if (call) {
          // STREAM(t): the table t (its name goes through this loop next).
          note("STREAM");
          const inner = after + call[0].indexOf(call[1] as string);
          edit(i, inner, "");
          const closeAt = after + call[0].length - 1;
          const rest = normalizeForDuckDb(sql.slice(inner, closeAt), dialect);
          for (const e of rest.edits) {
            edits.push({ o0: out.length + e.o0, o1: out.length + e.o1, i0: inner + e.i0, i1: inner + e.i1 });
          }
          out += rest.text;
          copied = closeAt;
          edit(closeAt, closeAt + 1, "");
          i = closeAt + 1;
          prev = "w";
          chainStart = -1;
          continue;
        }
        if (nextCh !== undefined && /[\w`]/.test(nextCh) && (prevWord === "from" || prevWord === "join")) {
          note("STREAM");
          edit(i, j, "");
          i = j;
          continue;
        }
      }
      // Time travel (`FOR SYSTEM_TIME AS OF …`, `VERSION AS OF 3`): which rows, not which columns.
      const travel =
        prev === "w" &&
        ((dialect === "bigquery" && word === "for") ||
          (dialect === "databricks" && (word === "version" || word === "timestamp")))
          ? timeTravelEnd(sql, i, dialect)
          : undefined;
      if (travel !== undefined) {
        note("time travel (AS OF)");
        edit(i, travel, " ");
        i = travel;
        continue;
      }
      const rewritten = GRAMMAR_WORDS.has(word)
        ? rewriteGrammar(dialect, sql, word, i, j, after, {
            prev,
            prevWord,
            prevWordStart: wordStart,
            lastClose,
            lastClosed,
            itemStart: prev === ")" ? lastOpen : prev === "w" ? chainStart : -1,
          })
        : undefined;
      // Only over text not yet written out (an edit after the `)` it starts at would be lost).
      if (
        rewritten !== undefined &&
        rewritten.from >= copied &&
        (rewritten.prefix === undefined || prefixAt(rewritten.prefix.at, rewritten.prefix.text))
      ) {
        note(rewritten.construct);
        edit(rewritten.from, rewritten.to, rewritten.text);
        if (rewritten.pushCall !== undefined) {
          calls.push(rewritten.pushCall);
          opens.push(-1);
        }
        if (rewritten.popCall) {
          calls.pop();
          opens.pop();
        }
        i = rewritten.to;
        prev = rewritten.prev ?? "w";
        chainStart = -1;
        continue;
      }
      if (dialect === "snowflake" && word === "flatten" && nextCh === "(") note("FLATTEN", true);
      // Grammar DuckDB rejects: known now, so the model is transpiled without a DuckDB try first.
      if (HARD_WORDS[dialect]?.has(word)) {
        const hardConstruct = HARD[dialect]?.(word, sql.slice(after, after + 16).toLowerCase(), prevWord);
        if (hardConstruct !== undefined) note(hardConstruct, true);
      }
      if (dialect === "bigquery" && word === "unnest" && nextCh === "(" && prev !== ".") {
        // `[LEFT] JOIN UNNEST(…)` needs no ON in BigQuery; DuckDB's JOIN does (CROSS JOIN takes none).
        const joined = prevWord === "join" && !/\bcross\s+join\s*$/i.test(sql.slice(Math.max(0, i - 40), i));
        pending.push(...unnestAliases(sql, after, joined, prevWord === "from" || prevWord === "join"));
      }
      if (
        dialect === "bigquery" &&
        word === "table" &&
        prev !== "." &&
        isTableName(sql, after, prev, prevWord)
      ) {
        // `FROM x table`, `table.col`: BigQuery does not reserve TABLE; DuckDB does (quoted, a name).
        note("TABLE as a name");
        edit(i, j, '"table"');
      } else if (
        dialect === "bigquery" &&
        word === "offset" &&
        nextCh !== "(" &&
        (prev === "," || prev === "(" || (prev === "w" && /^(?:by|as|select)$/.test(prevWord)))
      ) {
        // `ORDER BY offset`: the name of a `WITH OFFSET` column, a clause keyword in DuckDB.
        note("OFFSET as a name");
        edit(i, j, '"offset"');
      } else if (
        dialect === "databricks" &&
        word === "array" &&
        nextCh === "(" &&
        prev !== "." &&
        prev !== ":"
      ) {
        // Spark's array(…) constructor: ARRAY is reserved in DuckDB's grammar; quoted, a function.
        note("array(…)");
        edit(i, j, '"array"');
      } else if (
        dialect === "snowflake" &&
        word === "array" &&
        (prev === ":" || prevWord === "as") &&
        nextCh !== "("
      ) {
        // `::ARRAY`, `CAST(x AS ARRAY)`: a type DuckDB's grammar reserves; quoted, it is a type name.
        note("ARRAY type");
        edit(i, j, '"ARRAY"');
      } else if (dialect === "bigquery" && word === "safe_cast" && nextCh === "(") {
        note("SAFE_CAST");
        edit(i, j, "TRY_CAST");
      } else if (
        dialect === "bigquery" &&
        prev === "[" &&
        nextCh === "(" &&
        (word === "offset" || word === "safe_offset" || word === "ordinal" || word === "safe_ordinal")
      ) {
        note("OFFSET/ORDINAL subscript");
        edit(i, j, "");
      } else if (
        (dialect === "bigquery" || dialect === "databricks") &&
        word === "except" &&
        prev === "*" &&
        nextCh === "("
      ) {
        note("SELECT * EXCEPT");
        edit(i, j, "EXCLUDE");
      } else if (
        dialect === "bigquery" &&
        DATE_PARTS.has(word) &&
        nextCh === "(" &&
        prev === "," &&
        PART_LAST.has(calls[calls.length - 1] ?? "")
      ) {
        // DATE_TRUNC(d, WEEK(MONDAY)): a date part, not a call of a column `monday`.
        const close = closeParen(sql, after);
        note("date part as an argument");
        edit(i, close, `'${sql.slice(i, close).replaceAll("'", "''")}'`);
        i = close;
        prev = "'";
        continue;
      } else if (DATE_PARTS.has(word) && (nextCh === "," || nextCh === ")")) {
        const fn = calls[calls.length - 1] ?? "";
        const first = prev === "(" && PART_FIRST.has(fn) && dialect !== "bigquery";
        const last = prev === "," && nextCh === ")" && PART_LAST.has(fn) && dialect === "bigquery";
        if (first || last) {
          note("date part as an argument");
          edit(i, j, `'${sql.slice(i, j)}'`);
        }
      }
      if (prev !== ".") chainStart = i;
      prev = "w";
      prevWord = word;
      wordStart = i;
      i = j;
      continue;
    }
    if (ch === ":" && paths) {
      if (next === ":") {
        i += 2;
        prev = ":";
        chainStart = -1;
        continue;
      }
      if (next !== "=" && isPathColon(sql, i)) {
        note("semi-structured path (col:path)");
        const path = readPath(sql, i + 1);
        if (chainStart < 0 || path === undefined || (chainStart < copied && !insertBefore(chainStart, "("))) {
          note("semi-structured path (col:path)", true);
          i++;
          continue;
        }
        // `(chain -> '$.path')`, the chain copied as it was (edits inside it kept).
        if (chainStart >= copied) {
          copyTo(chainStart);
          edit(chainStart, chainStart, "(");
        }
        copyTo(i);
        out = out.trimEnd();
        edit(i, path.end, ` -> ${duckString(path.json)})`);
        i = path.end;
        chainStart = -1;
        prev = "w";
        continue;
      }
    }
    if (
      ch === "." &&
      prev === ")" &&
      (dialect === "bigquery" || dialect === "databricks") &&
      lastCloseStart >= 0 &&
      sql[skipSpaces(sql, i + 1)] === "*" &&
      !/\bselect\b/i.test(sql.slice(lastCloseStart, i))
    ) {
      // `IF(c, a, b).*`: the fields of a computed struct, which DuckDB's grammar has no form
      // for; named by its text (a qualifier naming no table), the star is reported, not guessed.
      const k = replaceBack(lastCloseStart);
      if (k !== undefined) {
        note("(expression).*");
        edit(
          lastCloseStart,
          i,
          `"${sql.slice(lastCloseStart, i).replace(/\s+/g, " ").replaceAll('"', '""')}"`,
        );
        prev = "w";
        continue;
      }
    }
    // After `f(…)` / `x[…]` the chain is the whole call or subscript, so `f(x):a` wraps it all.
    let closedStart = -1;
    if (ch === "(") parens.push(i);
    else if (ch === ")") lastOpen = parens.pop() ?? -1;
    if (ch === "(" || ch === "[") {
      if (ch === "(") calls.push(prev === "w" ? prevWord : "");
      const chained = prev === "w" || (ch === "[" && (prev === ")" || prev === "]"));
      opens.push(chained ? chainStart : i);
    } else if (ch === ")" || ch === "]") {
      if (ch === ")") {
        lastClosed = calls.pop() ?? "";
        lastClose = i;
      }
      closedStart = opens.pop() ?? -1;
      if (ch === ")") lastCloseStart = closedStart;
    }
    if (ch !== ".") chainStart = paths ? closedStart : -1;
    prev = ch;
    i++;
  }
  for (const p of pending) if (p.at === sql.length) edit(p.at, p.to, p.text);
  copyTo(sql.length);
  const result: Normalized = { text: out, changed: edits.length > 0, edits };
  if (construct !== undefined) result.construct = construct;
  if (hard) result.hard = true;
  return result;
}

/** Words that may follow a table alias (a clause or join keyword), none of them a table name. */
const AFTER_ALIAS =
  /^(?:cross|join|left|right|inner|full|natural|where|group|order|on|using|limit|qualify|union|having|window|except|intersect|with|tablesample)\b/i;

/**
 * BigQuery `table` used as a name: `table.col`, `table.*`, or an alias (after a table
 * name or `)`, followed by a clause keyword, `,`, `)` or the end), never the keyword of
 * `CREATE TABLE t` / `ML.PREDICT(MODEL m, TABLE t)`.
 */
function isTableName(sql: string, after: number, prev: string, prevWord: string): boolean {
  const nextCh = sql[after];
  if (nextCh === ".") return true;
  const aliasPlace =
    prev === ")" ||
    (prev === "w" &&
      !/^(?:create|replace|temp|temporary|external|snapshot|drop|truncate|alter|into|insert|as|from|join)$/.test(
        prevWord,
      ));
  if (!aliasPlace) return false;
  return (
    nextCh === undefined ||
    nextCh === "," ||
    nextCh === ")" ||
    nextCh === ";" ||
    AFTER_ALIAS.test(sql.slice(after, after + 16))
  );
}

interface Context {
  prev: string;
  prevWord: string;
  prevWordStart: number;
  lastClose: number;
  lastClosed: string;
  /** Where the FROM item just read starts (a name chain, or the `(` of a closed group), or -1. */
  itemStart: number;
}

interface Rewrite {
  construct: string;
  from: number;
  to: number;
  text: string;
  /** The scan continues inside a call whose `(` the rewrite consumed. */
  pushCall?: string;
  /** The rewrite consumed the `)` of a call the scan had opened. */
  popCall?: boolean;
  /** The last significant token after the rewrite (default: a name). */
  prev?: string;
  /** Text inserted before input offset `at` too (written out already or not). */
  prefix?: { at: number; text: string };
}

const ORDERED_AGGREGATES = new Set(["listagg", "array_agg", "arrayagg", "string_agg"]);
/** Spark generators of LATERAL VIEW, and the columns they make when none are named. */
const GENERATOR_COLUMNS: Record<string, string[]> = {
  explode: ["col"],
  explode_outer: ["col"],
  posexplode: ["pos", "col"],
  posexplode_outer: ["pos", "col"],
  inline: ["col"],
  inline_outer: ["col"],
  stack: ["col0"],
  json_tuple: ["c0"],
};

/**
 * Grammar DuckDB lacks, rewritten into DuckDB's equivalent for what lineage reads (the
 * value sources, the columns a FROM item makes): Snowflake `LATERAL FLATTEN(input => x) f`
 * and `TABLE(FLATTEN(x)) f` as `UNNEST(x) AS f(SEQ, KEY, PATH, INDEX, VALUE, THIS)`,
 * `LISTAGG(x, ',') WITHIN GROUP (ORDER BY y)` as `LISTAGG(x, ',' ORDER BY y)`,
 * `LAG(x) IGNORE NULLS OVER` as `LAG(x IGNORE NULLS) OVER`, `LIKE ANY (…)` as `IN (…)`;
 * BigQuery `STRUCT(a AS f)` / `STRUCT<…>(…)` as `struct_pack(a)`, `ARRAY<T>[…]` as `[…]`;
 * `SELECT AS STRUCT a, b` as `SELECT struct_pack(a, b)`;
 * Databricks `LATERAL VIEW [OUTER] explode(x) t AS c` as `CROSS JOIN UNNEST(x) AS t(c)`,
 * `PIVOT (…)` as its aggregate (`pivot`), `a RLIKE re` as `a SIMILAR TO re`; Snowflake and
 * Databricks `SAMPLE`/`TABLESAMPLE (…)` dropped (which rows, not which columns).
 * Undefined when `word` at `start` starts none of them (or one not in a shape read here).
 */
function rewriteGrammar(
  dialect: SqlDialect,
  sql: string,
  word: string,
  start: number,
  end: number,
  after: number,
  ctx: Context,
): Rewrite | undefined {
  const nextCh = sql[after];
  if (dialect === "snowflake") {
    if (word === "flatten" && nextCh === "(") return flatten(sql, start, after, ctx);
    if (word === "within" && ctx.prev === ")" && ORDERED_AGGREGATES.has(ctx.lastClosed)) {
      const m = /^within\s+group\s*\(/i.exec(sql.slice(start));
      if (m) {
        return {
          construct: "WITHIN GROUP",
          from: ctx.lastClose,
          to: start + m[0].length,
          text: " ",
          pushCall: ctx.lastClosed,
          prev: "(",
        };
      }
    }
    if ((word === "ignore" || word === "respect") && ctx.prev === ")") {
      const m = /^(?:ignore|respect)\s+nulls\b/i.exec(sql.slice(start));
      if (m) {
        return {
          construct: "IGNORE/RESPECT NULLS",
          from: ctx.lastClose,
          to: start + m[0].length,
          text: ` ${word.toUpperCase()} NULLS)`,
          prev: ")",
        };
      }
    }
    if (word === "like" || word === "ilike") {
      const m = /^i?like\s+(?:any|all)(?=\s*\()/i.exec(sql.slice(start));
      if (m)
        return { construct: "LIKE ANY/ALL", from: start, to: start + m[0].length, text: "IN", prev: "w" };
    }
  }
  if (dialect === "bigquery") {
    if ((word === "struct" || word === "array") && nextCh === "<") {
      const close = closeAngle(sql, after);
      if (close === undefined) return undefined;
      const rest = skipSpaces(sql, close);
      if (word === "array" && sql[rest] === "[") {
        return { construct: "typed ARRAY", from: start, to: close, text: "", prev: "(" };
      }
      if (word === "struct" && sql[rest] === "(") return structCall(sql, start, rest);
      return undefined;
    }
    if (word === "struct" && nextCh === "(" && ctx.prevWord !== "as") return structCall(sql, start, after);
  }
  if (dialect === "bigquery" && word === "select") {
    const m = /^select\s+as\s+(struct|value)\b/i.exec(sql.slice(start));
    if (m) return selectAs(sql, start, start + m[0].length, (m[1] as string).toLowerCase() === "struct");
  }
  if (dialect === "databricks" && word === "lateral" && /^\s*view\b/i.test(sql.slice(end))) {
    return lateralView(sql, start);
  }
  if (dialect === "databricks" && word === "pivot" && nextCh === "(" && ctx.itemStart >= 0) {
    return pivot(sql, start, after, ctx.itemStart);
  }
  const afterOperand =
    ctx.prev === ")" ||
    ctx.prev === "]" ||
    ctx.prev === "'" ||
    (ctx.prev === "w" && !OPERATOR_CONTEXT.test(ctx.prevWord));
  if (
    (word === "tablesample" || (word === "sample" && dialect === "snowflake")) &&
    dialect !== "bigquery" &&
    afterOperand
  ) {
    // Which rows are read, not which columns: dropped for the analysis.
    const m = SAMPLE_CLAUSE.exec(sql.slice(start));
    if (m) return { construct: "SAMPLE", from: start, to: start + m[0].length, text: " " };
  }
  if (dialect === "databricks" && (word === "rlike" || word === "regexp")) {
    // `a [NOT] RLIKE re` is an operator (DuckDB spells a regex match SIMILAR TO); `rlike(a, re)`
    // after `(`, `,` or a keyword is Spark's function, left as a call.
    if (afterOperand || (ctx.prevWord === "not" && ctx.prev === "w" && nextCh !== "(")) {
      return { construct: "RLIKE", from: start, to: end, text: "SIMILAR TO" };
    }
  }
  return undefined;
}

/** The words `rewriteGrammar` starts a rewrite at (others skip the call). */
const GRAMMAR_WORDS = new Set([
  "flatten",
  "within",
  "ignore",
  "respect",
  "like",
  "ilike",
  "struct",
  "array",
  "select",
  "lateral",
  "pivot",
  "sample",
  "tablesample",
  "rlike",
  "regexp",
]);

/** Words after which a word starts an operand (so `x RLIKE`'s x is not one of them). */
const OPERATOR_CONTEXT =
  /^(?:select|distinct|all|where|and|or|not|when|then|else|case|on|having|by|in|is|as|like|ilike|between|qualify|limit|from|join|return|if)$/;
/** Snowflake `SAMPLE|TABLESAMPLE [method] (p [ROWS]) [SEED (n)]`, Databricks `TABLESAMPLE (p PERCENT|ROWS|BUCKET x OUT OF y)`. */
const SAMPLE_CLAUSE =
  /^(?:table)?sample(?:\s+(?:bernoulli|row|system|block))?\s*\(\s*(?:[\d.]+\s*(?:rows|percent)?|bucket\s+\d+\s+out\s+of\s+\d+)\s*\)(?:\s*(?:seed|repeatable)\s*\(\s*\d+\s*\))?/i;

/**
 * Databricks `item PIVOT (agg(v) [AS a], … FOR c | (c1, c2) IN (x [AS n], (x1, x2) AS n, …))` as
 * the aggregate it is: `(SELECT * EXCLUDE (c…, v…), agg(CASE WHEN c = x THEN v END) AS n, …
 * FROM item GROUP BY ALL)`; the pivot columns are sources of each pivoted column (the CASE
 * condition), the other columns of the item group. Spark's names: the value's alias or
 * text, `value_agg` when there are several aggregates. Undefined for other shapes.
 */
function pivot(sql: string, start: number, open: number, itemStart: number): Rewrite | undefined {
  // Only over a whole FROM item (`FROM t PIVOT`, `JOIN (…) PIVOT`): after `ON a = b.c` the
  // chain is no table, and wrapping it would misread the query.
  if (!/(?:\bfrom|\bjoin|,)\s*$/i.test(sql.slice(Math.max(0, itemStart - 40), itemStart))) return undefined;
  const close = closeParen(sql, open);
  const inside = sql.slice(open + 1, close - 1);
  const m = /^([\s\S]*?)\bfor\s+(\([^()]*\)|[A-Za-z_]\w*|`[^`]+`)\s+in\s*\(([\s\S]*)\)\s*$/i.exec(inside);
  if (!m) return undefined;
  const dbx = (text: string) => normalizeForDuckDb(text.trim(), "databricks").text;
  const colsText = m[2] as string;
  const cols = (colsText.startsWith("(") ? splitArgs(colsText.slice(1, -1)) : [colsText])?.map(dbx);
  const aggItems = splitArgs(m[1] as string);
  const valueItems = splitArgs(m[3] as string);
  if (!cols || !aggItems || !valueItems || aggItems.length === 0 || valueItems.length === 0) return undefined;
  const aliased = (item: string) => {
    const a = /^([\s\S]*?\S)\s+(?:as\s+)?([A-Za-z_]\w*|`[^`]+`)\s*$/i.exec(item.trim());
    // A bare word after a literal or `)` is an alias; `count(*)` alone has none.
    return a && /['"\d)]$/.test(a[1] as string)
      ? { expr: (a[1] as string).trim(), name: (a[2] as string).replace(/^`|`$/g, "") }
      : { expr: item.trim(), name: undefined };
  };
  const excluded = new Set(cols.map((c) => c.toLowerCase()));
  const aggs: Array<{ fn: string; distinct: string; arg: string; name?: string }> = [];
  for (const item of aggItems) {
    const { expr, name } = aliased(item);
    const call = /^([A-Za-z_]\w*)\s*\(\s*(distinct\s+)?([A-Za-z_]\w*|`[^`]+`|\*)\s*\)$/i.exec(expr);
    if (!call) return undefined;
    const arg = dbx(call[3] as string);
    if (arg !== "*") excluded.add(arg.toLowerCase());
    aggs.push({
      fn: call[1] as string,
      distinct: call[2] ? "DISTINCT " : "",
      arg,
      ...(name ? { name } : {}),
    });
  }
  if (aggs.length > 1 && aggs.some((a) => a.name === undefined)) return undefined;
  const outputs: string[] = [];
  for (const item of valueItems) {
    const { expr, name } = aliased(item);
    const tuple = expr.startsWith("(") ? splitArgs(expr.slice(1, closeParen(expr, 0) - 1)) : [expr];
    const label = name ?? /^(['"])(.*)\1$/s.exec(expr)?.[2] ?? (/^[\d.-]+$/.test(expr) ? expr : undefined);
    if (!tuple || tuple.length !== cols.length || label === undefined) return undefined;
    const cond = cols.map((c, k) => `${c} = ${dbx(tuple[k] as string)}`).join(" AND ");
    for (const a of aggs) {
      const outName = aggs.length > 1 ? `${label}_${a.name}` : label;
      outputs.push(
        `${a.fn}(${a.distinct}CASE WHEN ${cond} THEN ${a.arg === "*" ? "1" : a.arg} END) AS "${outName.replaceAll('"', '""')}"`,
      );
    }
  }
  return {
    construct: "PIVOT",
    from: start,
    to: close,
    text: " AS _pivot GROUP BY ALL)",
    prev: ")",
    prefix: {
      at: itemStart,
      text: `(SELECT * EXCLUDE (${[...excluded].join(", ")}), ${outputs.join(", ")} FROM `,
    },
  };
}

/** Words ending a select list at its own level. */
const SELECT_LIST_END = /^(?:from|where|group|having|qualify|window|order|limit|union|intersect|except)$/i;

/** Where the select list starting at `from` ends: a clause keyword or `)` at its level, `;`, the end. */
function selectListEnd(sql: string, from: number): number {
  let depth = 0;
  for (let i = from; i < sql.length; i++) {
    const ch = sql[i] as string;
    const c = sql.charCodeAt(i);
    if (ch === "'" || ch === '"' || ch === "`") {
      const close = sql.indexOf(ch, i + 1);
      i = close === -1 ? sql.length : close;
    } else if ((ch === "-" && sql[i + 1] === "-") || ch === "#") {
      const nl = sql.indexOf("\n", i);
      i = nl === -1 ? sql.length : nl;
    } else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") {
      if (depth === 0) return i;
      depth--;
    } else if (ch === ";" && depth === 0) return i;
    else if (isWordStart(c) && !isWordChar(sql.charCodeAt(i - 1))) {
      let j = i + 1;
      while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
      if (depth === 0 && SELECT_LIST_END.test(sql.slice(i, j))) return i;
      i = j - 1;
    }
  }
  return sql.length;
}

/**
 * BigQuery `SELECT AS STRUCT a, b AS f` (one struct column of the items) as
 * `SELECT struct_pack(a, f := b)`, and `SELECT AS VALUE x` as `SELECT x`.
 */
function selectAs(sql: string, start: number, itemsAt: number, asStruct: boolean): Rewrite | undefined {
  const listEnd = selectListEnd(sql, itemsAt);
  const items = splitArgs(sql.slice(itemsAt, listEnd));
  if (items === undefined || items.length === 0) return undefined;
  if (!asStruct && items.length !== 1) return undefined;
  const fields = items.map((item) => {
    const m = /^([\s\S]*?)\s+AS\s+([A-Za-z_]\w*|`[^`]*`)\s*$/i.exec(item);
    const value = normalizeForDuckDb((m ? (m[1] as string) : item).trim(), "bigquery").text;
    if (!m || !asStruct) return value;
    const name = (m[2] as string).replace(/^`|`$/g, "");
    return `"${name.replaceAll('"', '""')}" := ${value}`;
  });
  return {
    construct: asStruct ? "SELECT AS STRUCT" : "SELECT AS VALUE",
    from: start,
    to: listEnd,
    text: asStruct ? `SELECT struct_pack(${fields.join(", ")}) ` : `SELECT ${fields[0]} `,
    prev: ")",
  };
}

/** `STRUCT(a AS f, b)` from `start` (the word), its `(` at `open`: `struct_pack(a, b)`. */
function structCall(sql: string, start: number, open: number): Rewrite | undefined {
  const close = closeParen(sql, open);
  const args = splitArgs(sql.slice(open + 1, close - 1));
  if (args === undefined) return undefined;
  const values = args.map((a) => a.replace(/\s+AS\s+(?:[A-Za-z_]\w*|`[^`]*`)\s*$/i, ""));
  return {
    construct: "STRUCT(…)",
    from: start,
    to: close,
    text: `struct_pack(${values.map((v) => normalizeForDuckDb(v.trim(), "bigquery").text).join(", ")})`,
    prev: ")",
  };
}

/** Snowflake FLATTEN at `start` (the word; `(` at `open`), with TABLE( … ), an alias, JOIN without ON. */
function flatten(sql: string, start: number, open: number, ctx: Context): Rewrite | undefined {
  const close = closeParen(sql, open);
  const args = splitArgs(sql.slice(open + 1, close - 1));
  if (args === undefined || args.length === 0) return undefined;
  const input = args.find((a) => /^\s*input\s*=>/i.test(a))?.replace(/^\s*input\s*=>\s*/i, "") ?? args[0];
  if (input === undefined || /^\s*\w+\s*=>/.test(input)) return undefined;
  let from = start;
  let i = close;
  let popCall = false;
  // TABLE(FLATTEN(…)): the wrapper goes too.
  if (
    ctx.prevWord === "table" &&
    ctx.prev === "(" &&
    /table\s*\(\s*$/i.test(sql.slice(ctx.prevWordStart, start))
  ) {
    const outer = skipSpaces(sql, i);
    if (sql[outer] !== ")") return undefined;
    from = ctx.prevWordStart;
    i = outer + 1;
    popCall = true;
  }
  const m = /^(\s+(?:AS\s+)?)([A-Za-z_][A-Za-z0-9_]*)/i.exec(sql.slice(i));
  let alias = "_flatten";
  if (m && !CLAUSE_AFTER_TABLE.test(m[2] as string)) {
    alias = m[2] as string;
    i += m[0].length;
  }
  if (sql[skipSpaces(sql, i)] === "(") return undefined; // columns named by the user: leave it to polyglot
  const joined = /\bjoin\s+(?:lateral\s+)?$/i.test(sql.slice(Math.max(0, from - 20), from));
  const condition = joined && !/^\s*(?:on|using)\b/i.test(sql.slice(i)) ? " ON TRUE" : "";
  const value = normalizeForDuckDb(input.trim(), "snowflake");
  if (value.hard) return undefined;
  return {
    construct: "FLATTEN",
    from,
    to: i,
    text: `UNNEST(${value.text}) AS ${alias}(SEQ, KEY, PATH, INDEX, VALUE, THIS)${condition}`,
    popCall,
  };
}

/** Databricks `LATERAL VIEW [OUTER] gen(args) t [AS] c1, c2` from `start`. */
function lateralView(sql: string, start: number): Rewrite | undefined {
  const head = /^lateral\s+view\s+(outer\s+)?([A-Za-z_]\w*)\s*\(/i.exec(sql.slice(start));
  if (!head) return undefined;
  const fn = (head[2] as string).toLowerCase();
  const defaults = GENERATOR_COLUMNS[fn];
  if (defaults === undefined) return undefined;
  const open = start + head[0].length - 1;
  const close = closeParen(sql, open);
  const args = sql.slice(open + 1, close - 1);
  const tail =
    /^\s+([A-Za-z_]\w*)(?:\s+AS)?((?:\s*,?\s*(?!(?:where|group|order|having|limit|lateral|join|left|right|inner|cross|full|union|qualify|window|cluster|distribute|sort)\b)[A-Za-z_]\w*)*)/i.exec(
      sql.slice(close),
    );
  if (!tail || CLAUSE_AFTER_TABLE.test(tail[1] as string)) return undefined;
  const columns = (tail[2] ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const names = columns.length > 0 ? columns : defaults;
  const value = normalizeForDuckDb(args, "databricks");
  if (value.hard) return undefined;
  const outer = head[1] !== undefined;
  return {
    construct: "LATERAL VIEW",
    from: start,
    to: close + tail[0].length,
    text: `${outer ? "LEFT JOIN LATERAL" : "CROSS JOIN"} UNNEST(${value.text}) AS ${tail[1]}(${names.join(", ")})${outer ? " ON TRUE" : ""}`,
  };
}

const CLAUSE_AFTER_TABLE =
  /^(?:on|using|where|group|order|having|limit|qualify|window|join|left|right|inner|cross|full|natural|union|except|intersect|lateral|as|with)$/i;

/** The top-level comma-separated arguments of a call's inside, or undefined if unbalanced. */
function splitArgs(inside: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < inside.length; i++) {
    const ch = inside[i];
    if (ch === "'" || ch === '"' || ch === "`") {
      const close = inside.indexOf(ch, i + 1);
      if (close === -1) return undefined;
      i = close;
    } else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (ch === "," && depth === 0) {
      out.push(inside.slice(from, i));
      from = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  if (inside.trim() !== "") out.push(inside.slice(from));
  return out;
}

/** Index after the `>` closing the `<` at `open` (nested), or undefined. */
function closeAngle(sql: string, open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === "<") depth++;
    else if (sql[i] === ">" && --depth === 0) return i + 1;
    else if (sql[i] === ";" || sql[i] === "(") return undefined;
  }
  return undefined;
}

/**
 * Where a time-travel clause starting at `at` ends: BigQuery `FOR SYSTEM_TIME AS OF expr`,
 * Databricks `VERSION AS OF n` / `TIMESTAMP AS OF expr`, the expression being a literal,
 * `TIMESTAMP 'x'` or a call. Undefined when the text is not one.
 */
function timeTravelEnd(sql: string, at: number, dialect: SqlDialect): number | undefined {
  const head =
    dialect === "bigquery"
      ? /^for\s+system[_ ]time\s+as\s+of\s+/i.exec(sql.slice(at))
      : /^(?:version|timestamp)\s+as\s+of\s+/i.exec(sql.slice(at));
  if (!head) return undefined;
  let i = at + head[0].length;
  const literal = /^(?:(?:timestamp|date)\s+)?(?:'(?:[^'\\]|\\.)*'|\d+)/i.exec(sql.slice(i));
  if (literal) return i + literal[0].length;
  const call = /^[A-Za-z_][\w.]*\s*\(/.exec(sql.slice(i));
  if (!call) return undefined;
  i += call[0].length - 1;
  return closeParen(sql, i);
}

/** Index after the parenthesised group opening at `open` (strings skipped). */
function closeParen(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === "`") {
      const close = sql.indexOf(ch, i + 1);
      i = close === -1 ? sql.length : close;
    } else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i + 1;
  }
  return sql.length;
}

/** A name BigQuery allows and DuckDB reserves (`offset`, `table`), quoted; others as written. */
function quoteReserved(name: string): string {
  return /^(?:offset|table|limit|order|group|window)$/i.test(name) ? `"${name}"` : name;
}

/**
 * BigQuery `UNNEST(arr) [AS] e [WITH OFFSET [AS] o]` names the element e and the offset o;
 * DuckDB's `UNNEST(arr) AS e` would name only the table. Edits giving DuckDB's form
 * `UNNEST(arr) WITH ORDINALITY AS e(e, o)`, to apply as the scan reaches them.
 */
function unnestAliases(
  sql: string,
  open: number,
  joined: boolean,
  fromItem: boolean,
): Array<{ at: number; to: number; text: string }> {
  const close = closeParen(sql, open);
  const rest = sql.slice(close);
  const m =
    /^(\s+(?:AS\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s+WITH\s+OFFSET(?:\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*))?)?/i.exec(
      rest,
    );
  /** ` ON TRUE` after a joined UNNEST with no ON / USING of its own. */
  const on = (end: number) => (joined && !/^\s*(?:ON|USING)\b/i.test(sql.slice(end)) ? " ON TRUE" : "");
  const alias = m?.[2];
  if (
    m === null ||
    alias === undefined ||
    /^(?:with|where|on|using|join|left|right|inner|cross|full|group|order|limit|union|qualify|window|having)$/i.test(
      alias,
    )
  ) {
    const tail = `${fromItem ? ` AS ${UNNEST_FIELDS}` : ""}${on(close)}`;
    return tail === "" ? [] : [{ at: close, to: close, text: tail }];
  }
  const aliasEnd = close + (m[1] as string).length + alias.length;
  if (m[3] === undefined) {
    return [{ at: aliasEnd, to: aliasEnd, text: `(${quoteReserved(alias)})${on(aliasEnd)}` }];
  }
  const offset = m[4] ?? "offset";
  const end = aliasEnd + (m[3] as string).length;
  return [
    { at: close, to: close, text: " WITH ORDINALITY" },
    { at: aliasEnd, to: end, text: `(${quoteReserved(alias)}, ${quoteReserved(offset)})${on(end)}` },
  ];
}

/**
 * The span in the user's text of `[start, end)` in the normalised text, or undefined when
 * an end falls inside a rewritten token.
 */
export function mapSpan(
  n: Normalized,
  start: number,
  end: number,
): { start: number; end: number } | undefined {
  const s = mapPosition(n.edits, start, false);
  const e = mapPosition(n.edits, end, true);
  return s === undefined || e === undefined ? undefined : { start: s, end: e };
}

function mapPosition(edits: readonly Edit[], p: number, isEnd: boolean): number | undefined {
  // The last edit starting at or before p (binary search: edits are in order).
  let lo = 0;
  let hi = edits.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = edits[mid] as Edit;
    if (e.o0 <= p) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Empty edits at p (removed text) sit before it: a start maps after them, an end before.
  while (at >= 0 && isEnd && (edits[at] as Edit).o0 === p && (edits[at] as Edit).o1 === p) at--;
  if (at < 0) return p;
  const e = edits[at] as Edit;
  if (p === e.o0 && !isEnd) return e.o1 === e.o0 ? e.i1 : e.i0;
  if (p === e.o1) return e.i1;
  if (p > e.o0 && p < e.o1) return undefined;
  return p - e.o1 + e.i1;
}

/** `raw:a`, `t.col:"b"`, `v:[0]`: a colon after a value and before a key (not `::`, `:=`). */
function isPathColon(sql: string, at: number): boolean {
  let b = at - 1;
  while (b >= 0 && isSpace(sql.charCodeAt(b))) b--;
  const a = skipSpaces(sql, at + 1);
  const before = sql[b] ?? "";
  const after = sql[a] ?? "";
  return /[A-Za-z0-9_"\])`]/.test(before) && /[A-Za-z_"[`]/.test(after);
}

/**
 * The path after a `:` at `at`: keys `a.b`, `"Key"`, subscripts `[0]`, `['k']`, as a
 * JSON path `$.a.b[0]`, and where it ends. Undefined when it is not a plain path.
 */
/** After a path at `i`, `[spaces]:[spaces]name` (not `::`) continues it: where the name starts. */
function nextColon(sql: string, i: number): number | undefined {
  const c = skipSpaces(sql, i);
  if (sql[c] !== ":" || sql[c + 1] === ":" || sql[c + 1] === "=") return undefined;
  const k = skipSpaces(sql, c + 1);
  const code = sql.charCodeAt(k);
  return isWordStart(code) || sql[k] === '"' ? k : undefined;
}

function readPath(sql: string, at: number): { json: string; end: number } | undefined {
  let i = skipSpaces(sql, at);
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
      // `v:arr[expr]`: the path ends before a computed subscript, which then indexes its value.
      else return first ? undefined : { json, end: i };
      i = close + 1;
    } else if (first || ch === "." || nextColon(sql, i) !== undefined) {
      // `col:a:b` (also spaced, `col :a :b`): the colon again is one more level of the path.
      const colon = first || ch === "." ? undefined : nextColon(sql, i);
      const k = first ? i : colon !== undefined ? colon : i + 1;
      if (sql[k] === '"') {
        const close = sql.indexOf('"', k + 1);
        if (close === -1) return undefined;
        json += `.${sql.slice(k + 1, close)}`;
        i = close + 1;
      } else {
        let j = k;
        while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
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
