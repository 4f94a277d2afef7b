/**
 * Branch expiry and the janitor: `--ttl` / `[branch] ttl`, `branch list` showing age,
 * expiry, objects and last run, and `branch gc` — dry run, best effort per branch (one
 * failing branch is reported, the others are cleaned), never an object it did not
 * record, never production, every action in the state.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { catalog, duck, ok, productionFingerprint, stateRows, text, writeFiles } from "./helpers.ts";

async function project(toml = ""): Promise<{ dir: string; db: string; state: string }> {
  const dir = tempDir("rocky-gc-");
  writeFiles(dir, {
    "rocky.toml": `[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n${toml}`,
    "models/orders.sql": "SELECT i AS id, i * 2 AS amount FROM range(1, 6) t(i)\n",
  });
  ok(["run"], dir);
  return { dir, db: join(dir, "wh.duckdb"), state: join(dir, ".rocky-state.db") };
}

interface ListEntry {
  name: string;
  expires_at: string | null;
  expired: boolean;
  objects: number;
  last_run: string | null;
  age_seconds: number;
}
interface Gc {
  gc_id: string;
  dry_run: boolean;
  collected: number;
  failed: number;
  branches: {
    name: string;
    reason: string;
    status: string;
    dropped: { kind: string; object: string }[];
    failed: { object: string | null; error: string }[];
    left: { kind: string; object: string }[];
  }[];
}

describe("branch expiry", () => {
  test("--ttl and [branch] ttl set the expiry; list shows age, expiry, objects, last run", async () => {
    const { dir } = await project('\n[branch]\nttl = "7d"\n');
    const before = Date.now();
    const a = ok(["branch", "create", "a"], dir).json<{ branch: { expires_at: string } }>();
    expectSchemas("branch", a, "branch");
    const ttl = Date.parse(a.branch.expires_at) - before;
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000 + 1000);
    ok(["branch", "create", "b", "--ttl", "12h"], dir);
    ok(["run", "--branch", "a"], dir);

    const list = ok(["branch", "list"], dir).json<{ branches: ListEntry[] }>();
    expectSchemas("branch_list", list, "branch_list");
    expect(list.branches.map((b) => [b.name, b.expired, b.objects, b.last_run !== null])).toEqual([
      ["a", false, 2, true],
      ["b", false, 0, false],
    ]);
    const t = text(["branch", "list"], dir).stdout;
    expect(t).toMatch(/ {4}age \d+s, expires in 6d 23h, 2 objects, last run 20\d\d-/);
    expect(t).toMatch(/ {4}age \d+s, expires in 11h 59m, 0 objects, last run never/);
    expect(text(["branch", "show", "b"], dir).stdout).toMatch(/expires_at: 20\d\d-.*\+00:00/);

    const bad = rocky(["branch", "create", "c", "--ttl", "soon", "-o", "json"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(expectJsonError(bad, "usage", "branch create").message).toBe(
      "--ttl expects a number and a unit: s, m, h, d or w (e.g. 7d, 12h), got 'soon'",
    );
    writeFiles(dir, {
      "rocky.toml": '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n[branch]\nttl = "forever"\n',
    });
    const cfg = rocky(["branch", "create", "c", "-o", "json"], { cwd: dir });
    expect(expectJsonError(cfg, "config_invalid").message).toContain("ttl must be a number and a unit");
  });
});

describe("branch gc", () => {
  test("dry run, then best effort: a branch holding a foreign table fails, the others are collected", async () => {
    const { dir, db, state } = await project();
    for (const b of ["a", "b"]) {
      ok(["branch", "create", b, "--ttl", "1s"], dir);
      ok(["run", "--branch", b], dir);
    }
    ok(["branch", "create", "keep"], dir);
    ok(["run", "--branch", "keep"], dir);
    ok(["branch", "create", "later", "--ttl", "30d"], dir);
    // Something rocky did not create, inside b's schema: it must survive, and b with it.
    await duck(db, 'CREATE TABLE "branch__b__main".intruder AS SELECT 42 AS x');
    const prod = await productionFingerprint(db);
    Bun.sleepSync(1100);

    expect(
      ok(["branch", "list"], dir)
        .json<{ branches: ListEntry[] }>()
        .branches.map((b) => b.expired),
    ).toEqual([true, true, false, false]);
    expect(text(["branch", "list"], dir).stdout).toMatch(/EXPIRED \d+s ago \(rocky branch gc\)/);

    const before = await catalog(db);
    const dry = ok(["branch", "gc", "--dry-run"], dir).json<Gc>();
    expectSchemas("branch_gc", dry);
    expect(dry.dry_run).toBe(true);
    expect(dry.branches.map((b) => [b.name, b.status, b.left.map((o) => o.object)])).toEqual([
      ["a", "would_collect", ["branch__a__main.orders", "branch__a__main"]],
      ["b", "would_collect", ["branch__b__main.orders", "branch__b__main"]],
    ]);
    expect(text(["branch", "gc", "--dry-run"], dir).stdout).toContain(
      "dry run: would collect 2 branches (nothing changed)",
    );
    expect(await catalog(db)).toEqual(before);
    expect(stateRows(state, "SELECT count(*) AS n FROM branch_gc_log")).toEqual([{ n: 0 }]);

    const r = ok(["branch", "gc"], dir, 1);
    const gc = r.json<Gc>();
    expectSchemas("branch_gc", gc);
    expect(gc).toMatchObject({ collected: 1, failed: 1 });
    expect(gc.branches[0]).toMatchObject({ name: "a", reason: "expired", status: "collected", left: [] });
    expect(gc.branches[1]).toMatchObject({
      name: "b",
      status: "failed",
      dropped: [{ kind: "table", object: "branch__b__main.orders" }],
      failed: [
        {
          object: "branch__b__main",
          error: "schema still holds 'intruder', which the branch did not record",
        },
      ],
      left: [{ kind: "schema", object: "branch__b__main" }],
    });
    // The warehouse: a gone, b's own table gone but its schema and the foreign table kept,
    // the unexpired branches and production untouched.
    expect(await catalog(db)).toEqual([
      "branch__b__main.intruder (table)",
      "branch__keep__main.orders (table)",
      "main.orders (table)",
    ]);
    expect(await productionFingerprint(db)).toEqual(prod);
    expect(
      ok(["branch", "list"], dir)
        .json<{ branches: ListEntry[] }>()
        .branches.map((b) => b.name),
    ).toEqual(["b", "keep", "later"]);
    expect(
      stateRows(state, "SELECT gc_id, branch, action, kind, object, error FROM branch_gc_log ORDER BY rowid"),
    ).toEqual([
      {
        gc_id: gc.gc_id,
        branch: "a",
        action: "dropped",
        kind: "table",
        object: "branch__a__main.orders",
        error: null,
      },
      {
        gc_id: gc.gc_id,
        branch: "a",
        action: "dropped",
        kind: "schema",
        object: "branch__a__main",
        error: null,
      },
      { gc_id: gc.gc_id, branch: "a", action: "removed", kind: null, object: null, error: null },
      {
        gc_id: gc.gc_id,
        branch: "b",
        action: "dropped",
        kind: "table",
        object: "branch__b__main.orders",
        error: null,
      },
      {
        gc_id: gc.gc_id,
        branch: "b",
        action: "failed",
        kind: "schema",
        object: "branch__b__main",
        error: "schema still holds 'intruder', which the branch did not record",
      },
    ]);
    const t = text(["branch", "gc"], dir);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain("FAILED 'b'");
    expect(t.stdout).toContain("0 collected, 1 failed: fix the cause and re-run 'rocky branch gc'");

    // --older-than also takes branches that have not expired; once the cause is fixed, b goes too.
    await duck(db, 'DROP TABLE "branch__b__main".intruder');
    const all = ok(["branch", "gc", "--older-than", "1s"], dir).json<Gc>();
    expect(all.branches.map((b) => [b.name, b.reason, b.status])).toEqual([
      ["b", "expired", "collected"],
      ["keep", "older_than", "collected"],
      ["later", "older_than", "collected"],
    ]);
    expect(await catalog(db)).toEqual(["main.orders (table)"]);
    expect(await productionFingerprint(db)).toEqual(prod);
    expect(text(["branch", "gc"], dir).stdout).toBe("nothing to collect: no branch has expired\n");
    const bad = rocky(["branch", "gc", "--older-than", "ages", "-o", "json"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(expectJsonError(bad, "usage", "branch gc").message).toBe(
      "--older-than expects a number and a unit: s, m, h, d or w (e.g. 7d, 12h), got 'ages'",
    );
  });

  test("an object recorded outside the branch's schemas is refused, and nothing of that branch dropped", async () => {
    const { dir, db, state } = await project();
    ok(["branch", "create", "x", "--ttl", "1s"], dir);
    ok(["run", "--branch", "x"], dir);
    // A corrupted or hand-edited record naming the production table.
    const { Database } = await import("bun:sqlite");
    const w = new Database(state);
    w.run(
      "INSERT INTO branch_objects (branch, kind, catalog, schema, name, created_at) VALUES ('x', 'table', NULL, 'main', 'orders', '2026-01-01T00:00:00.000Z')",
    );
    w.close();
    Bun.sleepSync(1100);
    const gc = ok(["branch", "gc"], dir, 1).json<Gc>();
    expect(gc.branches[0]!.status).toBe("failed");
    expect(gc.branches[0]!.failed).toEqual([
      {
        object: "main.orders",
        error: "recorded outside the branch's schemas: refused, nothing of this branch was dropped",
      },
    ]);
    expect(await catalog(db)).toEqual(["branch__x__main.orders (table)", "main.orders (table)"]);
  });
});
