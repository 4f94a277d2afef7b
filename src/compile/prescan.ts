/**
 * A guess, from the SQL text alone, at the tables a model reads (names after FROM and
 * JOIN, minus CTE names). Used only to order the analysis, upstream first, before
 * anything is parsed, so models can be parsed and analysed in chunks and their parse
 * trees dropped right away. Dependencies themselves come from the full analysis; when
 * this guess is wrong, compile notices and re-analyses the model (see compile.ts).
 *
 * Regexes are anchored on keywords (FROM, JOIN, AS followed by a parenthesis) so the
 * scan stays linear; names are read by hand from there.
 */
const KEYWORD = /\b(from|join)\s+|\bas\s*(?:not\s+materialized\s*|materialized\s*)?\(/gi;
const WORD = /[A-Za-z0-9_$]/;

/** The dotted name starting at `i` (quoted parts allowed), or undefined. */
function nameAt(text: string, i: number): string[] | undefined {
  const parts: string[] = [];
  for (;;) {
    const q = text[i];
    if (q === '"' || q === "`") {
      const end = text.indexOf(q, i + 1);
      if (end === -1) return undefined;
      // A BigQuery `project.dataset.table` is three parts (only a guess is needed here).
      parts.push(...(q === "`" ? text.slice(i + 1, end).split(".") : [text.slice(i + 1, end)]));
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && WORD.test(text[j]!)) j++;
      if (j === i) return parts.length > 0 ? parts : undefined;
      parts.push(text.slice(i, j));
      i = j;
    }
    let k = i;
    while (text[k] === " " || text[k] === "\n" || text[k] === "\t" || text[k] === "\r") k++;
    if (text[k] !== "." || parts.length === 3) return parts;
    i = k + 1;
    while (text[i] === " " || text[i] === "\n" || text[i] === "\t" || text[i] === "\r") i++;
  }
}

/** The identifier ending just before `end` (skipping spaces), lowercased, for `name AS (`. */
function nameBefore(text: string, end: number): string | undefined {
  let j = end;
  while (j > 0 && /\s/.test(text[j - 1]!)) j--;
  if (text[j - 1] === '"') {
    const start = text.lastIndexOf('"', j - 2);
    return start === -1 ? undefined : text.slice(start + 1, j - 1).toLowerCase();
  }
  let i = j;
  while (i > 0 && WORD.test(text[i - 1]!)) i--;
  return i < j ? text.slice(i, j).toLowerCase() : undefined;
}

export function guessTableRefs(sql: string): string[][] {
  // Comments and string literals could hold anything that looks like a FROM.
  const text =
    sql.includes("--") || sql.includes("/*") || sql.includes("'")
      ? sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'/g, " ")
      : sql;
  const ctes = new Set<string>();
  const refs: string[][] = [];
  KEYWORD.lastIndex = 0;
  for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
    if (m[1] === undefined) {
      const name = nameBefore(text, m.index);
      if (name) ctes.add(name);
      continue;
    }
    const parts = nameAt(text, m.index + m[0].length);
    if (parts) refs.push(parts);
  }
  return refs.filter((p) => !(p.length === 1 && ctes.has(p[0]!.toLowerCase())));
}
