/** `rocky show MODEL --branch B`: the rows of the branch's copy, not production's. */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

test("show --branch reads the branch's copy; a model the branch has not built, or an unknown branch, is one clear error", () => {
  const dir = makeProject({
    "models/nums.sql": "SELECT 1 AS id, 'prod' AS label\n",
    "models/other.sql": "SELECT 2 AS id\n",
  });
  expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
  expectOk(rocky(["branch", "create", "fix", "-o", "json"], { cwd: dir }));
  writeFileSync(join(dir, "models", "nums.sql"), "SELECT 1 AS id, 'branch' AS label\n");
  expectOk(rocky(["run", "--branch", "fix", "--model", "nums", "-o", "json"], { cwd: dir }));

  const b = rocky(["show", "nums", "--branch", "fix", "-o", "json"], { cwd: dir });
  expectOk(b);
  const out = b.json<{ target: string; rows: unknown[][] }>();
  expectOurSchema("show", out);
  expect(out.rows).toEqual([[1, "branch"]]);
  expect(out.target).toContain("fix");
  const prod = rocky(["show", "nums", "-o", "json"], { cwd: dir }).json<{ rows: unknown[][] }>();
  expect(prod.rows).toEqual([[1, "prod"]]);

  const notBuilt = rocky(["show", "other", "--branch", "fix", "-o", "table"], { cwd: dir });
  expect(notBuilt.code).toBe(1);
  expect(notBuilt.stderr).toContain("branch 'fix' has no copy of model 'other'");
  expect(notBuilt.stderr).toContain("hint: build it in the branch: rocky run --branch fix --model other");

  const unknown = rocky(["show", "nums", "--branch", "nope", "-o", "table"], { cwd: dir });
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain("branch 'nope' not found");
}, 60_000);
