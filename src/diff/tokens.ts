/**
 * A token-level normal form of SQL text, for models whose parse trees cannot be compared
 * (a parse error, or columns unavailable on a side): comments dropped, whitespace
 * collapsed to single spaces between tokens, and everything outside string literals and
 * quoted identifiers lower-cased. Two texts with the same normal form differ only in
 * formatting, comments and keyword/identifier case.
 */
export function normaliseSql(sql: string): string {
  const tokens: string[] = [];
  let word = "";
  const flush = () => {
    if (word) tokens.push(word.toLowerCase());
    word = "";
  };
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "-" && sql[i + 1] === "-") {
      flush();
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      flush();
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      flush();
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      tokens.push(sql.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (/[A-Za-z0-9_$.]/.test(c)) {
      word += c;
      i++;
      continue;
    }
    flush();
    // Whitespace separates tokens; any other character is a token of its own.
    if (!/\s/.test(c)) tokens.push(c);
    i++;
  }
  flush();
  return tokens.join(" ");
}
