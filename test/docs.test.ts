/** docs/configuration.md is generated from the valibot schemas (scripts/docs.ts) and must be current. */
import { TEST_TYPES } from "../src/testing/definitions.ts";
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { OUTPUT, renderConfigurationDoc, SCHEMAS, TEMPLATE } from "../scripts/docs.ts";
import { BUILTIN_TYPES, BUILTINS } from "../src/adapter/loader.ts";
import { STRATEGY_TYPES } from "../src/config/explain.ts";

describe("docs/configuration.md", () => {
  test("is what 'npm run docs' generates (not stale)", () => {
    const committed = readFileSync(OUTPUT, "utf8");
    if (committed !== renderConfigurationDoc())
      throw new Error("docs/configuration.md is stale: run 'npm run docs' and commit it");
  });

  test("documents every built-in adapter with the schema rocky validates it with, and every strategy", async () => {
    const template = readFileSync(TEMPLATE, "utf8");
    for (const type of BUILTIN_TYPES) {
      expect(template).toContain(`<!-- keys: ${type} -->`);
      expect(SCHEMAS[type]?.schema).toBe(await BUILTINS[type].config());
    }
    for (const t of STRATEGY_TYPES) expect(template).toContain(`<!-- keys: strategy ${t} -->`);
    for (const name of [
      "rocky.toml",
      "project",
      "state",
      "adapter",
      "source",
      "sidecar",
      "defaults",
      "target",
      "branch",
    ])
      expect(template).toContain(`<!-- keys: ${name} -->`);
    for (const t of TEST_TYPES) expect(template).toContain(`<!-- keys: test ${t} -->`);
  });

  test("no marker is left unexpanded", () => {
    expect(renderConfigurationDoc()).not.toMatch(/<!-- (keys|strategy)/);
  });
});
