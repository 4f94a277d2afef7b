/**
 * Where a key of rocky.toml is written, for `file:line` in error messages. Bun's TOML
 * parser keeps no positions; a line scan is enough for the shapes rocky.toml uses
 * (`[a.b]` headers, `key = value` lines, quoted keys).
 */

/** `[ a . "b" ]` → ["a", "b"]; null when the line is not a table header. */
function headerPath(line: string): string[] | null {
  const m = /^\s*\[\s*([^[\]]+?)\s*\]\s*(#.*)?$/.exec(line);
  if (!m) return null;
  return m[1]!.split(".").map((p) => p.trim().replace(/^["']|["']$/g, ""));
}

function keyOf(line: string): string | null {
  const m = /^\s*("([^"]+)"|'([^']+)'|[A-Za-z0-9_-]+)\s*=/.exec(line);
  return m ? (m[2] ?? m[3] ?? m[1]!) : null;
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The 1-based line of `key` in table `table` (or of the table's header when `key` is
 * absent or not written there, e.g. a missing required key); undefined when not found.
 */
export function tomlLine(text: string, table: string[], key?: string): number | undefined {
  const lines = text.split("\n");
  let current: string[] = [];
  let header: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const path = headerPath(lines[i]!);
    if (path) {
      current = path;
      if (same(path, table)) header ??= i + 1;
      continue;
    }
    if (key !== undefined && same(current, table) && keyOf(lines[i]!) === key) return i + 1;
  }
  return header;
}
