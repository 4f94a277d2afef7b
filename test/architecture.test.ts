/**
 * The layering ARCHITECTURE.md describes, enforced: built-in adapters reach rocky only
 * through src/adapter/sdk.ts (what a project plugin gets too); core never imports an
 * adapter except the loader, lazily; nothing outside src/cli imports the CLI layer.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO } from "./helpers/cli.ts";

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(REPO, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(rel));
    else if (e.name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

/** Static import/export specifiers of a file, and dynamic `import("...")` ones apart. */
function specifiers(file: string): { static: string[]; dynamic: string[] } {
  const text = readFileSync(join(REPO, file), "utf8");
  const stat = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]!);
  const dyn = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
  return { static: stat, dynamic: dyn };
}

const resolveFrom = (file: string, spec: string) => relative(REPO, join(REPO, file, "..", spec));

describe("layering", () => {
  test("built-in adapters import rocky only through src/adapter/sdk.ts", () => {
    const bad: string[] = [];
    for (const f of filesUnder("adapters")) {
      for (const s of [...specifiers(f).static, ...specifiers(f).dynamic]) {
        if (!s.startsWith(".")) continue;
        const target = resolveFrom(f, s);
        if (target.startsWith("src/") && target !== "src/adapter/sdk.ts") bad.push(`${f} imports ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("core imports adapters only from the loader, and only lazily", () => {
    const bad: string[] = [];
    for (const f of filesUnder("src")) {
      const { static: stat, dynamic } = specifiers(f);
      for (const s of stat)
        if (s.startsWith(".") && resolveFrom(f, s).startsWith("adapters/")) bad.push(`${f} imports ${s}`);
      if (f !== "src/adapter/loader.ts")
        for (const s of dynamic)
          if (s.startsWith(".") && resolveFrom(f, s).startsWith("adapters/")) bad.push(`${f} loads ${s}`);
    }
    expect(bad).toEqual([]);
  });

  test("only the CLI layer imports src/cli", () => {
    const bad: string[] = [];
    for (const f of filesUnder("src")) {
      if (f.startsWith("src/cli/")) continue;
      for (const s of [...specifiers(f).static, ...specifiers(f).dynamic])
        if (s.startsWith(".") && resolveFrom(f, s).startsWith("src/cli/")) bad.push(`${f} imports ${s}`);
    }
    expect(bad).toEqual([]);
  });
});
