/**
 * SQLite errors raised while a command reads the state file (a damaged page found
 * mid-query, a disk error) become the same clear refusal as a check on open, naming the
 * file, instead of an "unexpected" error. No bun:sqlite import: main.ts loads this.
 */
import { RockyError } from "../errors.ts";

const opened: string[] = [];

/** Remember a state file this process opened (the one an SQLite error most likely concerns). */
export function noteStateFile(path: string): void {
  if (!opened.includes(path)) opened.push(path);
}

const CORRUPT = /^SQLITE_(CORRUPT|NOTADB)/;

/** A RockyError for an SQLite error about the state file, or undefined for anything else. */
export function explainSqliteError(e: unknown): RockyError | undefined {
  if (!(e instanceof Error) || e.name !== "SQLiteError") return undefined;
  const code = String((e as Error & { code?: string }).code ?? "");
  const file = opened.at(-1) ?? "the state file";
  if (CORRUPT.test(code) || /malformed|not a database/i.test(e.message))
    return new RockyError(`state file ${file} is corrupt (${e.message})`, {
      hint: "restore it from a backup, or move it aside and let rocky start a new one; rocky does not repair or overwrite it",
      cause: e,
      code: "state_corrupt",
    });
  if (/^SQLITE_(READONLY|CANTOPEN)/.test(code))
    return new RockyError(`state file ${file} cannot be written (${e.message})`, {
      hint: "check that the file and its folder are writable, or point --state-path at a writable location",
      cause: e,
      code: "state_read_only",
    });
  return undefined;
}
