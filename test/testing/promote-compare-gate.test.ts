/**
 * `branch promote` gated on `branch compare`: with a threshold (`--max-changed-pct`, else
 * `[branch] promote_max_changed_pct`) a promoted table whose rows changed more than that
 * refuses, naming the model and the figures; `--force --reason` overrides, recorded. A
 * model with a `[contract]` is held by the test gate when its contract failed on the branch.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

const CONTRACT = `[contract]
primary_key = "id"
columns = [{ name = "id", type = "INTEGER" }, { name = "amount", type = "INTEGER" }]
`;

/** Production `out` from ten events; branch 'fix' built after three of them changed (30%). */
async function setup(threshold: string): Promise<string> {
  const dir = makeProject(
    { "models/out.sql": "SELECT * FROM raw.events\n", "models/out.toml": CONTRACT },
    threshold,
  );
  await sql(
    dir,
    "CREATE SCHEMA raw;\nCREATE TABLE raw.events AS SELECT CAST(i AS INTEGER) AS id, CAST(i * 10 AS INTEGER) AS amount FROM range(1, 11) t(i)",
  );
  expectOk(rocky(["run"], { cwd: dir }));
  expectOk(rocky(["branch", "create", "fix"], { cwd: dir }));
  await sql(dir, "UPDATE raw.events SET amount = amount + 1 WHERE id <= 3");
  expectOk(rocky(["run", "--branch", "fix"], { cwd: dir }));
  return dir;
}

const production = (dir: string) => sql(dir, "SELECT sum(amount) FROM main.out");

const REASON =
  "out: 30% of its production rows differ (0 added, 0 removed, 3 changed on id), above the promote threshold of 10%";

describe("branch promote: the compare gate", () => {
  test("[branch] promote_max_changed_pct refuses, naming the model, figures and override; production untouched", async () => {
    const dir = await setup("\n[branch]\npromote_max_changed_pct = 10\n");
    const r = rocky(["branch", "promote", "fix", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "branch 'fix' cannot be promoted: 1 model changed more than the promote threshold allows",
    );
    expect(r.stderr).toContain(REASON);
    expect(r.stderr).toContain("--max-changed-pct N or [branch] promote_max_changed_pct");
    expect(r.stderr).toContain('--force --reason "..."');
    expect(await production(dir)).toEqual([[550]]);
    // The flag overrides the configured threshold.
    expectOk(rocky(["branch", "promote", "fix", "--max-changed-pct", "50"], { cwd: dir }));
    expect(await production(dir)).toEqual([[553]]);
  });

  test("--dry-run shows the compare gate's verdict (JSON and text) and writes nothing", async () => {
    const dir = await setup("");
    const j = rocky(["branch", "promote", "fix", "--dry-run", "--max-changed-pct", "10", "-o", "json"], {
      cwd: dir,
    });
    expect(j.code).toBe(1);
    const p = j.json<{ gate: { passed: boolean; refusals: unknown[] }; would_promote: boolean }>();
    expectOurSchema("branch_promote_dry_run", p);
    expect(p).toMatchObject({
      gate: { passed: false, refusals: [{ model: "out", gate: "compare", reason: REASON.slice(5) }] },
      would_promote: false,
      compare_threshold_pct: 10,
    });
    const t = rocky(["branch", "promote", "fix", "--dry-run", "--max-changed-pct", "40", "-o", "table"], {
      cwd: dir,
    });
    expectOk(t);
    expect(t.stdout).toContain("Test gate: passed");
    expect(t.stdout).toContain("Compare gate (max 40% changed): passed");
    expect(await production(dir)).toEqual([[550]]);
    // Without a threshold there is no compare gate.
    expectOk(rocky(["branch", "promote", "fix"], { cwd: dir }));
    expect(await production(dir)).toEqual([[553]]);
  });

  test("--force --reason promotes over it and records the refusal", async () => {
    const dir = await setup("");
    expect(rocky(["branch", "promote", "fix", "--max-changed-pct", "0", "--force"], { cwd: dir }).code).toBe(
      2,
    );
    const r = rocky(
      ["branch", "promote", "fix", "--max-changed-pct", "0", "--force", "--reason", "repricing approved"],
      { cwd: dir, env: { USER: "bob" } },
    );
    expectOk(r);
    expect(r.stderr).toContain(
      "warning: promoting 'fix' over its gates (--force by bob: repricing approved)",
    );
    expect(await production(dir)).toEqual([[553]]);
    const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
    const rows = db.query("SELECT forced_by, reason, refusals FROM promote_overrides").all() as {
      forced_by: string;
      reason: string;
      refusals: string;
    }[];
    db.close();
    expect(rows.map((x) => [x.forced_by, x.reason])).toEqual([["bob", "repricing approved"]]);
    expect(JSON.parse(rows[0]!.refusals)).toEqual([
      { model: "out", gate: "compare", reason: expect.stringContaining("above the promote threshold of 0%") },
    ]);
  });

  test("a contract that failed in the branch's latest run holds the promote (test gate)", async () => {
    const dir = await setup("");
    await sql(dir, "INSERT INTO raw.events VALUES (NULL, 5)");
    expect(rocky(["run", "--branch", "fix"], { cwd: dir }).code).toBe(1);
    const r = rocky(["branch", "promote", "fix", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "branch 'fix' cannot be promoted: 1 model did not pass its tests on the branch",
    );
    expect(r.stderr).toContain("out: out.id [contract not_null] failed (1 failing row) in run-");
  });
});
