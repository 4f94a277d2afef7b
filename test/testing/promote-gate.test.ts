/** `branch promote` is gated on the branch's tests: refused when they failed or did not run; --force --reason overrides, recorded. */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

const GOOD = "SELECT * FROM (VALUES (1, 10), (2, 20)) AS t(id, amount)\n";
const BAD = "SELECT * FROM (VALUES (1, 10), (2, -20)) AS t(id, amount)\n";
const TESTS = `[[tests]]\ntype = "expression"\nexpression = "amount >= 0"\n`;

function setup(): string {
  const dir = makeProject({
    "models/out.sql": GOOD,
    "models/out.toml": TESTS,
    "models/plain.sql": "SELECT 1 AS x\n",
  });
  expectOk(rocky(["run"], { cwd: dir }));
  expectOk(rocky(["branch", "create", "fix"], { cwd: dir }));
  return dir;
}

const amounts = async (dir: string) => sql(dir, "SELECT amount FROM main.out ORDER BY id");

describe("branch promote: the test gate", () => {
  test("tests passed in the branch's latest run: promoted", async () => {
    const dir = setup();
    writeFileSync(join(dir, "models/out.sql"), "SELECT * FROM (VALUES (1, 11), (2, 22)) AS t(id, amount)\n");
    expectOk(rocky(["run", "--branch", "fix"], { cwd: dir }));
    expectOk(rocky(["branch", "promote", "fix"], { cwd: dir }));
    expect(await amounts(dir)).toEqual([[11], [22]]);
  });

  test("a failing test in the branch's latest run refuses, naming the model and test; production untouched", async () => {
    const dir = setup();
    expectOk(rocky(["run", "--branch", "fix"], { cwd: dir }));
    writeFileSync(join(dir, "models/out.sql"), BAD);
    expect(rocky(["run", "--branch", "fix"], { cwd: dir }).code).toBe(1);
    const r = rocky(["branch", "promote", "fix", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "branch 'fix' cannot be promoted: 1 model did not pass its tests on the branch",
    );
    expect(r.stderr).toContain("out: out [expression] failed (1 failing row) in run-");
    expect(r.stderr).toContain("--force --reason");
    expect(await amounts(dir)).toEqual([[10], [20]]);
  });

  test("tests that did not run (--no-tests) refuse; a passing 'rocky test --branch' afterwards lifts it", async () => {
    const dir = setup();
    expectOk(rocky(["run", "--branch", "fix", "--no-tests"], { cwd: dir }));
    const r = rocky(["branch", "promote", "fix", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("out: its tests did not run in the branch's latest run of it");
    expectOk(rocky(["test", "--branch", "fix"], { cwd: dir }));
    expectOk(rocky(["branch", "promote", "fix"], { cwd: dir }));
  });

  test("--force needs --reason; --force --reason promotes and records who, when and why", async () => {
    const dir = setup();
    writeFileSync(join(dir, "models/out.sql"), BAD);
    expectOk(rocky(["run", "--branch", "fix", "--no-tests"], { cwd: dir }));
    expect(rocky(["branch", "promote", "fix", "--force"], { cwd: dir }).code).toBe(2);
    const r = rocky(
      ["branch", "promote", "fix", "--force", "--reason", "hotfix approved by data lead", "-o", "json"],
      {
        cwd: dir,
        env: { USER: "alice" },
      },
    );
    expectOk(r);
    expect(r.stderr).toContain(
      "warning: promoting 'fix' over its test gate (--force by alice: hotfix approved by data lead)",
    );
    expect(await amounts(dir)).toEqual([[10], [-20]]);
    const runId = r.json<{ run_id: string }>().run_id;
    const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
    const rows = db
      .query("SELECT run_id, branch, forced_by, forced_at, reason, refusals FROM promote_overrides")
      .all() as {
      run_id: string;
      forced_by: string;
      forced_at: string;
      reason: string;
      refusals: string;
    }[];
    db.close();
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({
      run_id: runId,
      branch: "fix",
      forced_by: "alice",
      reason: "hotfix approved by data lead",
    });
    expect(rows[0]!.forced_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.parse(rows[0]!.refusals)[0].model).toBe("out");
  });

  test("--dry-run shows the targets and the gate's verdict and writes nothing", async () => {
    const dir = setup();
    writeFileSync(join(dir, "models/out.sql"), BAD);
    expectOk(rocky(["run", "--branch", "fix", "--no-tests"], { cwd: dir }));
    const r = rocky(["branch", "promote", "fix", "--dry-run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const p = r.json<{
      targets: { model: string; to: string }[];
      gate: { passed: boolean };
      would_promote: boolean;
    }>();
    expectOurSchema("branch_promote_dry_run", p);
    expect(p.targets.map((t) => [t.model, t.to])).toEqual([
      ["out", '"main"."out"'],
      ["plain", '"main"."plain"'],
    ]);
    expect(p.gate.passed).toBe(false);
    expect(p.would_promote).toBe(false);
    const text = rocky(["branch", "promote", "fix", "--dry-run", "-o", "table"], { cwd: dir });
    expect(text.stdout).toContain("Test gate: refused");
    expect(text.stdout).toContain("Nothing was written; the promote would be refused.");
    expect(await amounts(dir)).toEqual([[10], [20]]);
    const forced = rocky(
      ["branch", "promote", "fix", "--dry-run", "--force", "--reason", "ok", "-o", "json"],
      {
        cwd: dir,
      },
    );
    expect(forced.code).toBe(0);
    expect(await amounts(dir)).toEqual([[10], [20]]);
    const history = rocky(["history", "-o", "json"], { cwd: dir }).json<{ runs: { scope: string }[] }>();
    expect(history.runs.some((x) => x.scope.startsWith("promote:"))).toBe(false);
  });

  test("models without tests are not gated", () => {
    const dir = makeProject({ "models/plain.sql": "SELECT 1 AS x\n" });
    expectOk(rocky(["branch", "create", "fix"], { cwd: dir }));
    expectOk(rocky(["run", "--branch", "fix", "--no-tests"], { cwd: dir }));
    expectOk(rocky(["branch", "promote", "fix"], { cwd: dir }));
  });
});
