/**
 * The base side of `rocky diff`: a git revision's copy of the project, read from git's
 * objects into a temporary folder (`git archive REV:<prefix>`). Nothing is checked out
 * and neither the working tree nor the index is touched.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RockyError } from "../errors.ts";

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function git(cwd: string, args: string[]): GitResult {
  let p: ReturnType<typeof Bun.spawnSync>;
  try {
    p = Bun.spawnSync(["git", ...args], {
      cwd,
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
      // Never prompt, never page, never take a lock on the index.
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", GIT_OPTIONAL_LOCKS: "0" },
    });
  } catch (e) {
    throw new RockyError(`cannot run git: ${(e as Error).message}`, {
      hint: "install git, or compare with a folder: rocky diff --base-dir DIR",
    });
  }
  return { code: p.exitCode ?? 1, stdout: p.stdout?.toString() ?? "", stderr: p.stderr?.toString() ?? "" };
}

export interface GitProject {
  /** Top of the work tree. */
  top: string;
  /** The project folder relative to the top, `""` or `sub/dir/`. */
  prefix: string;
}

/** The git work tree holding `root`, or a clear error. */
export function gitProject(root: string): GitProject {
  const r = git(root, ["rev-parse", "--show-toplevel", "--show-prefix"]);
  if (r.code !== 0)
    throw new RockyError(`${root} is not in a git repository`, {
      hint: "rocky diff compares with a git revision; use --base-dir DIR to compare with a folder",
    });
  const [top = root, prefix = ""] = r.stdout.split("\n");
  return { top, prefix };
}

/**
 * The current git branch of the work tree holding `dir` (`feature/fix-price`). A detached
 * HEAD (a pull-request checkout in CI) falls back to GITHUB_HEAD_REF, GitLab's
 * CI_COMMIT_REF_NAME or BUILDKITE_BRANCH, else is an error.
 */
export function currentBranch(dir: string): string {
  if (git(dir, ["rev-parse", "--git-dir"]).code !== 0)
    throw new RockyError(`${dir} is not in a git repository: --from-git has no branch to name it after`, {
      hint: "give the name: rocky branch create NAME",
    });
  const r = git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  if (r.code === 0 && r.stdout.trim()) return r.stdout.trim();
  for (const v of ["GITHUB_HEAD_REF", "CI_COMMIT_REF_NAME", "BUILDKITE_BRANCH"]) {
    const name = process.env[v]?.trim();
    if (name) return name;
  }
  throw new RockyError("HEAD is detached: there is no current git branch to name the rocky branch after", {
    hint: "check out a branch, or give the name: rocky branch create NAME",
  });
}

/** A revision as a commit id, or an error naming it. */
export function resolveRevision(repo: GitProject, rev: string): string {
  if (rev.startsWith("-")) throw new RockyError(`'${rev}' is not a git revision`);
  const r = git(repo.top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
  if (r.code !== 0 || !r.stdout.trim())
    throw new RockyError(`'${rev}' is not a git revision`, {
      hint: "pass a branch, tag or commit (e.g. main, origin/main, HEAD~1), or --base-dir DIR",
    });
  return r.stdout.trim();
}

/** The default branch: origin/HEAD, else main or master (local, then origin's). */
export function defaultBranch(repo: GitProject): string | undefined {
  const head = git(repo.top, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]);
  if (head.code === 0 && head.stdout.trim()) return head.stdout.trim().replace(/^refs\/remotes\//, "");
  for (const name of ["main", "master", "origin/main", "origin/master"]) {
    const ref = name.startsWith("origin/") ? `refs/remotes/${name}` : `refs/heads/${name}`;
    if (git(repo.top, ["show-ref", "--verify", "--quiet", ref]).code === 0) return name;
  }
  return undefined;
}

/** The default BASE: the merge base of HEAD with the default branch. */
export function defaultBase(repo: GitProject): { label: string; commit: string } {
  const branch = defaultBranch(repo);
  if (!branch)
    throw new RockyError("cannot find the default branch (no origin/HEAD, main or master)", {
      hint: "name the base: rocky diff main, rocky diff HEAD~1, or --base-dir DIR",
    });
  const target = resolveRevision(repo, branch);
  const r = git(repo.top, ["merge-base", "HEAD", target]);
  if (r.code !== 0 || !r.stdout.trim())
    throw new RockyError(`HEAD and ${branch} have no common ancestor`, { hint: "name the base revision" });
  return { label: `merge-base(HEAD, ${branch})`, commit: r.stdout.trim() };
}

/** The short form of a commit id, for reports. */
export function shortCommit(repo: GitProject, commit: string): string {
  const r = git(repo.top, ["rev-parse", "--short", commit]);
  return r.code === 0 ? r.stdout.trim() : commit.slice(0, 12);
}

/**
 * Write the project folder as it is at `commit` into a new temporary folder and return
 * it; `cleanup` removes it. An error when the folder does not exist at that revision.
 */
export function exportRevision(repo: GitProject, commit: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "rocky-diff-base-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  // `<commit>:<path>` names the project's tree; `<commit>:` the root tree.
  const treeish = `${commit}:${repo.prefix.replace(/\/$/, "")}`;
  const exists = git(repo.top, ["cat-file", "-t", treeish]);
  if (exists.code !== 0 || exists.stdout.trim() !== "tree") {
    cleanup();
    throw new RockyError(
      `the project folder ${repo.prefix || "./"} does not exist at ${commit.slice(0, 12)}`,
      {
        hint: "pick a base revision that has the project",
      },
    );
  }
  mkdirSync(dir, { recursive: true });
  // git archive | tar, without a shell: the archive is read into memory, then unpacked.
  const archive = Bun.spawnSync(["git", "archive", "--format=tar", treeish], {
    cwd: repo.top,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
  });
  if (archive.exitCode !== 0) {
    cleanup();
    throw new RockyError(`git archive failed: ${archive.stderr.toString().trim()}`);
  }
  const untar = Bun.spawnSync(["tar", "-xf", "-", "-C", dir], {
    stdin: archive.stdout,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (untar.exitCode !== 0) {
    cleanup();
    throw new RockyError(`cannot unpack the base revision: ${untar.stderr.toString().trim()}`);
  }
  return { dir, cleanup };
}

export interface ChangedPath {
  /** A: only in the working tree (added or untracked), D: only at the revision, M: both, differing; others as git says. */
  status: string;
  /** Relative to the project folder. */
  path: string;
}

/**
 * Files of the project folder that differ between `commit` and the working tree:
 * tracked changes (`git diff --name-status`, which only reads the index) plus untracked,
 * not ignored, files.
 */
export async function changedPaths(repo: GitProject, commit: string): Promise<ChangedPath[]> {
  const scope = repo.prefix ? repo.prefix : ".";
  const strip = (p: string) => (repo.prefix && p.startsWith(repo.prefix) ? p.slice(repo.prefix.length) : p);
  // Both at once, in their own processes: started before the working tree's compile, they cost nothing.
  const run = async (args: string[]) => {
    const p = Bun.spawn(["git", ...args], {
      cwd: repo.top,
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" },
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
      p.exited,
    ]);
    if (code !== 0) throw new RockyError(`git ${args[0]} failed: ${stderr.trim()}`);
    return stdout;
  };
  const [diff, others] = await Promise.all([
    run([
      "diff",
      "--name-status",
      "-z",
      "--no-renames",
      "--no-ext-diff",
      "--no-textconv",
      "--ignore-submodules",
      commit,
      "--",
      scope,
    ]),
    run(["ls-files", "--others", "--exclude-standard", "-z", "--", scope]),
  ]);
  const out: ChangedPath[] = [];
  const parts = diff.split("\0");
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i]!;
    if (!status) break;
    out.push({ status: status[0]!, path: strip(parts[i + 1]!) });
  }
  for (const p of others.split("\0")) if (p) out.push({ status: "A", path: strip(p) });
  return out;
}

/** The text of files of the project folder at `commit` (`git cat-file --batch`), by project-relative path. */
export function readAtRevision(repo: GitProject, commit: string, paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (paths.length === 0) return out;
  const input = paths.map((p) => `${commit}:${repo.prefix}${p}\n`).join("");
  const p = Bun.spawnSync(["git", "cat-file", "--batch"], {
    cwd: repo.top,
    stdin: Buffer.from(input),
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
  });
  if (p.exitCode !== 0) throw new RockyError(`git cat-file failed: ${p.stderr.toString().trim()}`);
  const buf = p.stdout;
  let at = 0;
  for (const path of paths) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString();
    at = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) continue; // `<name> missing`
    const size = Number(m[2]);
    if (m[1] === "blob") out.set(path, buf.subarray(at, at + size).toString("utf8"));
    at += size + 1;
  }
  return out;
}
