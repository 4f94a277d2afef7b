/**
 * A CSV shape check before DuckDB reads a seed: DuckDB's sniffer reports a ragged file as
 * "could not detect the dialect" without a line, so rows whose field count differs from the
 * header are found here (RFC 4180 quoting, quoted newlines included) and named by line.
 */
export interface RaggedRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: number;
  expected: number;
}

/** Field count of every record with the line it starts on. */
function* records(text: string): Generator<{ line: number; fields: number }> {
  let line = 1;
  let start = 1;
  let fields = 1;
  let quoted = false;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      } else if (c === "\n") line++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      empty = false;
    } else if (c === ",") {
      fields++;
      empty = false;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      if (!empty) yield { line: start, fields };
      line++;
      start = line;
      fields = 1;
      empty = true;
    } else empty = false;
  }
  if (!empty) yield { line: start, fields };
}

/** The first row whose field count differs from the header's, or undefined. */
export function firstRaggedRow(text: string): RaggedRow | undefined {
  let expected: number | undefined;
  for (const r of records(text)) {
    if (expected === undefined) expected = r.fields;
    else if (r.fields !== expected) return { line: r.line, fields: r.fields, expected };
  }
  return undefined;
}
