/**
 * The stable `error.code` of a JSON error object (`-o json`). A small set on purpose:
 * tools branch on it, so a code is never renamed; new ones are added here and in the
 * error schema (src/output/schemas/error.ts).
 */
export const ERROR_CODE_MEANINGS = {
  usage: "bad command line: unknown flag, conflicting flags, missing argument (exit 2)",
  no_project: "no rocky.toml found, or -c names a missing file",
  config_invalid: "rocky.toml, a sidecar or an adapter block does not validate",
  not_found: "a named model, run or branch does not exist",
  compile_errors: "the project has compile errors, so nothing was run",
  missing_tables: "tables a run reads are neither models nor present in the warehouse, so nothing was run",
  isolation_collision:
    "an isolated target (shadow, branch, replay) would land on a production table or schema; nothing was run",
  state_locked: "another rocky process holds the state store's writer lock",
  state_corrupt: "the state file is damaged",
  state_read_only: "the state file or its folder cannot be written",
  state_refused: "not a rocky state file, or one written by a newer rocky",
  interrupted: "stopped by a signal (exit 130)",
  error: "any other failure rocky reports with a message",
  internal: "an unexpected error: a bug in rocky",
} as const;
export type ErrorCode = keyof typeof ERROR_CODE_MEANINGS;
export const ERROR_CODES = Object.keys(ERROR_CODE_MEANINGS) as [ErrorCode, ...ErrorCode[]];

/** An error the user can act on: printed as `Error: <message>` plus an optional `hint:` line. */
export class RockyError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly code: ErrorCode;
  constructor(
    message: string,
    opts: { hint?: string; exitCode?: number; cause?: unknown; code?: ErrorCode } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "RockyError";
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 1;
    this.code =
      opts.code ?? (this.exitCode === 2 ? "usage" : this.exitCode === 130 ? "interrupted" : "error");
  }
}

/** Bad command line: unknown flag, conflicting flags, missing argument. Exit 2. */
export class UsageError extends RockyError {
  constructor(message: string, hint?: string) {
    super(message, hint === undefined ? { exitCode: 2 } : { hint, exitCode: 2 });
    this.name = "UsageError";
  }
}

/** Exit with a code after output was already printed (e.g. compile with errors). */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[n]!;
}

/** Up to `limit` candidates close to `input` (prefix/substring matches first, then by edit distance). */
export function closeMatches(input: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = input.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let d = editDistance(lower, cl);
    if (cl.includes(lower) || lower.includes(cl)) d = Math.min(d, 1);
    if (d <= Math.max(2, Math.floor(input.length / 3))) scored.push({ c, d });
  }
  scored.sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  return scored.slice(0, limit).map((s) => s.c);
}

/** `did you mean 'a', 'b'?` for candidates close to `input`, or undefined when none is. */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  return didYouMeanOf(closeMatches(input, candidates));
}

/** `did you mean 'a', 'b'?` for matches already chosen, or undefined when there are none. */
export function didYouMeanOf(matches: readonly string[]): string | undefined {
  return matches.length > 0 ? `did you mean ${matches.map((x) => `'${x}'`).join(", ")}?` : undefined;
}
