/**
 * The branch core flows called directly (the CLI only parses flags and renders them), on a
 * real SQLite state; and the rule that keeps the work out of the CLI module.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createNamed } from "../../src/branch/create-flow.ts";
import { deleteNamed } from "../../src/branch/delete-flow.ts";
import { listEntries, showBranch } from "../../src/branch/list-flow.ts";
import { RockyError } from "../../src/errors.ts";
import { REPO, tempDir } from "../helpers/cli.ts";

const HOUR = 3_600_000;

describe("branch flows on a state file alone", () => {
  const statePath = join(tempDir("rocky-branch-flows-"), "state.sqlite");

  test("create, then list: age, expiry and object counts as seen later", async () => {
    await createNamed({ statePath }, { name: "keep", createdBy: "tester", clone: false });
    await createNamed({ statePath }, { name: "short", createdBy: "tester", ttlMs: HOUR, clone: false });
    const { entries, total, leftovers } = await listEntries(statePath, Date.now() + 2 * HOUR);
    expect(total).toBe(2);
    expect(leftovers).toEqual([]);
    expect(entries.map((e) => [e.name, e.expired, e.objects, e.last_run])).toEqual([
      ["keep", false, 0, null],
      ["short", true, 0, null],
    ]);
    for (const e of entries) expect(e.age_seconds).toBeGreaterThanOrEqual(2 * 3600 - 1);
  });

  test("show and delete of an unknown name: not_found with a did-you-mean", async () => {
    const shown = await showBranch(statePath, "kep").catch((e: unknown) => e);
    expect(shown).toBeInstanceOf(RockyError);
    expect((shown as RockyError).message).toBe("no branch named 'kep'");
    expect((shown as RockyError).code).toBe("not_found");
    expect((shown as RockyError).hint).toContain("keep");
    const deleted = await deleteNamed({ statePath }, "nope-at-all", false).catch((e: unknown) => e);
    expect((deleted as RockyError).hint).toBe("existing branches: keep, short");
  });

  test("delete without --drop forgets the record; list no longer shows it", async () => {
    const r = await deleteNamed({ statePath }, "short", false);
    expect(r.removed).toBe(true);
    expect((await listEntries(statePath)).entries.map((e) => e.name)).toEqual(["keep"]);
  });
});

test("the branch CLI module reaches state, warehouse and compiler only through src/branch", () => {
  const text = readFileSync(join(REPO, "src/cli/commands/branch.ts"), "utf8");
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*)"(\.\.\/\.\.\/[^"]+)"/g)].map((m) => m[1]!);
  expect(specs.length).toBeGreaterThan(0);
  const bad = specs.filter((s) => /^\.\.\/\.\.\/(state|run|compile|project|adapter|sql)\//.test(s));
  expect(bad).toEqual([]);
});
