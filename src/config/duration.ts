/** Durations as rocky.toml and the CLI spell them: `90s`, `30m`, `12h`, `7d`, `2w`. */
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export const DURATION_HELP = "a number and a unit: s, m, h, d or w (e.g. 7d, 12h)";

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return ms > 0 ? ms : undefined;
}

/** `3d 4h`-style rendering of a positive duration, two units at most. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${Math.round(abs / 1000)}s`;
  const parts: string[] = [];
  let rest = abs;
  for (const [u, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) parts.push(`${n}${u}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith("0")).join(" ") || "0m";
}
