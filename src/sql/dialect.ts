/**
 * Models written in Snowflake, BigQuery or Databricks SQL (SPEC §14).
 *
 * Design (figures: scripts/bench-dialects.ts, scripts/bench-compile.ts --dialect): DuckDB's
 * parser stays the one parser the lineage walker reads; every model reaches it by the
 * cheapest road that reads it right.
 *  1. As written, when a one-regex check finds nothing the dialect writes differently.
 *  2. Lexically normalised (dialect-normalize.ts: backticks, dialect strings, `col:path`,
 *     bare date parts, `* EXCEPT`, OFFSET subscripts, BigQuery UNNEST aliases, STREAM,
 *     time travel; and the common grammar DuckDB lacks rewritten to its equivalent for
 *     lineage: FLATTEN, WITHIN GROUP, STRUCT(… AS f), SELECT AS STRUCT, LATERAL VIEW,
 *     PIVOT, SAMPLE, RLIKE, …), with a map of its edits back to the user's text:
 *     ~10-20 µs a model.
 *  3. Transpiled by @polyglot-sql/sdk (loaded on the first model that needs it: ~0.5-0.75 s
 *     and ~150 MB once) for the rest of what DuckDB's grammar lacks, or when DuckDB
 *     rejects road 2; polyglot's known output problems
 *     are fixed here (`fixTranspiled`). ~0.2-1.4 ms a model.
 * A construct none of them reads is an E001 naming the dialect, the construct and where.
 *
 * Table references keep positions in the user's text whatever was parsed: through the
 * normaliser's edit map, or (after a transpile) found again in the original SQL with the
 * dialect's lexical rules (`relocateRefs`), so run/shadow/branch/replay rewrite the
 * user's own SQL, never a transpiled copy.
 */
import { mapSpan, type Normalized, normalizeForDuckDb, UNNEST_FIELDS } from "./dialect-normalize.ts";
import { dottedNames, scanTableRefs } from "./textscan.ts";

export { normalizeForDuckDb } from "./dialect-normalize.ts";
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

/**
 * BigQuery `table` used as a name (`FROM t table`, `table.col`), which polyglot reads as
 * the keyword: backtick-quoted for it, found by the normaliser's rule. `at`: where each
 * name was in the user's text (two characters added for each, for error offsets).
 */
function quoteTableNames(sql: string): { text: string; at: number[] } | undefined {
  if (!/\btable\b/i.test(sql)) return undefined;
  const at = normalizeForDuckDb(sql, "bigquery")
    .edits.filter((e) => e.i1 - e.i0 === 5 && sql.slice(e.i0, e.i1).toLowerCase() === "table")
    .map((e) => e.i0);
  if (at.length === 0) return undefined;
  let text = "";
  let copied = 0;
  for (const p of at) {
    text += `${sql.slice(copied, p)}\`${sql.slice(p, p + 5)}\``;
    copied = p + 5;
  }
  return { text: text + sql.slice(copied), at };
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
  if (dialect === "bigquery" && /\bUNNEST\(/i.test(out))
    out = fromUnnestFields(nameUnnestElements(out, original));
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
  // BigQuery's TIMESTAMP(d) function left as written: a type name in DuckDB's grammar; quoted, a call.
  if (dialect === "bigquery")
    out = out.replace(/(?<!\bAS\s+|::\s*)\bTIMESTAMP\((?!\s*\d+\s*\))/gi, '"timestamp"(');
  // BigQuery named arguments `f(name => v)` came out as written: DuckDB's are `name := v`.
  if (dialect === "bigquery" && out.includes("=>")) {
    out = out.replace(
      /([(,]\s*)(?:"([^"]+)"|([A-Za-z_]\w*))\s*=>/g,
      (_w, lead: string, q?: string, bare?: string) => `${lead}"${q ?? bare}" :=`,
    );
  }
  if (dialect === "snowflake") out = out.replace(/\bAS ARRAY\)/g, 'AS "ARRAY")');
  // `ARRAY_AGG(x ORDER BY c LIMIT 1)`: DuckDB has no LIMIT in a call; it decides no value source.
  out = out.replace(/\s+LIMIT\s+\d+\s*\)/g, ")");
  // Spark's higher-order `exists(xs, x -> …)`: EXISTS is DuckDB's subquery keyword; quoted, a function.
  out = out.replace(/\bEXISTS\s*\((?!\s*(?:SELECT|WITH|FROM|\())/gi, '"exists"(');
  if (dialect === "databricks" && out.includes("max_depth => 2")) out = inlineAsUnnest(out);
  if (/\bJOIN\s+(?:LATERAL|UNNEST)\b/i.test(out)) out = addOnTrue(out);
  if (dialect === "databricks") {
    // Spark's `float(x)` cast function and `any(x)` aggregate: a type name and a keyword in
    // DuckDB's grammar; quoted, calls. (`= ANY (SELECT …)` stays the comparison.)
    out = out.replace(/(?<!\bAS\s+|::\s*)\bFLOAT\(/gi, '"float"(');
    out = out.replace(/(?<![=<>]\s*)\bANY\((?!\s*SELECT\b)/gi, '"any"(');
    if (/\bJOIN\b/i.test(out)) out = addJoinOnTrue(out);
  }
  if ((dialect === "bigquery" || dialect === "databricks") && COMPUTED_STAR.test(out))
    out = computedStructStars(out);
  return out;
}

/**
 * Databricks `LATERAL VIEW inline(arr) t AS a, b` came out as
 * `LATERAL (SELECT UNNEST(arr, max_depth => 2)) AS t(a, b)`: the struct fields as columns,
 * each from arr, which the table-function form `LATERAL UNNEST(arr) AS t(a, b)` says.
 */
function inlineAsUnnest(sql: string): string {
  const re = /\(SELECT UNNEST\(/g;
  let out = "";
  let copied = 0;
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    const open = m.index + m[0].length - 1;
    const end = skipParens(sql, open);
    const call = sql.slice(open + 1, end - 1);
    if (!call.endsWith(", max_depth => 2") || sql[end] !== ")") continue;
    out += `${sql.slice(copied, m.index)}UNNEST(${call.slice(0, -", max_depth => 2".length)})`;
    copied = end + 1;
  }
  return out + sql.slice(copied);
}

/** `…).*`, `…)[OFFSET(0)].*`: a star over the value of an expression. */
const COMPUTED_STAR = /\)(?:\[(?:SAFE_)?(?:OFFSET|ORDINAL)\(\d+\)\]|\[\d+\])?\.\*/i;

/**
 * `ARRAY_AGG(…)[OFFSET(0)].*`, `(CASE … END).*` (the fields of a computed struct) came out as written, which
 * DuckDB's grammar has no form for: the expression as one quoted name, so the star is
 * reported as not expandable (as the normaliser does for `IF(…).*`), never guessed.
 */
function computedStructStars(sql: string): string {
  const re = new RegExp(COMPUTED_STAR.source, "gi");
  let out = sql;
  const found = [...sql.matchAll(re)].reverse();
  for (const m of found) {
    const close = m.index;
    if ((sql.slice(0, close).match(/'/g)?.length ?? 0) % 2 === 1) continue; // inside a string
    let depth = 0;
    let quoted = false;
    let open = -1;
    for (let k = close; k >= 0; k--) {
      const ch = out[k];
      if (ch === "'") quoted = !quoted;
      else if (quoted) continue;
      else if (ch === ")") depth++;
      else if (ch === "(" && --depth === 0) {
        open = k;
        break;
      }
    }
    if (open < 0) continue;
    let start = open;
    while (start > 0 && /[\w.]/.test(out[start - 1] as string)) start--;
    const end = close + m[0].length - 2; // up to `.*`
    if (/\bSELECT\b/i.test(out.slice(start, end))) continue; // its tables would be lost with it
    const text = out.slice(start, end).replace(/\s+/g, " ").replaceAll('"', '""');
    out = `${out.slice(0, start)}"${text}"${out.slice(end)}`;
  }
  return out;
}

/** `FROM UNNEST(…)` / `JOIN UNNEST(…)` with no alias: the fields of its element are columns (UNNEST_FIELDS). */
function fromUnnestFields(sql: string): string {
  const re = /\b(?:FROM|JOIN)\s+UNNEST\(/gi;
  const inserts: number[] = [];
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    let end = skipParens(sql, m.index + m[0].length - 1);
    const ordinality = /^\s+WITH\s+ORDINALITY\b/i.exec(sql.slice(end));
    if (ordinality) end += ordinality[0].length;
    if (
      /^\s*(?:AS\b|(?!(?:ON|USING|WHERE|GROUP|ORDER|JOIN|LEFT|RIGHT|INNER|FULL|CROSS|LIMIT|QUALIFY|UNION|HAVING|WINDOW|EXCEPT|INTERSECT)\b)[A-Za-z_"])/i.test(
        sql.slice(end),
      )
    )
      continue;
    inserts.push(end);
  }
  let out = sql;
  for (const at of inserts.reverse()) out = `${out.slice(0, at)} AS ${UNNEST_FIELDS}${out.slice(at)}`;
  return out;
}

/** The columns of a FLATTEN row, as Snowflake names them. */
const FLATTEN_COLUMNS = "(SEQ, KEY, PATH, INDEX, VALUE, THIS)";

/** `TABLE(FLATTEN(x)) f` came out as `UNNEST(x) AS f`: give f FLATTEN's columns. */
function nameFlattenColumns(sql: string): string {
  return eachUnnest(sql, (alias, hasColumns) =>
    hasColumns ? undefined : alias === undefined ? ` AS _flatten${FLATTEN_COLUMNS}` : FLATTEN_COLUMNS,
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

/**
 * Spark's `t1 JOIN t2` with no condition is a cross join; DuckDB's JOIN needs ON: a table
 * name (and alias) followed by a clause keyword, `)` or the end gets `ON TRUE`.
 */
function addJoinOnTrue(sql: string): string {
  const clause =
    "(?:WHERE|GROUP|ORDER|HAVING|LIMIT|QUALIFY|WINDOW|UNION|EXCEPT|INTERSECT|JOIN|LEFT|RIGHT|INNER|FULL|CROSS|NATURAL)\\b";
  const re = new RegExp(
    `(?<!\\b(?:CROSS|NATURAL)\\s+)\\bJOIN\\s+(?!LATERAL\\b|UNNEST\\b|\\()[\\w."]+(?:\\s+(?:AS\\s+)?(?!${clause}|ON\\b|USING\\b)[A-Za-z_]\\w*)?(?=\\s*(?:${clause}|\\)|$))`,
    "gi",
  );
  return sql.replace(re, (join) => `${join} ON TRUE`);
}

/** `JOIN LATERAL f(…)` / `JOIN UNNEST(…)` `[AS a[(cols)]]` followed by no ON/USING: insert `ON TRUE`. */
function addOnTrue(sql: string): string {
  const re = /\bJOIN\s+(?:LATERAL\s+|(?=UNNEST\s*\())/gi;
  const inserts: number[] = [];
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    // CROSS JOIN LATERAL takes no condition.
    if (/\b(?:CROSS|NATURAL)\s+$/i.test(sql.slice(Math.max(0, m.index - 10), m.index))) continue;
    let i = m.index + m[0].length;
    const name = /^[\w."]+\s*/.exec(sql.slice(i));
    if (name) i += name[0].length;
    if (sql[i] !== "(") continue;
    i = skipParens(sql, i);
    const ordinality = /^\s+WITH\s+ORDINALITY\b/i.exec(sql.slice(i));
    if (ordinality) i += ordinality[0].length;
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
  const quoted = dialect === "bigquery" ? quoteTableNames(sql) : undefined;
  const prepared = quoted?.text ?? prepareForTranspile(sql, dialect);
  let result: ReturnType<Polyglot["transpile"]>;
  try {
    // "raise": a construct polyglot cannot write in DuckDB SQL is an error, never a comment
    // in place of the clause (MATCH_RECOGNIZE, CONNECT BY would vanish from the analysis).
    result = p.transpile(prepared, POLYGLOT_NAME[dialect] as never, "duckdb" as never, {
      unsupportedLevel: "raise",
    });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (!result.success || !result.sql) {
    const out: Transpiled = { ok: false, error: result.error ?? "could not parse SQL" };
    if (result.errorStart !== undefined) {
      const at = result.errorStart;
      out.offset = at - 2 * (quoted?.at.filter((p) => p < at).length ?? 0);
    } else {
      // "Generation error: MATCH_RECOGNIZE not supported …": place it at that keyword.
      const keyword = /([A-Z][A-Z_]+(?: [A-Z][A-Z_]+)?) (?:not supported|requires)/.exec(
        out.error ?? "",
      )?.[1];
      const at = keyword === undefined ? -1 : sql.toUpperCase().indexOf(keyword);
      if (at >= 0) out.offset = at;
    }
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
 * A parser for models of any dialect over DuckDB's: DuckDB models, and dialect models as
 * written or normalised, in one batch as before; the others transpiled and parsed in a
 * batch of their own, at the same time when they are known up front.
 */
export function dialectParser(base: SqlParser): {
  /**
   * Called once with every model to parse, before the chunks: normalises the dialect models
   * now (kept for parseMany) and, when one needs polyglot, starts loading it in the
   * background, so its compile overlaps DuckDB's parsing instead of waiting in a chunk.
   */
  prepare(sqls: readonly string[], dialects: readonly (SqlDialect | undefined)[]): void;
  parseMany(sqls: readonly string[], dialects?: readonly (SqlDialect | undefined)[]): Promise<ParsedSql[]>;
  close(): void;
} {
  const prepared = new Map<string, Normalized>();
  const normalise = (sql: string, dialect: SqlDialect): Normalized => {
    const hit = prepared.get(sql);
    if (hit !== undefined) {
      prepared.delete(sql);
      return hit;
    }
    return normalizeForDuckDb(sql, dialect);
  };
  return {
    prepare(sqls, dialects) {
      let needsPolyglot = false;
      sqls.forEach((sql, i) => {
        const dialect = dialects[i];
        if (dialect === undefined || dialect === "duckdb") return;
        const n = normalizeForDuckDb(sql, dialect);
        if (n.hard) needsPolyglot = true;
        if (n.changed || n.hard) prepared.set(sql, n);
      });
      if (needsPolyglot) void loadPolyglot().catch(() => undefined);
    },
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
        const n = normalise(sql, dialect);
        if (n.hard) {
          transpile.push({ index, dialect, ...(n.construct ? { construct: n.construct } : {}) });
          return;
        }
        if (n.changed) normalised.set(index, n);
        direct.push(index);
        directText.push(n.text);
      });
      // Models known to need polyglot are transpiled and parsed while DuckDB parses the
      // others (each parse query runs on its own connection); models DuckDB rejects follow.
      const transpileAll = async (routes: Route[]): Promise<void> => {
        if (routes.length === 0) return;
        const p = await loadPolyglot();
        const texts: string[] = [];
        const sent: Route[] = [];
        for (const route of routes) {
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
        const parsedTexts = await base.parseMany(texts);
        sent.forEach((route, k) => {
          const parsed = parsedTexts[k] as ParsedSql;
          const text = texts[k] as string;
          if (parsed.ok) {
            dialectRoutes.transpiled++;
            results[route.index] = { ...parsed, transpiled: text };
          } else {
            dialectRoutes.failed++;
            const dialectName = DIALECT_LABEL[route.dialect];
            const failed: ParsedSql = {
              ok: false,
              error: `${dialectName} SQL${route.construct ? ` (${route.construct})` : ""} that rocky cannot analyse: transpiled to DuckDB SQL, it does not parse: ${parsed.error}`,
            };
            // DuckDB's `at or near "X"` is in the transpiled text: X's place in the user's, if it is there.
            const near = parsed.ok ? undefined : /at or near "([^"]+)"/.exec(parsed.error)?.[1];
            const at =
              near === undefined
                ? -1
                : (sqls[route.index] as string).toLowerCase().indexOf(near.toLowerCase());
            if (at >= 0) failed.offset = at;
            results[route.index] = failed;
          }
        });
      };
      const [firstPass] = await Promise.all([base.parseMany(directText), transpileAll(transpile)]);
      const rejected: Route[] = [];
      direct.forEach((index, k) => {
        const parsed = firstPass[k] as ParsedSql;
        const dialect = dialects[index];
        const n = normalised.get(index);
        if (dialect === undefined || dialect === "duckdb" || parsed.ok || parsed.unsupported) {
          if (dialect !== undefined && dialect !== "duckdb") {
            if (n) dialectRoutes.normalised++;
            else dialectRoutes.asWritten++;
          }
          results[index] =
            parsed.ok && n
              ? { ...parsed, transpiled: n.text, spanInOriginal: (s, e) => mapSpan(n, s, e) }
              : parsed;
          return;
        }
        // DuckDB rejected a dialect model: transpile it from its own dialect.
        rejected.push({ index, dialect, ...(n?.construct ? { construct: n.construct } : {}) });
      });
      await transpileAll(rejected);
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
  const near =
    t.offset === undefined
      ? ""
      : ` (at '${sql
          .slice(t.offset, t.offset + 30)
          .split("\n")[0]
          ?.trimEnd()}')`;
  const what = (t.error ?? "could not parse")
    .replace(/^Generation error: /, "")
    .replace(/ in this dialect$/, "");
  const out: ParsedSql = {
    ok: false,
    error: `${DIALECT_LABEL[dialect]} SQL that rocky cannot analyse: ${what}${near}`,
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
