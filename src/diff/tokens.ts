/**
 * A token-level normal form of SQL text, for models whose parse trees cannot be compared
 * (a parse error, or columns unavailable on a side): the lexer's tokens (comments
 * dropped) joined by single spaces, everything outside string literals and quoted
 * identifiers lower-cased. Two texts with the same normal form differ only in
 * formatting, comments and keyword/identifier case.
 */
import { Lexer } from "../sql/lexer.ts";
import type { SqlDialect } from "../sql/types.ts";

export function normaliseSql(sql: string, dialect?: SqlDialect): string {
  const tokens: string[] = [];
  const lexer = new Lexer(sql, dialect);
  while (lexer.next()) {
    const text = lexer.text();
    tokens.push(lexer.kind === "string" || lexer.kind === "quoted" ? text : text.toLowerCase());
  }
  return tokens.join(" ");
}
