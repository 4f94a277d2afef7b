/** Small text helpers shared by messages and renderers. */

/** `1 row`, `2 rows`. */
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

// Colour codes take no room on screen: widths are measured without them.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width a string takes on screen (colour codes removed). */
export const visibleLength = (s: string): number => s.replace(ANSI, "").length;

/** `padEnd` by the width on screen, so coloured cells line up. */
export const padVisible = (s: string, width: number): string =>
  s + " ".repeat(Math.max(0, width - visibleLength(s)));

/** Columns padded to their widest cell (on screen), two spaces apart, no trailing blanks. */
export function textTable(
  header: string[],
  rows: string[][],
  paintHeader: (s: string) => string = (s) => s,
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const fmt = (r: string[]) =>
    r
      .map((c, i) => padVisible(c, widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [paintHeader(fmt(header)), ...rows.map(fmt)].join("\n");
}

/** A duration for people: `0.25s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;
