/**
 * The error that stops a command before any SQL because the project has compile errors:
 * the first few, each at its place with its did-you-mean, so the user need not re-run
 * `rocky compile` to see what to change.
 */
import { RockyError } from "../errors.ts";
import { plural } from "../format.ts";
import type { Diagnostic } from "./types.ts";

const SHOWN = 5;

export function compileErrorsFailure(errors: Diagnostic[], nothingRan: string, again: string): RockyError {
  const lines: string[] = [];
  for (const d of errors.slice(0, SHOWN)) {
    lines.push(
      `  ${d.span ? `${d.span.file}:${d.span.line}:${d.span.col}` : d.model}: ${d.code} ${d.message}`,
    );
    if (d.suggestion) lines.push(`    ${d.suggestion}`);
  }
  if (errors.length > SHOWN) lines.push(`  ... and ${errors.length - SHOWN} more`);
  return new RockyError(
    `the project has ${plural(errors.length, "compile error")}; ${nothingRan}\n${lines.join("\n")}`,
    { hint: `fix them (see 'rocky compile'), then ${again}`, code: "compile_errors" },
  );
}
