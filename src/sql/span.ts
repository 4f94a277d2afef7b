/**
 * Finds the text of a dotted table name in the SQL, so the run engine can rewrite it:
 * DuckDB gives where the name starts; we scan `part (. part)*` from there, skipping
 * whitespace and comments between parts and honouring quoted identifiers (the lexer's tokens).
 */
import { Lexer } from "./lexer.ts";

/** End offset of a `parts.length`-part dotted name starting at `start`, or undefined if the text does not match. */
export function dottedNameEnd(sql: string, start: number, parts: readonly string[]): number | undefined {
  const lexer = new Lexer(sql, "duckdb", { at: start });
  for (let k = 0; k < parts.length; k++) {
    if (k > 0 && !(lexer.next() && lexer.is("."))) return undefined;
    if (!lexer.next() || !lexer.isName() || lexer.unterminated) return undefined;
    // The name starts exactly at `start`, not after some space.
    if (k === 0 && lexer.start !== start) return undefined;
    const expected = parts[k] ?? "";
    const value = lexer.name();
    const matches =
      lexer.kind === "quoted" ? value === expected : value.toLowerCase() === expected.toLowerCase();
    if (!matches) return undefined;
  }
  return lexer.end;
}

/** Offset of the first occurrence of the dotted name at or after `from`, for nodes DuckDB gives no location. */
export function findDottedName(
  sql: string,
  parts: readonly string[],
  from = 0,
): { start: number; end: number } | undefined {
  const first = parts[0];
  if (first === undefined) return undefined;
  const needle = first.toLowerCase();
  const lower = sql.toLowerCase();
  for (let at = lower.indexOf(needle, from); at !== -1; at = lower.indexOf(needle, at + 1)) {
    const start = at > 0 && sql[at - 1] === '"' ? at - 1 : at;
    if (start > 0 && isIdentifierChar(sql[start - 1] ?? "")) continue;
    const end = dottedNameEnd(sql, start, parts);
    if (end !== undefined) return { start, end };
  }
  return undefined;
}

function isIdentifierChar(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 65 && code <= 90) || // A-Z
    (code >= 48 && code <= 57) || // 0-9
    code === 95 || // _
    code === 36 || // $
    code > 0x7f
  );
}
