/** Issue 18, small items: `rocky help <command>`, what a `--clone` branch holds, the Node version for building. */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

describe("rocky help <command>", () => {
  test("rocky help run prints run's help, the same as rocky run --help", () => {
    const r = rocky(["help", "run"]);
    expectOk(r);
    expect(r.stdout).toContain("Execute the project's models on the warehouse");
    expect(r.stdout).toContain("--full-refresh");
    expect(r.stdout).toBe(rocky(["run", "--help"]).stdout);
    expect(rocky(["help", "branch", "create"]).stdout).toBe(rocky(["branch", "create", "--help"]).stdout);
  });
});

describe("a --clone branch says its tables are views over production", () => {
  test("create and run name them views over production until a run rebuilds them", () => {
    const dir = makeProject({
      "models/a.sql": "SELECT 1 AS id\n",
      "models/b.sql": "SELECT id FROM a\n",
    });
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const env = { USER: "tester" };
    const created = rocky(["branch", "create", "feat", "--clone", "-o", "table"], { cwd: dir, env });
    expectOk(created);
    expect(created.stdout).toContain(
      "2 views over production (zero-copy: they read production's current data, not an isolated copy); 'rocky run --branch feat' replaces each with a branch table as it rebuilds the model:",
    );
    writeFileSync(join(dir, "models", "b.sql"), "SELECT id, 2 AS two FROM a\n");
    const text = rocky(["run", "--branch", "feat", "--model", "b", "-o", "table"], { cwd: dir, env });
    expectOk(text);
    expect(text.stdout).toContain(`reads a from the branch's view over production "branch__feat__main"."a"`);
    expect(text.stdout).not.toContain("isolated copy");
    const json = rocky(["run", "--branch", "feat", "--model", "b", "-o", "json"], { cwd: dir, env });
    const j = json.json<{ models: { reads: unknown[] }[] }>();
    expectSchemas("run", j, "run");
    expect(j.models[0]!.reads).toEqual([
      { model: "a", table: `"branch__feat__main"."a"`, from: "isolated", clone: "view" },
    ]);
    // Once a branch run rebuilds a, reads of it are the branch's own table.
    expectOk(rocky(["run", "--branch", "feat", "--model", "a", "-o", "json"], { cwd: dir, env }));
    const after = rocky(["run", "--branch", "feat", "--model", "b", "-o", "table"], { cwd: dir, env });
    expect(after.stdout).toContain(`reads a from isolated copy "branch__feat__main"."a"`);
  });
});

describe("README", () => {
  test("states the Node version needed to build from source", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    expect(readme).toMatch(/Node(\.js)? (>= ?|version )?22/);
  });
});
