/**
 * Start-up-cheap terminal checks and writes.
 *
 * Touching `process.stdout` or `process.stderr` makes Bun build a Node stream,
 * which costs about 15–20 ms per process (measured with a compiled binary:
 * 26 ms vs 7 ms for one write), more than twice a bare `bun` start. Commands
 * that must start fast (`--version`, `branch list`) can use these instead;
 * on Windows they fall back to the Node streams.
 */
import type * as Fs from "node:fs";

let devNullRdev: number | undefined;

/** Like `process.stdout.isTTY` / `process.stderr.isTTY`, without creating the stream. */
export function isTerminal(fd: 1 | 2): boolean {
  if (process.platform === "win32") return Boolean(fd === 1 ? process.stdout.isTTY : process.stderr.isTTY);
  try {
    // Loaded here, not at start-up: node:fs costs ~5 ms of a compiled binary's start.
    const { fstatSync, statSync } = require("node:fs") as typeof Fs;
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    // /dev/null is a character device too, and not a terminal.
    devNullRdev ??= statSync("/dev/null").rdev;
    return st.rdev !== devNullRdev;
  } catch {
    return false;
  }
}

// One queue for both streams keeps stdout and stderr lines in the order they were written.
let pending: Promise<unknown> = Promise.resolve();

function enqueue(sink: typeof Bun.stdout, text: string): void {
  // A closed pipe (e.g. `rocky history | head -1`) must not break later writes.
  pending = pending.then(() => Bun.write(sink, text)).catch(() => undefined);
}

let wroteStdout = false;

/** Queue `text` for stdout; call `flushStdio()` before the process exits. */
export function writeStdout(text: string): void {
  wroteStdout = true;
  enqueue(Bun.stdout, text);
}

/** Has anything been written to stdout (a command's result)? */
export function stdoutWritten(): boolean {
  return wroteStdout;
}

/** Queue `text` for stderr; call `flushStdio()` before the process exits. */
export function writeStderr(text: string): void {
  enqueue(Bun.stderr, text);
}

/** Resolves once every queued write has reached its file descriptor. */
export async function flushStdio(): Promise<void> {
  await pending;
}
