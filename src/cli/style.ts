/** Terminal styling: colour only on a terminal and when NO_COLOR is unset. */
const enabled = (stream: NodeJS.WriteStream) =>
  Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";

const wrap =
  (code: string, reset: string) =>
  (s: string, stream: NodeJS.WriteStream = process.stdout) =>
    enabled(stream) ? `\u001b[${code}m${s}\u001b[${reset}m` : s;

export const bold = wrap("1", "22");
export const dim = wrap("2", "22");
export const red = wrap("31", "39");
export const green = wrap("32", "39");
export const yellow = wrap("33", "39");
export const cyan = wrap("36", "39");

export function isInteractive(): boolean {
  return Boolean(process.stderr.isTTY) && process.env.CI === undefined;
}
