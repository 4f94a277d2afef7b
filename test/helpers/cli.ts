import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO = join(import.meta.dir, "..", "..");
const MAIN = join(REPO, "src", "cli", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** Run `rocky` from source as a user would: a child process, its own cwd, real stdout/stderr. */
export function rocky(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; stdin?: string } = {},
): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...opts.env };
  const p = Bun.spawnSync([process.execPath, MAIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env,
    stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = p.stdout.toString();
  const stderr = p.stderr.toString();
  return {
    code: p.exitCode ?? -1,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${p.exitCode}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

export function tempDir(prefix = "rocky-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * `rocky` as an async child: for tests whose loopback stand-in answers from this
 * process's event loop (a sync spawn would block it).
 */
export async function rockyAsync(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}
