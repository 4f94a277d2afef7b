/**
 * A guess, from the SQL text alone, at the tables a model reads (names after FROM and
 * JOIN, minus CTE names). Used only to order the analysis, upstream first, before
 * anything is parsed, so models can be parsed and analysed in chunks and their parse
 * trees dropped right away. Dependencies themselves come from the full analysis; when
 * this guess is wrong, compile notices and re-analyses the model (see compile.ts).
 *
 * One pass of the lexer (strings and comments are skipped by it), allocating only the
 * names it keeps: this runs on every model of a cold compile.
 */
import { Lexer } from "../sql/lexer.ts";
import type { SqlDialect } from "../sql/types.ts";

/** The dotted name at the lexer's next token (at most 3 parts), or undefined; the lexer is left on the token after it. */
function nameAfter(lexer: Lexer, dialect: SqlDialect): string[] | undefined {
  if (!lexer.next() || !lexer.isName()) return undefined;
  const parts: string[] = [];
  for (;;) {
    const name = lexer.name();
    // A BigQuery `project.dataset.table` is three parts (only a guess is needed here).
    if (lexer.kind === "quoted" && dialect === "bigquery" && name.includes("."))
      parts.push(...name.split("."));
    else parts.push(name);
    if (parts.length >= 3 || !lexer.next() || !lexer.is(".")) return parts;
    if (!lexer.next() || !lexer.isName()) return parts;
  }
}

export function guessTableRefs(sql: string, dialect: SqlDialect = "duckdb"): string[][] {
  const lexer = new Lexer(sql, dialect);
  const ctes = new Set<string>();
  const refs: string[][] = [];
  /** Where the name just before the current token starts (-1: none), for `name AS (`. */
  let before = -1;
  /** The CTE name while reading `AS [NOT] [MATERIALIZED] (`. */
  let cte: string | undefined;
  let more = lexer.next();
  while (more) {
    // Most tokens are neither FROM/JOIN nor part of `name AS (`: test the length first.
    const kind = lexer.kind;
    const length = lexer.end - lexer.start;
    if (kind === "word" && length === 4 && (lexer.isWord("from") || lexer.isWord("join"))) {
      const parts = nameAfter(lexer, dialect);
      before = -1;
      cte = undefined;
      if (parts) refs.push(parts);
      // nameAfter stopped on the token after the name (or the end): look at it again.
      more = lexer.end > lexer.start;
      continue;
    }
    if (cte !== undefined) {
      if (kind === "punct" && lexer.is("(")) ctes.add(cte);
      if (!lexer.isWord("not") && !lexer.isWord("materialized")) cte = undefined;
    } else if (before >= 0 && length === 2 && lexer.isWord("as")) {
      // Read only here: most names are not CTE names, and slicing each would cost.
      const again = new Lexer(sql, dialect, { at: before });
      again.next();
      cte = again.name().toLowerCase();
    }
    before = kind === "word" || kind === "quoted" ? lexer.start : -1;
    more = lexer.next();
  }
  return refs.filter((p) => !(p.length === 1 && ctes.has(p[0]!.toLowerCase())));
}
