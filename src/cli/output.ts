import { writeStderr, writeStdout } from "../runtime/stdio.ts";
import { VERSION } from "../version.ts";
import { globals } from "./context.ts";

/** The JSON envelope: `version` and `command` first, then the payload's own fields. */
export function envelope<T extends object>(
  command: string,
  payload: T,
): { version: string; command: string } & T {
  return { version: VERSION, command, ...payload };
}

export function writeJson(value: unknown): void {
  writeStdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Print a result: JSON in json mode, otherwise the text from `renderText`. */
export function emit(value: unknown, renderText: () => string): void {
  if (globals().output === "json") writeJson(value);
  else {
    const text = renderText();
    writeStdout(text.endsWith("\n") ? text : `${text}\n`);
  }
}

/** Log lines (progress, notices) go to stderr so stdout stays machine-readable. */
export function log(line: string): void {
  writeStderr(`${line}\n`);
}
