/**
 * Finds the text of a dotted table name in the SQL, so the run engine can rewrite it:
 * DuckDB gives where the name starts; we scan `part (. part)*` from there, skipping
 * whitespace and comments between parts and honouring quoted identifiers.
 */

/** End offset of a `parts.length`-part dotted name starting at `start`, or undefined if the text does not match. */
export function dottedNameEnd(sql: string, start: number, parts: readonly string[]): number | undefined {
  let i = start;
  for (let k = 0; k < parts.length; k++) {
    if (k > 0) {
      i = skipTrivia(sql, i);
      if (sql[i] !== ".") return undefined;
      i = skipTrivia(sql, i + 1);
    }
    const ident = readIdentifier(sql, i);
    if (ident === undefined) return undefined;
    const expected = parts[k] ?? "";
    const matches = ident.quoted
      ? ident.value === expected
      : ident.value.toLowerCase() === expected.toLowerCase();
    if (!matches) return undefined;
    i = ident.end;
  }
  return i;
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

function readIdentifier(sql: string, i: number): { value: string; end: number; quoted: boolean } | undefined {
  if (sql[i] === '"') {
    let value = "";
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === '"') {
        if (sql[j + 1] === '"') {
          value += '"';
          j += 2;
          continue;
        }
        return { value, end: j + 1, quoted: true };
      }
      value += sql[j];
      j++;
    }
    return undefined;
  }
  let j = i;
  while (j < sql.length && isIdentifierChar(sql[j] ?? "")) j++;
  return j > i ? { value: sql.slice(i, j), end: j, quoted: false } : undefined;
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

/** Skips whitespace, `-- line` and `/* block *\/` comments. */
function skipTrivia(sql: string, i: number): number {
  let j = i;
  for (;;) {
    const ch = sql[j];
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f") {
      j++;
    } else if (ch === "-" && sql[j + 1] === "-") {
      const newline = sql.indexOf("\n", j);
      j = newline === -1 ? sql.length : newline + 1;
    } else if (ch === "/" && sql[j + 1] === "*") {
      const close = sql.indexOf("*/", j + 2);
      j = close === -1 ? sql.length : close + 2;
    } else {
      return j;
    }
  }
}
