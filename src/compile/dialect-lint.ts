/**
 * Portability lint: constructs in a model's SQL that do not run (or mean
 * something else) on another of the four warehouses. For `--target-dialect`.
 *
 * Rules run on a masked copy of the SQL (string literals, comments and quoted
 * identifiers, as the source dialect's lexer reads them, blanked out, offsets kept), so `'a::b'` or a column named `ilike`
 * never match. Rule-based on purpose: multi-dialect parsers are lenient (they
 * accept `a::INT` as BigQuery), and what a user needs here is "this line will
 * fail on BigQuery, write it like this". A transpiled rewrite from
 * @polyglot-sql/sdk is offered on request as a suggestion, never applied.
 */

import type { Dialect as PolyglotDialect } from "@polyglot-sql/sdk";
import { Lexer } from "../sql/lexer.ts";

export const PORTABLE_DIALECTS = ["duckdb", "snowflake", "bigquery", "databricks"] as const;
export type PortableDialect = (typeof PORTABLE_DIALECTS)[number];

export interface PortabilityFinding {
  code: string;
  /** The dialect on which the construct fails or changes meaning. */
  target: PortableDialect;
  /** 1-based. */
  line: number;
  column: number;
  /** The matched text, as written. */
  construct: string;
  message: string;
  hint: string;
}

interface Rule {
  code: string;
  pattern: RegExp;
  /** Targets where the construct is not available. */
  unsupported: readonly PortableDialect[];
  what: string;
  hint: string;
}

const RULES: readonly Rule[] = [
  { code: "P001", pattern: /::/g, unsupported: ["bigquery"], what: "`::` cast", hint: "use CAST(x AS type)" },
  {
    code: "P002",
    pattern: /\bILIKE\b/gi,
    unsupported: ["bigquery"],
    what: "ILIKE",
    hint: "use LOWER(a) LIKE LOWER(b)",
  },
  {
    code: "P003",
    pattern: /\bIFF\s*\(/gi,
    unsupported: ["bigquery", "duckdb"],
    what: "IFF()",
    hint: "use CASE WHEN … THEN … ELSE … END",
  },
  {
    code: "P004",
    pattern: /\bSAFE_CAST\s*\(/gi,
    unsupported: ["snowflake", "databricks", "duckdb"],
    what: "SAFE_CAST()",
    hint: "use TRY_CAST() outside BigQuery",
  },
  {
    code: "P005",
    pattern: /\bTRY_CAST\s*\(/gi,
    unsupported: ["bigquery"],
    what: "TRY_CAST()",
    hint: "BigQuery spells it SAFE_CAST()",
  },
  {
    code: "P006",
    pattern: /\*\s*EXCLUDE\s*\(/gi,
    unsupported: ["bigquery", "databricks"],
    what: "SELECT * EXCLUDE",
    hint: "BigQuery and Databricks spell it SELECT * EXCEPT (…)",
  },
  {
    code: "P007",
    pattern: /\*\s*EXCEPT\s*\(/gi,
    unsupported: ["snowflake", "duckdb"],
    what: "SELECT * EXCEPT",
    hint: "Snowflake and DuckDB spell it SELECT * EXCLUDE (…)",
  },
  {
    code: "P008",
    pattern: /\bTOP\s+\d+/gi,
    unsupported: ["bigquery", "databricks", "duckdb"],
    what: "SELECT TOP n",
    hint: "use LIMIT n",
  },
  {
    code: "P009",
    pattern: /\bDATEADD\s*\(/gi,
    unsupported: ["bigquery", "duckdb"],
    what: "DATEADD()",
    hint: "use date + INTERVAL n unit (DuckDB) or DATE_ADD(date, INTERVAL n unit) (BigQuery)",
  },
  {
    code: "P010",
    pattern: /\bNVL\s*\(/gi,
    unsupported: ["bigquery"],
    what: "NVL()",
    hint: "use COALESCE() or IFNULL()",
  },
  {
    code: "P011",
    pattern: /\bFLATTEN\s*\(/gi,
    unsupported: ["bigquery", "databricks", "duckdb"],
    what: "FLATTEN()",
    hint: "use UNNEST (BigQuery, DuckDB) or explode() (Databricks)",
  },
  {
    code: "P012",
    pattern: /\bUNNEST\s*\(/gi,
    unsupported: ["snowflake", "databricks"],
    what: "UNNEST()",
    hint: "use LATERAL FLATTEN (Snowflake) or explode() (Databricks)",
  },
];

/** Where `"x"` is an identifier rather than a string literal. */
const DOUBLE_QUOTE_IDENT: Record<PortableDialect, boolean> = {
  duckdb: true,
  snowflake: true,
  bigquery: false,
  databricks: false,
};
/** Where `` `x` `` quotes an identifier. */
const BACKTICK_IDENT: Record<PortableDialect, boolean> = {
  duckdb: false,
  snowflake: false,
  bigquery: true,
  databricks: true,
};

interface Span {
  start: number;
  end: number;
}

interface Masked {
  text: string;
  doubleQuoted: Span[];
  backticked: Span[];
}

/** Blank out strings, comments and quoted names (same length), remembering where quotes were. */
function mask(sql: string, source: PortableDialect): Masked {
  const out = sql.split("");
  const doubleQuoted: Span[] = [];
  const backticked: Span[] = [];
  const lexer = new Lexer(sql, source, { comments: true });
  while (lexer.next()) {
    const { kind, start, end } = lexer;
    if (kind !== "string" && kind !== "comment" && kind !== "quoted") continue;
    if (sql[start] === '"') doubleQuoted.push({ start, end });
    else if (sql[start] === "`") backticked.push({ start, end });
    for (let k = start; k < end; k++) if (out[k] !== "\n") out[k] = " ";
  }
  return { text: out.join(""), doubleQuoted, backticked };
}

function position(sql: string, offset: number): { line: number; column: number } {
  const before = sql.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Findings for every target other than the source dialect, in text order. */
export function lintPortability(
  sql: string,
  source: PortableDialect,
  targets: readonly PortableDialect[] = PORTABLE_DIALECTS,
): PortabilityFinding[] {
  const m = mask(sql, source);
  const findings: PortabilityFinding[] = [];
  const others = targets.filter((t) => t !== source);
  const add = (
    rule: Pick<Rule, "code" | "what" | "hint">,
    target: PortableDialect,
    offset: number,
    construct: string,
  ) => {
    findings.push({
      code: rule.code,
      target,
      ...position(sql, offset),
      construct,
      message: `${rule.what} does not run on ${target}`,
      hint: rule.hint,
    });
  };
  for (const rule of RULES) {
    for (const match of m.text.matchAll(rule.pattern)) {
      for (const t of others)
        if (rule.unsupported.includes(t))
          add(rule, t, match.index, sql.slice(match.index, match.index + match[0].length));
    }
  }
  for (const t of others) {
    if (DOUBLE_QUOTE_IDENT[source] !== DOUBLE_QUOTE_IDENT[t]) {
      for (const { start, end } of m.doubleQuoted) {
        findings.push({
          code: "P020",
          target: t,
          ...position(sql, start),
          construct: sql.slice(start, end),
          message: DOUBLE_QUOTE_IDENT[source]
            ? `a double-quoted identifier is a string literal on ${t}`
            : `a double-quoted string is an identifier on ${t}`,
          hint: DOUBLE_QUOTE_IDENT[source]
            ? "quote identifiers with backticks there, or avoid quoting"
            : "use single quotes for strings",
        });
      }
    }
    if (BACKTICK_IDENT[t] === false && BACKTICK_IDENT[source]) {
      for (const { start, end } of m.backticked) {
        findings.push({
          code: "P021",
          target: t,
          ...position(sql, start),
          construct: sql.slice(start, end),
          message: `backtick-quoted names do not parse on ${t}`,
          hint: 'quote with double quotes there ("name")',
        });
      }
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || a.target.localeCompare(b.target));
}

/**
 * The model rewritten for `target` by @polyglot-sql/sdk, as a suggestion to show
 * next to findings; undefined when it cannot transpile. Loaded lazily (WASM).
 */
export async function suggestRewrite(
  sql: string,
  source: PortableDialect,
  target: PortableDialect,
): Promise<string | undefined> {
  const polyglot = await import("@polyglot-sql/sdk");
  await polyglot.init();
  // The SDK's Dialect is a string enum whose values are these names.
  const r = polyglot.transpile(sql, source as PolyglotDialect, target as PolyglotDialect);
  return r.success && r.sql?.[0] ? r.sql.join(";\n") : undefined;
}
