import { isTerminal } from "../runtime/stdio.ts";

/**
 * Terminal styling: colour only on a terminal and when NO_COLOR is unset. Checked with
 * `isTerminal` (an fstat) rather than `process.stdout.isTTY`, which builds a Node stream
 * and costs ~15 ms of start-up.
 */
const cache = new Map<1 | 2, boolean>();
/** Colour on this fd: a terminal, NO_COLOR unset, TERM not dumb. */
export const colourOn = (fd: 1 | 2): boolean => {
  let on = cache.get(fd);
  if (on === undefined) {
    on = isTerminal(fd) && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
    cache.set(fd, on);
  }
  return on;
};

const wrap =
  (code: string, reset: string) =>
  (s: string, fd: 1 | 2 = 1) =>
    colourOn(fd) ? `\u001b[${code}m${s}\u001b[${reset}m` : s;

export const bold = wrap("1", "22");
export const dim = wrap("2", "22");
export const red = wrap("31", "39");
export const green = wrap("32", "39");
export const yellow = wrap("33", "39");
export const cyan = wrap("36", "39");

/** A person is watching stderr (progress lines make sense), not CI or a pipe. */
export function isInteractive(): boolean {
  return isTerminal(2) && process.env.CI === undefined;
}

/** Width of the terminal on stderr (COLUMNS, else 80 when unknown). Builds the Node stream: not for fast paths. */
export function terminalColumns(): number {
  const c = process.stderr.columns;
  if (typeof c === "number" && c > 0) return c;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : 80;
}
