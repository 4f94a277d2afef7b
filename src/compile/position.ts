/** Offsets in a model's SQL to 1-based line and column, for `file:line:col` diagnostics. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: at - lineStart + 1 };
}

/** Offset of the first whole-word, case-insensitive occurrence of `word`, or undefined. */
export function findWord(text: string, word: string, from = 0): number | undefined {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, "ig");
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? m.index : undefined;
}
