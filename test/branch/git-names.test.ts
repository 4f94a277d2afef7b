/** Branch names from git: `feature/fix-price` is refused with its safe form offered; `--from-git` derives it. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { safeBranchName } from "../../src/branch/names.ts";
import { git, makeRepo } from "../diff/fixture.ts";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";

type Created = { branch: { name: string; schema_prefix: string } };

describe("branch names from git", () => {
  test.each([
    ["feature/fix-price", "feature__fix-price"],
    ["user/ada/JIRA-12", "user__ada__JIRA-12"],
    ["fix price#2", "fix_price_2"],
    ["ok-name_1.2", "ok-name_1.2"],
    [`a/${"x".repeat(80)}`, `a__${"x".repeat(61)}`],
  ])("safeBranchName(%p) is %p", (git, safe) => {
    expect(safeBranchName(git)).toBe(safe);
  });

  test("a git-style name is refused with Rocky's message and the safe name offered", () => {
    const repo = makeRepo();
    const r = rocky(["branch", "create", "feature/fix-price"], { cwd: repo.project });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Error: invalid branch name 'feature/fix-price': only [A-Za-z0-9_.-] characters are allowed",
    );
    expect(r.stderr).toContain("hint: use 'feature__fix-price'");
    // Nothing was created.
    expect(
      rocky(["branch", "list", "-o", "json"], { cwd: repo.project }).json<{ branches: unknown[] }>().branches,
    ).toEqual([]);
  });

  test("--from-git names the branch after the current git branch; run --branch with the git name points at it", () => {
    const repo = makeRepo();
    git(repo.top, "checkout", "-q", "-b", "feature/fix-price");
    const r = rocky(["branch", "create", "--from-git", "-o", "json"], { cwd: repo.project });
    expect(r.code).toBe(0);
    const j = r.json<Created>();
    expectSchemas("branch", j, "branch");
    expect(j.branch.name).toBe("feature__fix-price");
    expect(j.branch.schema_prefix).toBe("branch__feature__fix-price");
    expect(r.stderr).toContain("git branch 'feature/fix-price' is rocky branch 'feature__fix-price'");

    const run = rocky(["run", "--branch", "feature/fix-price"], { cwd: repo.project });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Error: branch 'feature/fix-price' not found");
    expect(run.stderr).toContain("hint: did you mean --branch feature__fix-price?");
    const other = rocky(["run", "--branch", "feature/other"], { cwd: repo.project });
    expect(other.stderr).toContain("hint: rocky branch create feature__other");

    const both = rocky(["branch", "create", "x", "--from-git"], { cwd: repo.project });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give a branch NAME or --from-git, not both");
    expect(rocky(["branch", "create"], { cwd: repo.project }).code).toBe(2);
  });

  test("a detached HEAD (a CI checkout) uses GITHUB_HEAD_REF, else says why it cannot", () => {
    const repo = makeRepo();
    git(repo.top, "checkout", "-q", "--detach");
    const env = { GITHUB_HEAD_REF: undefined, CI_COMMIT_REF_NAME: undefined, BUILDKITE_BRANCH: undefined };
    const none = rocky(["branch", "create", "--from-git"], { cwd: repo.project, env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("Error: HEAD is detached");
    const ci = rocky(["branch", "create", "--from-git", "-o", "json"], {
      cwd: repo.project,
      env: { ...env, GITHUB_HEAD_REF: "dependabot/npm/x-1.2" },
    });
    expect(ci.code).toBe(0);
    expect(ci.json<Created>().branch.name).toBe("dependabot__npm__x-1.2");
  });

  test("outside a git repository --from-git is a clear error", () => {
    const dir = tempDir("rocky-nogit-");
    writeFileSync(`${dir}/rocky.toml`, '[adapter]\ntype = "duckdb"\npath = "x.duckdb"\n');
    const r = rocky(["branch", "create", "--from-git"], { cwd: dir, env: { GIT_CEILING_DIRECTORIES: dir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not in a git repository: --from-git has no branch to name it after");
  });
});
