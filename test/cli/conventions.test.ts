import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commands } from "../../src/cli/commands/index.ts";
import pkg from "../../package.json" with { type: "json" };
import { REPO, rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";

describe("global CLI conventions", () => {
  test("--version prints the package version", () => {
    const r = rocky(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^rocky ${pkg.version.replace(/\./g, "\\.")} \\(\\S+\\)\\n$`));
  });

  test("--help lists every command with an example", () => {
    const r = rocky(["--help"]);
    expect(r.code).toBe(0);
    for (const name of Object.keys(commands)) expect(r.stdout).toContain(`  ${name} `);
    expect(r.stdout).toContain("Example:");
  });

  test("every command's help has an example whose flags the command has", () => {
    const names = [
      ...Object.keys(commands).filter((n) => n !== "branch"),
      ...["create", "list", "show", "delete", "compare", "promote"].map((s) => `branch ${s}`),
    ];
    const problems: string[] = [];
    for (const name of names) {
      const r = rocky([...name.split(" "), "--help"]);
      expect(r.code).toBe(0);
      // Piped help is plain text: no colour escapes for a file or a pager.
      expect(r.stdout).not.toContain("\u001b[");
      const examples = r.stdout
        .split("\n")
        .filter((l) => l.trim().startsWith(`rocky ${name}`))
        .map((l) => l.trim());
      if (examples.length === 0) problems.push(`${name}: no example 'rocky ${name} …'`);
      // The program name in USAGE, the global options, no stray `(name)` tags, 100 columns.
      if (!new RegExp(`^USAGE\\n  rocky ${name}( |$)`, "m").test(r.stdout))
        problems.push(`${name}: no 'rocky ${name}' USAGE`);
      if (!r.stdout.includes("GLOBAL OPTIONS\n  -c, --config PATH"))
        problems.push(`${name}: no global options`);
      if (r.stdout.includes(`(${name})`)) problems.push(`${name}: a stray '(${name})' tag`);
      for (const line of r.stdout.split("\n"))
        if (line.length > 100) problems.push(`${name}: a line wider than 100 columns: ${line}`);
      // Option tables are left-aligned: every option line starts at column 3.
      for (const line of r.stdout
        .split("\n")
        .filter((l) => /^\s+--?[a-z][a-z-]*(, --?[a-z-]+)*( [A-Z_]+)? {2}/.test(l)))
        if (!line.startsWith("  -")) problems.push(`${name}: option line not left-aligned: ${line}`);
      const known = new Set(["--help", "-o", "--output", "-c", "--config", "--state-path", "--verbose"]);
      for (const m of r.stdout.matchAll(/(^|\s)(--[a-z][a-z-]*|-[a-z])\b/g)) known.add(m[2]!);
      for (const ex of examples) {
        // Only this command's part: an example may chain others with &&.
        const own = ex.split("&&")[0]!;
        for (const m of own.matchAll(/\s(--[a-z][a-z-]*)/g))
          if (!known.has(m[1]!))
            problems.push(`${name}: example '${own.trim()}' uses ${m[1]}, which is not in its help`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("a command with sub-commands lists them one line each, without their examples", () => {
    const r = rocky(["branch", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("USAGE\n  rocky branch <COMMAND> [OPTIONS]\n");
    expect(r.stdout).toMatch(/COMMANDS\n {2}create +Create a named branch\.\n {2}list +List branches/);
    expect(r.stdout.match(/^EXAMPLES?$/gm)).toEqual(["EXAMPLE"]);
    expect(r.stdout).not.toContain("--drop");
    expect(r.stdout).not.toContain("Example:");
  });

  test("'rocky help CMD' is 'rocky CMD --help'", () => {
    expect(rocky(["help", "branch", "create"]).stdout).toBe(rocky(["branch", "create", "--help"]).stdout);
    expect(rocky(["help", "run"]).stdout).toContain("USAGE\n  rocky run [OPTIONS]");
  });

  test("an unknown command is a usage error with a suggestion", () => {
    const r = rocky(["compil"]);
    expect(r.code).toBe(2);
    // Piped stdout is JSON mode: the error object is there too.
    expectJsonError(r, "usage", "compil");
    expect(r.stderr).toBe("Error: unknown command 'compil'\nhint: did you mean 'compile'?\n");
  });

  test("an unknown flag is a usage error (exit 2), not silently ignored", () => {
    const r = rocky(["init", "--tempalte", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Error: unknown option '--tempalte' for 'rocky init'");
  });

  test("a bad -o value is a usage error", () => {
    const r = rocky(["-o", "yaml", "validate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid value 'yaml' for --output");
  });

  test("global options work before or after the command; json is the default off a terminal", () => {
    const dir = tempDir();
    const before = rocky(["-o", "json", "init", join(dir, "a")]);
    const after = rocky(["init", join(dir, "b"), "--output", "json"]);
    const implicit = rocky(["init", join(dir, "c")]);
    for (const r of [before, after, implicit]) {
      expect(r.code).toBe(0);
      const j = r.json<{ version: string; command: string }>();
      expect(Object.keys(j).slice(0, 2)).toEqual(["version", "command"]);
      expect(j.command).toBe("init");
    }
    const table = rocky(["init", join(dir, "d"), "-o", "table"]);
    expect(table.stdout).toStartWith("Created a rocky project in");
  });

  test("errors carry no stack trace unless ROCKY_DEBUG=1", () => {
    const dir = tempDir();
    const r = rocky(["validate"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith("Error: no rocky.toml found");
    expect(r.stderr).toContain("hint: run 'rocky init'");
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("init and playground", () => {
  test("init writes a project that validates, and refuses to overwrite", () => {
    const dir = join(tempDir(), "shop");
    const r = rocky(["init", dir, "-o", "json"]);
    expect(r.code).toBe(0);
    expectSchemas("init", r.json());
    expect(existsSync(join(dir, "rocky.toml"))).toBe(true);
    expect(existsSync(join(dir, "models", "example.sql"))).toBe(true);
    const again = rocky(["init", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("rocky.toml already exists");
    expect(readFileSync(join(dir, "rocky.toml"), "utf8")).toContain('name = "shop"');
  });

  test("playground creates a DuckDB project and refuses a non-empty folder", () => {
    const dir = join(tempDir(), "demo");
    const r = rocky(["playground", dir, "-o", "json"]);
    expect(r.code).toBe(0);
    const j = r.json<{ files: string[] }>();
    expectSchemas("playground", j);
    expect(j.files.filter((f) => f.endsWith(".sql")).length).toBe(7);
    expect(readFileSync(join(dir, "rocky.toml"), "utf8")).toContain('type = "duckdb"');
    const again = rocky(["playground", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists and is not empty");
  });
});

describe("export-schemas", () => {
  test("writes the same files as the committed schemas/ folder", () => {
    const dir = tempDir();
    const r = rocky(["export-schemas", dir, "-o", "json"]);
    expect(r.code).toBe(0);
    const j = r.json<{ files: string[] }>();
    expectSchemas("export_schemas", j);
    const committed = readdirSync(join(REPO, "schemas")).filter((f) => f.endsWith(".schema.json"));
    expect([...j.files].sort()).toEqual(committed.sort());
    for (const f of j.files) {
      expect(readFileSync(join(dir, f), "utf8")).toBe(readFileSync(join(REPO, "schemas", f), "utf8"));
    }
  });
});
