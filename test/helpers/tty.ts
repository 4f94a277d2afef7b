/**
 * rocky on a real pseudo-terminal: a detached tmux pane on a private tmux server
 * (its own socket, so nothing touches a developer's sessions), read with capture-pane.
 */
import { join } from "node:path";
import { REPO } from "./cli.ts";

const MAIN = join(REPO, "src", "cli", "main.ts");

/** Why terminal tests cannot run here, or undefined when tmux works. */
export const tmuxMissing: string | undefined = (() => {
  try {
    const p = Bun.spawnSync(["tmux", "-V"], { stdout: "pipe", stderr: "pipe" });
    return p.exitCode === 0 ? undefined : `tmux -V failed: ${p.stderr.toString().trim()}`;
  } catch {
    return "tmux is not installed (apt-get install tmux; .ci/run installs it)";
  }
})();

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Pane {
  /** The screen and its scrollback as text; with `escapes`, colours as escape codes too. */
  capture(escapes?: boolean): string;
  /** Poll the pane until `re` matches (or fail with the screen after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Wait for rocky to exit; its exit code and the whole pane. */
  exit(timeoutMs?: number): Promise<{ code: number; screen: string }>;
  /** Send keys as tmux names them (`C-c`). */
  keys(...keys: string[]): void;
  kill(): void;
}

let seq = 0;

/**
 * Start `rocky ARGS` in a `columns`-wide tmux pane, in `cwd`. CI is unset (progress is
 * for people, not CI); `env` adds variables (e.g. NO_COLOR).
 */
export function rockyInTmux(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; columns?: number },
): Pane {
  const socket = `rocky-test-${process.pid}-${seq++}`;
  const tmux = (...a: string[]) =>
    Bun.spawnSync(["tmux", "-L", socket, ...a], { stdout: "pipe", stderr: "pipe" });
  const env = Object.entries({ TERM: "xterm-256color", ...opts.env })
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(" ");
  const cmd = [process.execPath, MAIN, ...args].map(shellQuote).join(" ");
  // The pane stays open after rocky exits so its last screen can be read; the shell traps
  // Ctrl-C (rocky gets the default disposition back) so it survives an interrupt test.
  const script = `trap 'true' INT; cd ${shellQuote(opts.cwd)} && env -u CI -u NO_COLOR ${env} ${cmd}; echo "__rocky_exit=$?"; sleep 600`;
  const started = tmux(
    "new-session",
    "-d",
    "-x",
    String(opts.columns ?? 120),
    "-y",
    "50",
    "sh",
    "-c",
    script,
  );
  if (started.exitCode !== 0) throw new Error(`tmux new-session failed: ${started.stderr.toString()}`);
  tmux("set-option", "-g", "history-limit", "5000");
  const capture = (escapes = false) =>
    tmux("capture-pane", "-p", "-J", "-S", "-", ...(escapes ? ["-e"] : [])).stdout.toString();
  const waitFor = async (re: RegExp, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const screen = capture();
      if (re.test(screen)) return screen;
      if (Date.now() > until) throw new Error(`timed out waiting for ${re} in the pane:\n${screen}`);
      await Bun.sleep(50);
    }
  };
  return {
    capture,
    waitFor,
    async exit(timeoutMs = 60_000) {
      const screen = await waitFor(/__rocky_exit=\d+/, timeoutMs);
      const code = Number(/__rocky_exit=(\d+)/.exec(screen)![1]);
      return { code, screen: screen.replace(/__rocky_exit=\d+\s*$/, "") };
    },
    keys(...keys: string[]) {
      tmux("send-keys", ...keys);
    },
    kill() {
      tmux("kill-server");
    },
  };
}
