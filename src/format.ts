/** Small text helpers shared by messages and renderers: plurals, durations, tables, progress. */

/** `row` or `rows` (or the given plural: `branches`). */
export const noun = (n: number, word: string, many = `${word}s`): string => (n === 1 ? word : many);

/** `1 row`, `2 rows`, `2 branches`. */
export const plural = (n: number, word: string, many?: string): string => `${n} ${noun(n, word, many)}`;

/** `1 row`, `12,345 rows`: a count of rows, grouped by thousands. */
export const rowCount = (n: number): string => `${n.toLocaleString("en-US")} ${noun(n, "row")}`;

// Colour codes take no room on screen: widths are measured without them.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The width a string takes on screen (colour codes removed). */
export const visibleLength = (s: string): number => s.replace(ANSI, "").length;

/** `padEnd` by the width on screen, so coloured cells line up. */
export const padVisible = (s: string, width: number): string =>
  s + " ".repeat(Math.max(0, width - visibleLength(s)));

/**
 * Rows with every column but the last padded to its widest cell (on screen), two spaces
 * apart, no trailing blanks: one line per row. The last column is free text.
 */
export function alignColumns(rows: readonly (readonly string[])[], indent = ""): string[] {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => {
      if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, visibleLength(c));
    });
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i < r.length - 1 ? padVisible(c, widths[i] ?? 0) : c))
        .join("  ")
        .trimEnd(),
  );
}

/** Columns padded to their widest cell (on screen), two spaces apart, no trailing blanks. */
export function textTable(
  header: string[],
  rows: string[][],
  paintHeader: (s: string) => string = (s) => s,
  indent = "",
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const fmt = (r: string[]) =>
    indent +
    r
      .map((c, i) => padVisible(c, widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [paintHeader(fmt(header)), ...rows.map(fmt)].join("\n");
}

/** A duration for people: `0.25s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

/** A duration at a glance, for progress: 0.4s, 12.3s, 1m02s, 1h05m. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Returns to the start of the terminal line and clears it: before a progress line is redrawn. */
export const CLEAR_LINE = "\r\u001b[2K";

/** `5 of 200 done · 1m02s`: how every progress line ends. */
export const progressCounts = (done: number, total: number, elapsedMs: number, what = ""): string =>
  `${done} of ${total}${what} · ${duration(elapsedMs)}`;
