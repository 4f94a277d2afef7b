import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";

function project(sql: string): string {
  const dir = join(tempDir(), "p");
  expect(rocky(["init", dir]).code).toBe(0);
  writeFileSync(join(dir, "models", "example.sql"), sql);
  return dir;
}

test("--target-dialect warns, with position and hint, about SQL that does not port", () => {
  const dir = project("SELECT 1::INTEGER AS id,\n  'a' ILIKE 'A' AS m");
  const r = rocky(["compile", "--target-dialect", "bigquery,snowflake", "-o", "json"], { cwd: dir });
  expect(r.code).toBe(0);
  const j = r.json<{
    diagnostics: { code: string; severity: string; span: unknown; suggestion: string }[];
  }>();
  expectSchemas("compile", j, "compile");
  const p = j.diagnostics.filter((d) => d.code.startsWith("P"));
  expect(p.map((d) => [d.code, d.severity, d.span])).toEqual([
    ["P001", "Warning", { file: join("models", "example.sql"), line: 1, col: 9 }],
    ["P002", "Warning", { file: join("models", "example.sql"), line: 2, col: 7 }],
  ]);
  expect(p[0]!.suggestion).toBe("use CAST(x AS type)");
  // Without the flag the same project compiles clean.
  const plain = rocky(["compile", "-o", "json"], { cwd: dir }).json<{ diagnostics: unknown[] }>();
  expect(plain.diagnostics).toEqual([]);
});

test("an unknown --target-dialect is a usage error", () => {
  const dir = project("SELECT 1 AS id");
  const r = rocky(["compile", "--target-dialect", "oracle"], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown --target-dialect 'oracle'");
});
