/** `rocky doctor` as a user runs it: one line per check, JSON to its schema, exit 1 on a failed check. */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

interface DoctorJson {
  success: boolean;
  checks: { name: string; status: string; message: string; hint?: string }[];
}
const byName = (out: DoctorJson) => Object.fromEntries(out.checks.map((c) => [c.name, c]));

describe("rocky doctor", () => {
  test("a healthy project: every check ok, before and after the first run", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n" });
    const before = rocky(["doctor", "-o", "json"], { cwd: dir });
    expect(before.code).toBe(0);
    const b = before.json<DoctorJson>();
    expectOurSchema("doctor", b);
    expect(b.success).toBe(true);
    expect(b.checks.map((c) => c.name)).toEqual([
      "version",
      "config",
      "state",
      "paths",
      "cache",
      "adapter.default",
    ]);
    expect(byName(b).state!.message).toContain("does not exist yet");
    expect(byName(b)["adapter.default"]!.message).toMatch(/connected in \d+ ms/);

    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const after = rocky(["doctor", "-o", "table"], { cwd: dir });
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^ {2}ok {4}state {12}.*\.rocky-state\.db \(\d+ bytes, integrity ok\)$/m);
    expect(after.stdout).toMatch(/^ {2}ok {4}adapter\.default {2}adapter default \(duckdb\): connected in/m);
    expect(after.stdout.trimEnd().endsWith("all checks passed")).toBe(true);
  });

  test("the compile cache: absent, healthy, damaged, another version's", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n", "models/b.sql": "SELECT id FROM a\n" });
    const cache = join(dir, ".rocky-cache", "compile.cache");
    const check = () => {
      const r = rocky(["doctor", "--no-connect", "-o", "json"], { cwd: dir });
      expect(r.code).toBe(0);
      expectOurSchema("doctor", r.json());
      return byName(r.json<DoctorJson>()).cache!;
    };
    expect(check()).toMatchObject({
      status: "ok",
      message: `${cache} does not exist yet (written by the first compile)`,
    });

    expectOk(rocky(["compile", "-o", "json"], { cwd: dir }));
    expect(check()).toMatchObject({
      status: "ok",
      message: expect.stringMatching(/compile\.cache \(2 models, \d+ bytes\)$/),
    });

    const [stamp, first, second] = readFileSync(cache, "utf8").split("\n");
    // A superseded line (the same model twice) is fine; a damaged one is a warning with the fix.
    writeFileSync(cache, `${stamp}\n${first}\n${first}\n${second!.slice(0, 64)}\t{not json\n`);
    const damaged = check();
    expect(damaged.status).toBe("warn");
    expect(damaged.message).toMatch(/\(1 model, \d+ bytes\): 1 damaged line; those models are re-parsed$/);
    expect(damaged.hint).toBe(`'rocky compile' rebuilds it; or delete ${cache}`);
    const text = rocky(["doctor", "--no-connect", "-o", "table"], { cwd: dir });
    expect(text.stdout).toMatch(/^ {2}warn {2}cache {12}.*1 damaged line/m);
    expect(text.stdout).toContain("all checks passed, 1 warning(s)");

    writeFileSync(cache, `2:0.0.1:old\n${first}\n`);
    expect(check()).toMatchObject({
      status: "warn",
      message: expect.stringContaining("written by another rocky version"),
    });

    // compile rewrites it, as the hint says.
    expectOk(rocky(["compile", "-o", "json"], { cwd: dir }));
    expect(check().status).toBe("ok");
  });

  test("a state file that is not SQLite fails with the reason and a hint; exit 1", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n" });
    writeFileSync(join(dir, "bad.db"), "x".repeat(200));
    const r = rocky(["doctor", "--no-connect", "--state-path", "bad.db", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}fail {2}state {12}state file .*bad\.db is not a rocky state file/m);
    expect(r.stdout).toContain("hint: point --state-path");
    expect(r.stdout).toContain("credentials present (not connected)");
    expect(r.stdout).toContain("1 check(s) failed");
    const j = rocky(["doctor", "--no-connect", "--state-path", "bad.db", "-o", "json"], { cwd: dir });
    expect(j.code).toBe(1);
    const out = j.json<DoctorJson>();
    expectOurSchema("doctor", out);
    expect(out.success).toBe(false);
  });

  test("an unset adapter variable is named (no value printed); an unreachable warehouse fails", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "rocky.toml"),
      `[project]\nname = "t"\n\n[adapter.main]\ntype = "duckdb"\npath = "\${ROCKY_DOCTOR_DIR}/w.duckdb"\n\n[adapter.gone]\ntype = "duckdb"\npath = "/nonexistent-rocky-dir/w.duckdb"\n`,
    );
    const r = rocky(["doctor", "-o", "json"], { cwd: dir, env: { ROCKY_DOCTOR_DIR: undefined } });
    expect(r.code).toBe(1);
    const out = r.json<DoctorJson>();
    expectOurSchema("doctor", out);
    const c = byName(out);
    expect(c["adapter.main"]).toMatchObject({
      status: "fail",
      message: "adapter main (duckdb): unset variable ROCKY_DOCTOR_DIR",
    });
    expect(c["adapter.gone"]!.status).toBe("fail");
    expect(c["adapter.gone"]!.message).toStartWith("adapter gone (duckdb): ");
    expect(c.config!.status).toBe("ok");
  });

  test("a broken rocky.toml fails the config check with its did-you-mean; later checks are not run", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "rocky.toml"), `[project]\nname = "t"\n\n[adapter]\ntyp = "duckdb"\n`);
    const r = rocky(["doctor", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = r.json<DoctorJson>();
    expectOurSchema("doctor", out);
    expect(out.checks.map((c) => c.name)).toEqual(["version", "config"]);
    expect(out.checks[1]!.status).toBe("fail");
    expect(out.checks[1]!.message).toContain("did you mean 'type'");
  });
});
