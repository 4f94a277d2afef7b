/** `--quiet` on compile and run (piped, -o table): the summary and the problems, no line per model. */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectOk, makeProject } from "../run/project.ts";

const MODELS = {
  "models/a.sql": "SELECT 1 AS id\n",
  "models/b.sql": "SELECT id FROM a\n",
  // Reads a table that is no model and no declared source: warning W020.
  "models/warns.sql": "SELECT id FROM a JOIN undeclared_lookup USING (id)\n",
};

describe("--quiet", () => {
  test("compile --quiet: warnings and the summary only", () => {
    const dir = makeProject(MODELS);
    const full = rocky(["compile", "-o", "table"], { cwd: dir });
    expectOk(full);
    expect(full.stdout).toContain("✓ a");
    const r = rocky(["compile", "-q", "-o", "table"], { cwd: dir });
    expectOk(r);
    expect(r.stdout).not.toContain("✓");
    expect(r.stdout).toMatch(/^models\/warns\.sql:1:23 W020 /);
    expect(r.stdout).toMatch(/Compiled: 3 models in 2 layers, 0 errors, 1 warning/);
  });

  test("run --quiet: the recap and the summary only; JSON is unchanged", () => {
    const dir = makeProject({
      "models/a.sql": "SELECT 1 AS id\n",
      "models/bad.sql": "SELECT CAST('x' || id AS INTEGER) AS v FROM a\n",
      "models/after_bad.sql": "SELECT v FROM bad\n",
    });
    const r = rocky(["run", "--quiet", "-o", "table"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stdout).not.toContain("✓");
    expect(r.stdout).toContain("Completed with 1 error and 1 skipped:");
    expect(r.stdout).toMatch(/✗ bad {2}models\/bad\.sql:1\n\s+Conversion Error/);
    expect(r.stdout).toMatch(/Run run-\S+ partial_failure: 1 succeeded, 1 failed, 1 skipped/);
    expect(r.stderr).toBe("");
    const j = rocky(["run", "--quiet", "-o", "json"], { cwd: dir });
    expectOk(j, 1);
    expect(j.json<{ models: unknown[] }>().models.length).toBe(3);
  });
});
