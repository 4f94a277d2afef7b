import { describe, expect, test } from "bun:test";
import { Lexer, tokenize } from "../../src/sql/lexer.ts";
import type { SqlDialect } from "../../src/sql/types.ts";

/** `kind:text` per token, `!` marking an unterminated one. */
const lex = (sql: string, dialect: SqlDialect, comments = true) =>
  tokenize(sql, dialect, { comments }).map(
    (t) => `${t.kind}:${sql.slice(t.start, t.end)}${t.unterminated ? "!" : ""}`,
  );

// Each row: dialect, input, the tokens. Side by side so a rule that differs by dialect shows.
const TABLE: [SqlDialect, string, string[]][] = [
  // Nested block comments: DuckDB and Databricks nest, Snowflake and BigQuery end at the first */.
  ["duckdb", "1 /* a /* b */ c */ 2", ["number:1", "comment:/* a /* b */ c */", "number:2"]],
  ["databricks", "1 /* a /* b */ c */ 2", ["number:1", "comment:/* a /* b */ c */", "number:2"]],
  ["snowflake", "1 /* a /* b */ c */", ["number:1", "comment:/* a /* b */", "word:c", "op:*", "op:/"]],
  ["bigquery", "1 /* a /* b */ c", ["number:1", "comment:/* a /* b */", "word:c"]],
  // Doubled quotes escape everywhere; a backslash escapes only where the dialect says so.
  ["duckdb", "'it''s' x", ["string:'it''s'", "word:x"]],
  ["duckdb", "'a\\' x'", ["string:'a\\'", "word:x", "string:'!"]],
  ["duckdb", "E'a\\'b' x", ["string:E'a\\'b'", "word:x"]],
  ["snowflake", "'a\\'b' x", ["string:'a\\'b'", "word:x"]],
  ["bigquery", "'a\\'b' x", ["string:'a\\'b'", "word:x"]],
  ["databricks", "'a\\'b' x", ["string:'a\\'b'", "word:x"]],
  // Double quotes: a name in DuckDB and Snowflake, a string in BigQuery and Databricks.
  ["duckdb", '"a""b".c', ['quoted:"a""b"', "punct:.", "word:c"]],
  ["snowflake", '"A" x', ['quoted:"A"', "word:x"]],
  ["bigquery", '"a\\"b" x', ['string:"a\\"b"', "word:x"]],
  ["databricks", '"a" x', ['string:"a"', "word:x"]],
  // Backticks: names in BigQuery and Databricks only.
  ["bigquery", "`p.d.t` x", ["quoted:`p.d.t`", "word:x"]],
  ["databricks", "`a``b` x", ["quoted:`a``b`", "word:x"]],
  ["duckdb", "`a`", ["op:`", "word:a", "op:`"]],
  // Dialect string forms.
  [
    "bigquery",
    "r'\\d' rb\"x\" b'y' rr'z'",
    ["string:r'\\d'", 'string:rb"x"', "string:b'y'", "word:rr", "string:'z'"],
  ],
  ["bigquery", "'''a\n'b''' x", ["string:'''a\n'b'''", "word:x"]],
  ["databricks", "'''a''' x", ["string:'''a'''", "word:x"]],
  ["snowflake", "$$ it's $$ x", ["string:$$ it's $$", "word:x"]],
  ["duckdb", "$t$ a$$b $t$ $1", ["string:$t$ a$$b $t$", "op:$", "number:1"]],
  ["bigquery", "$$", ["op:$", "op:$"]],
  // Line comments: `--` everywhere, `#` in BigQuery, `//` in Snowflake (DuckDB's integer division).
  ["bigquery", "a # c\nb", ["word:a", "comment:# c", "word:b"]],
  ["snowflake", "a // c\nb", ["word:a", "comment:// c", "word:b"]],
  ["duckdb", "a // b -- c", ["word:a", "op://", "word:b", "comment:-- c"]],
  // Numbers and operators.
  [
    "duckdb",
    "1.5e-3 .5 0x1F 1_000 a::INT x->>'k'",
    [
      "number:1.5e-3",
      "number:.5",
      "number:0x1F",
      "number:1_000",
      "word:a",
      "op:::",
      "word:INT",
      "word:x",
      "op:->>",
      "string:'k'",
    ],
  ],
  ["duckdb", "a<=b<>c||d", ["word:a", "op:<=", "word:b", "op:<>", "word:c", "op:||", "word:d"]],
  // Words: `$` inside, unicode letters; unicode spaces separate.
  ["snowflake", "a$b été\u00a0x", ["word:a$b", "word:été", "word:x"]],
  // Unterminated: one token to the end of the text, marked.
  ["duckdb", "a 'open", ["word:a", "string:'open!"]],
  ["duckdb", 'a "open', ["word:a", 'quoted:"open!']],
  ["duckdb", "a /* open /* */", ["word:a", "comment:/* open /* */!"]],
  ["bigquery", "a '''open'", ["word:a", "string:'''open'!"]],
  ["snowflake", "a $$open", ["word:a", "string:$$open!"]],
];

describe("the SQL lexer", () => {
  for (const [dialect, sql, expected] of TABLE) {
    test(`${dialect}: ${JSON.stringify(sql)}`, () => {
      expect(lex(sql, dialect)).toEqual(expected);
    });
  }

  test("comments are skipped unless asked for", () => {
    expect(lex("a -- x\n/* y */ b", "duckdb", false)).toEqual(["word:a", "word:b"]);
  });

  test("names: quoted ones unescaped, per dialect", () => {
    const names = (sql: string, dialect: SqlDialect) => {
      const lexer = new Lexer(sql, dialect);
      const out: string[] = [];
      while (lexer.next()) if (lexer.isName()) out.push(lexer.name());
      return out;
    };
    expect(names('"a""b" Cd', "duckdb")).toEqual(['a"b', "Cd"]);
    expect(names("`a``b`", "databricks")).toEqual(["a`b"]);
    expect(names("`p.d.t`", "bigquery")).toEqual(["p.d.t"]);
  });

  test("a cursor can start at an offset and match words case-insensitively", () => {
    const lexer = new Lexer("select x FROM t", "duckdb", { at: 9 });
    expect(lexer.next() && lexer.isWord("from")).toBe(true);
    expect(lexer.next() && lexer.isWord("from")).toBe(false);
    expect(lexer.next()).toBe(false);
  });
});
