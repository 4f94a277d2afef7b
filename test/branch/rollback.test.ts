/**
 * Undoing a promote: promote keeps each production table it replaces (zero-copy rename on
 * DuckDB, inside the promote's transaction), `branch rollback` restores them in one
 * transaction with content hashes identical to before the promote, drops what the
 * promote created, follows retention (`[branch] keep_promotions`) and refuses to undo a
 * promote a later one built on.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { catalog, duck, ok, productionFingerprint, stateRows, text, writeFiles } from "./helpers.ts";

async function project(toml = ""): Promise<{ dir: string; db: string; state: string }> {
  const dir = tempDir("rocky-rollback-");
  writeFiles(dir, {
    "rocky.toml": `[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n${toml}`,
    "models/orders.sql":
      "SELECT i AS id, CAST(i * 1.5 AS DECIMAL(10, 2)) AS amount FROM range(1, 101) t(i)\n",
    "models/daily.sql": "SELECT id % 7 AS d, SUM(amount) AS total FROM orders GROUP BY 1\n",
    "models/v_small.sql": "SELECT id FROM orders WHERE id < 10\n",
    "models/v_small.toml": '[strategy]\ntype = "view"\n',
  });
  ok(["run"], dir);
  ok(["branch", "create", "fix"], dir);
  return { dir, db: join(dir, "wh.duckdb"), state: join(dir, ".rocky-state.db") };
}

/** The branch changes orders and adds a model production does not have. */
function change(dir: string, factor: string): void {
  writeFiles(dir, {
    "models/orders.sql": `SELECT i AS id, CAST(i * ${factor} AS DECIMAL(10, 2)) AS amount FROM range(1, 101) t(i)\n`,
    "models/fresh.sql": "SELECT 1 AS one\n",
  });
}

interface Promote {
  run_id: string;
  backups: { model: string; table: string; backup: string; method: string }[];
  expired_backups: string[];
  lifecycle: { backup: string; promote: Record<string, boolean>; rollback: Record<string, boolean> };
}
interface Rollback {
  promote_run_id: string;
  run_id: string;
  status: string;
  atomic: boolean;
  targets: {
    model: string;
    table: string;
    action: string;
    backup: string | null;
    fingerprint_match: boolean | null;
  }[];
}

describe("branch rollback", () => {
  test("restores every replaced table exactly and drops what the promote created", async () => {
    const { dir, db, state } = await project();
    const before = await productionFingerprint(db);
    change(dir, "3");
    writeFiles(dir, { "models/v_small.sql": "SELECT id FROM orders WHERE id < 20\n" });
    ok(["run", "--branch", "fix"], dir);
    const p = ok(["branch", "promote", "fix"], dir).json<Promote>();
    expectSchemas("branch_promote", p);
    expect(p.lifecycle).toEqual({
      backup: "rename",
      promote: { atomic: true, zero_copy: false },
      rollback: { atomic: true, zero_copy: true },
    });
    const stamp = p.run_id.replace(/^run-/, "").replaceAll("-", "_");
    expect(p.backups).toEqual([
      {
        model: "orders",
        table: '"main"."orders"',
        backup: `"main"."orders__rocky_backup_${stamp}_1"`,
        method: "rename",
      },
      {
        model: "daily",
        table: '"main"."daily"',
        backup: `"main"."daily__rocky_backup_${stamp}_2"`,
        method: "rename",
      },
      // A replaced view is kept too, by renaming it (its definition goes with it).
      {
        model: "v_small",
        table: '"main"."v_small"',
        backup: `"main"."v_small__rocky_backup_${stamp}_3"`,
        method: "rename",
      },
    ]);
    const promoted = await productionFingerprint(db);
    expect(promoted["main.orders"]).not.toBe(before["main.orders"]);
    // The kept table is the old production table itself.
    expect(promoted[`main.orders__rocky_backup_${stamp}_1`]).toBe(before["main.orders"]);
    expect(text(["branch", "promote", "fix", "--model", "fresh"], dir).stdout).toContain(
      "on this adapter: promote atomic yes, zero-copy no; rollback atomic yes, zero-copy yes (backups by rename)",
    );

    // The --model fresh promote (it replaced the fresh table the first one created) is the
    // latest: undo it, then the first.
    const r1 = ok(["branch", "rollback"], dir).json<Rollback>();
    expect(r1.targets.map((t) => [t.model, t.action, t.fingerprint_match])).toEqual([
      ["fresh", "restored", true],
    ]);
    const r = ok(["branch", "rollback", p.run_id], dir);
    const rb = r.json<Rollback>();
    expectSchemas("branch_rollback", rb);
    expect(rb).toMatchObject({ promote_run_id: p.run_id, status: "success", atomic: true });
    expect(rb.targets.map((t) => [t.model, t.action, t.fingerprint_match])).toEqual([
      ["fresh", "dropped", null],
      ["orders", "restored", true],
      ["daily", "restored", true],
      ["v_small", "restored", null],
    ]);
    expect(await duck(db, "SELECT count(*) AS n FROM main.v_small")).toEqual([{ n: 9 }]);
    // Exactly the pre-promote production: same tables, same content hashes, no backups left.
    expect(await productionFingerprint(db)).toEqual(before);
    expect(stateRows(state, "SELECT DISTINCT status FROM promote_backups")).toEqual([{ status: "restored" }]);
    const run = stateRows(state, `SELECT scope, command, status FROM runs WHERE run_id = '${rb.run_id}'`);
    expect(run).toEqual([{ scope: `rollback:${p.run_id}`, command: "branch rollback", status: "success" }]);
    const models = stateRows(
      state,
      `SELECT model_name, status, fingerprint_hash IS NOT NULL AS fp FROM model_runs WHERE run_id = '${rb.run_id}' ORDER BY seq`,
    );
    expect(models).toEqual([
      { model_name: "fresh", status: "success", fp: 0 },
      { model_name: "orders", status: "success", fp: 1 },
      { model_name: "daily", status: "success", fp: 1 },
      { model_name: "v_small", status: "success", fp: 0 },
    ]);

    const again = rocky(["branch", "rollback", p.run_id, "-o", "json"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(expectJsonError(again, "error", "branch rollback").message).toBe(
      `promote ${p.run_id} was already rolled back`,
    );
    const none = rocky(["branch", "rollback", "latest", "-o", "json"], { cwd: dir });
    expect(expectJsonError(none, "not_found").message).toContain("no promote to roll back");
    const typo = rocky(["branch", "rollback", "run-nope", "-o", "json"], { cwd: dir });
    expect(expectJsonError(typo, "not_found").message).toBe("no promote run 'run-nope'");
  });

  test("a promote a later one replaced again is refused until the later one is rolled back", async () => {
    const { dir, db } = await project();
    const before = await productionFingerprint(db);
    change(dir, "3");
    ok(["run", "--branch", "fix", "--model", "orders"], dir);
    const p1 = ok(["branch", "promote", "fix"], dir).json<Promote>();
    const afterP1 = await duck(db, "SELECT sum(amount)::DOUBLE AS s FROM main.orders");
    change(dir, "5");
    ok(["run", "--branch", "fix", "--model", "orders"], dir);
    Bun.sleepSync(5); // distinct run ids
    const p2 = ok(["branch", "promote", "fix"], dir).json<Promote>();
    const refused = rocky(["branch", "rollback", p1.run_id, "-o", "json"], { cwd: dir });
    expect(refused.code).toBe(1);
    const err = expectJsonError(refused, "error");
    expect(err.message).toBe(`a later promote (${p2.run_id}) replaced main.orders again`);
    expect(err.hint).toBe(`roll back ${p2.run_id} first: 'rocky branch rollback ${p2.run_id}'`);
    ok(["branch", "rollback", "latest"], dir);
    expect(await duck(db, "SELECT sum(amount)::DOUBLE AS s FROM main.orders")).toEqual(afterP1);
    ok(["branch", "rollback", "latest"], dir);
    expect(await productionFingerprint(db)).toEqual(before);
  });

  test("retention: keep_promotions = 1 drops older backups; 0 keeps none", async () => {
    const { dir, db } = await project("\n[branch]\nkeep_promotions = 1\n");
    change(dir, "3");
    ok(["run", "--branch", "fix", "--model", "orders"], dir);
    const p1 = ok(["branch", "promote", "fix"], dir).json<Promote>();
    expect(p1.backups.length).toBe(1);
    Bun.sleepSync(5);
    const p2 = ok(["branch", "promote", "fix"], dir).json<Promote>();
    expect(p2.expired_backups).toEqual([p1.backups[0]!.backup]);
    expect((await catalog(db)).filter((t) => t.includes("__rocky_backup_"))).toEqual([
      `main.${p2.backups[0]!.backup.split(".")[1]!.replaceAll('"', "")} (table)`,
    ]);
    const gone = rocky(["branch", "rollback", p1.run_id, "-o", "json"], { cwd: dir });
    expect(expectJsonError(gone, "error").message).toBe(
      `promote ${p1.run_id} has no backups left to restore`,
    );

    writeFiles(dir, {
      "rocky.toml": '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n[branch]\nkeep_promotions = 0\n',
    });
    Bun.sleepSync(5);
    const p3 = ok(["branch", "promote", "fix"], dir).json<Promote>();
    expect(p3.backups).toEqual([]);
    expect((await catalog(db)).filter((t) => t.includes("__rocky_backup_"))).toEqual([]);
  });
});

describe("rollback and incremental models", () => {
  test("the production watermark returns to its pre-promote value; the next run equals a rebuild", async () => {
    const dir = tempDir("rocky-rollback-wm-");
    writeFiles(dir, {
      "rocky.toml":
        '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n\n[sources.raw.events]\ncolumns = ["id", "loaded_at"]\n',
      "models/events.sql": "SELECT id, loaded_at FROM raw.events\n",
      "models/events.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_at"\n',
    });
    const db = join(dir, "wh.duckdb");
    const state = join(dir, ".rocky-state.db");
    await duck(
      db,
      "CREATE SCHEMA raw; CREATE TABLE raw.events AS SELECT i AS id, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (i) HOUR AS loaded_at FROM range(1, 11) t(i)",
    );
    ok(["run"], dir);
    const wm = () =>
      stateRows(state, "SELECT table_key, last_value FROM watermarks WHERE table_key NOT LIKE '%branch%'");
    const before = wm();
    expect(before.length).toBe(1);
    ok(["branch", "create", "fix"], dir);
    // The branch shifts every timestamp by a day: its watermark is a day later.
    writeFiles(dir, {
      "models/events.sql": "SELECT id, loaded_at + INTERVAL 1 DAY AS loaded_at FROM raw.events\n",
    });
    ok(["run", "--branch", "fix"], dir);
    ok(["branch", "promote", "fix"], dir);
    expect(wm()).not.toEqual(before);
    ok(["branch", "rollback"], dir);
    expect(wm()).toEqual(before);

    // Back on the production SQL, new rows load incrementally onto the restored table.
    writeFiles(dir, { "models/events.sql": "SELECT id, loaded_at FROM raw.events\n" });
    await duck(
      db,
      "INSERT INTO raw.events SELECT 100 + i, TIMESTAMP '2026-01-03 00:00:00' + INTERVAL (i) HOUR FROM range(3) t(i)",
    );
    ok(["run"], dir);
    expect(await duck(db, "SELECT count(*) AS n, count(DISTINCT id) AS d FROM main.events")).toEqual([
      { n: 13, d: 13 },
    ]);
  });
});
