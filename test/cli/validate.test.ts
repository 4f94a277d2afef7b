import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";

interface Report {
  valid: boolean;
  messages: { severity: string; code: string; message: string }[];
  models: { found: boolean; count: number; dag_valid: boolean };
}

function playground(): string {
  const dir = join(tempDir(), "demo");
  expect(rocky(["playground", dir]).code).toBe(0);
  return dir;
}

describe("rocky validate", () => {
  test("the playground is valid; JSON matches ours and Rocky's schema", () => {
    const dir = playground();
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<Report>();
    expectSchemas("validate", j, "validate");
    expect(j.valid).toBe(true);
    expect(j.models).toEqual({ found: true, count: 7, dag_valid: true });
    expect(j.messages.map((m) => m.code)).toEqual(["V001", "V010", "V030", "V031"]);
    expect(rocky(["validate", "-o", "table"], { cwd: dir }).stdout).toContain("Validation complete.");
  });

  test("an unknown adapter type is V017 and exit 1", () => {
    const dir = playground();
    const toml = join(dir, "rocky.toml");
    writeFileSync(toml, readFileSync(toml, "utf8").replace('type = "duckdb"', 'type = "duckdbx"'));
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const j = r.json<Report>();
    expect(j.valid).toBe(false);
    const v017 = j.messages.find((m) => m.code === "V017");
    expect(v017?.severity).toBe("error");
    expect(v017?.message).toContain("unknown type 'duckdbx'");
  });

  test("a config error is reported as V001, not a crash", () => {
    const dir = playground();
    writeFileSync(join(dir, "rocky.toml"), "[adapter\n");
    const r = rocky(["validate", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const j = r.json<Report>();
    expect(j.messages[0]).toMatchObject({ severity: "error", code: "V001" });
    expect(j.messages[0]!.message).toContain("invalid TOML syntax");
  });
});
