import { RockyError } from "../errors.ts";

/**
 * Parse TOML with Bun's built-in parser. Bun's errors carry no position, so on a
 * syntax error we re-parse with smol-toml (loaded only then) to name line and column.
 */
export async function parseToml(text: string, file: string): Promise<Record<string, unknown>> {
  try {
    return Bun.TOML.parse(text) as Record<string, unknown>;
  } catch (bunError) {
    let where = "";
    let detail =
      bunError instanceof Error ? bunError.message.replace(/^TOML Parse error:\s*/, "") : String(bunError);
    try {
      const { parse } = await import("smol-toml");
      parse(text);
    } catch (e) {
      const err = e as { line?: number; column?: number; message?: string };
      if (err.line !== undefined) where = `:${err.line}:${err.column ?? 1}`;
      const first = err.message?.split("\n")[0]?.replace(/^Invalid TOML document:\s*/, "");
      if (first) detail = first;
    }
    throw new RockyError(`invalid TOML syntax in ${file}${where}: ${detail}`);
  }
}
