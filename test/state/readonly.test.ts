/**
 * A state file on a read-only mount: readers (`history`, `state`, `replay --sql`,
 * `branch list`) work; commands that write say that the state file is read-only.
 *
 * The mount is real: the child runs in its own mount namespace (`unshare -m`) where the
 * project folder is bind-mounted read-only. Where that is unavailable (not root, no
 * unshare), the test is skipped with the reason printed.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

const MAIN = join(REPO, "src", "cli", "main.ts");

/** Can this machine bind-mount a folder read-only in a private mount namespace? */
function readOnlyMountProblem(): string | undefined {
  const probe = tempDir("rocky-ro-probe-");
  mkdirSync(join(probe, "d"));
  const p = Bun.spawnSync(
    [
      "unshare",
      "-m",
      "sh",
      "-c",
      `mount --bind -o ro "$1" "$1" && ! touch "$1/x" 2>/dev/null`,
      "sh",
      join(probe, "d"),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (p.exitCode !== 0)
    return `cannot bind-mount read-only here (unshare -m + mount --bind -o ro: exit ${p.exitCode}: ${p.stderr.toString().trim()})`;
  return undefined;
}

/** `rocky <args>` in `dir`, with `dir` mounted read-only for the child only. */
function rockyReadOnly(dir: string, args: string[]) {
  const p = Bun.spawnSync(
    [
      "unshare",
      "-m",
      "sh",
      "-c",
      `mount --bind -o ro "$1" "$1" && cd "$1" && shift && exec "$@"`,
      "sh",
      dir,
      process.execPath,
      MAIN,
      ...args,
    ],
    { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" },
  );
  return { code: p.exitCode ?? -1, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

const problem = readOnlyMountProblem();
if (problem) console.warn(`skipping read-only state tests: ${problem}`);

describe.skipIf(problem !== undefined)("read-only state", () => {
  test("readers work on a read-only mount; writers say the state file is read-only", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
    const first = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(first);
    const runId = first.json<{ run_id: string }>().run_id;
    expect(existsSync(join(dir, ".rocky-state.db-wal"))).toBe(false);

    const history = rockyReadOnly(dir, ["history", "-o", "json"]);
    expectOk(history);
    expect(JSON.parse(history.stdout).runs[0].run_id).toBe(runId);

    const replay = rockyReadOnly(dir, ["replay", runId, "--sql", "-o", "table"]);
    expectOk(replay);
    expect(replay.stdout).toContain("CREATE");

    expectOk(rockyReadOnly(dir, ["state", "-o", "json"]));
    expectOk(rockyReadOnly(dir, ["branch", "list", "-o", "json"]));

    const run = rockyReadOnly(dir, ["run", "-o", "json"]);
    expectOk(run, 1);
    expect(run.stderr).toMatch(
      /^Error: state file .*\.rocky-state\.db is on a read-only file system; 'rocky run' needs to write to it$/m,
    );
    expect(run.stderr).toContain("hint:");
    expectJsonError(run, "state_read_only", "run");

    const fresh = rockyReadOnly(dir, ["run", "--state-path", join(dir, "new", "rocky.db")]);
    expectOk(fresh, 1);
    expect(fresh.stderr).toContain(
      `Error: state file ${join(dir, "new", "rocky.db")} cannot be created: ${dir} is on a read-only file system; 'rocky run' needs to write to it`,
    );

    const branch = rockyReadOnly(dir, ["branch", "create", "fix", "-o", "json"]);
    expectOk(branch, 1);
    expect(branch.stderr).toContain(
      "is on a read-only file system; 'rocky branch create' needs to write to it",
    );
  });

  test("a read-only state folder in a writable project: history works", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, '\n[state]\npath = "state/rocky.db"\n');
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    // Only the state folder is read-only: the warehouse stays writable.
    const stateDir = join(dir, "state");
    const p = Bun.spawnSync(
      [
        "unshare",
        "-m",
        "sh",
        "-c",
        `mount --bind -o ro "$1" "$1" && cd "$2" && shift 2 && exec "$@"`,
        "sh",
        stateDir,
        dir,
        process.execPath,
        MAIN,
        "history",
        "-o",
        "json",
      ],
      { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" },
    );
    expect(p.stderr.toString()).toBe("");
    expect(p.exitCode).toBe(0);
    expect(JSON.parse(p.stdout.toString()).count).toBe(1);
  });
});
