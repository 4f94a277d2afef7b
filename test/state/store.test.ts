/** The state store file: creation, migrations, refusing foreign/newer files, WAL readers. */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "../../src/state/migrations.ts";
import { insertRun, listRuns } from "../../src/state/runs.ts";
import { openState } from "../../src/state/store.ts";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

const newRun = {
  trigger: "manual" as const,
  startedAt: new Date(),
  configHash: "h",
  scope: "production",
  rockyVersion: "t",
  adapterType: "duckdb",
};

describe("state store", () => {
  test("a writer creates the file in WAL mode, stamped with rocky's id and the schema version", () => {
    const path = join(tempDir(), "sub", "state.db");
    const s = openState(path, { write: true });
    s.close();
    const db = new Database(path, { readonly: true });
    expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    expect(db.query("PRAGMA application_id").get()).toEqual({ application_id: APPLICATION_ID });
    const names = (
      db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    expect(names).toEqual([
      "branch_gc_log",
      "branch_objects",
      "branches",
      "locks",
      "model_runs",
      "promote_backups",
      "promote_overrides",
      "run_inputs",
      "runs",
      "sql_texts",
      "test_results",
      "watermarks",
    ]);
    db.close();
  });

  test("a reader of a missing file sees an empty store and creates nothing", () => {
    const path = join(tempDir(), "none.db");
    const s = openState(path);
    expect(listRuns(s)).toEqual([]);
    s.close();
    expect(existsSync(path)).toBe(false);
  });

  test("a file that is not SQLite is refused and left untouched", () => {
    const path = join(tempDir(), "notes.db");
    writeFileSync(path, "my precious notes, not a database\n");
    expect(() => openState(path, { write: true })).toThrow(/not a rocky state file/);
    expect(readFileSync(path, "utf8")).toBe("my precious notes, not a database\n");
  });

  test("another program's SQLite database is refused and left untouched", () => {
    const path = join(tempDir(), "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE customers(id INTEGER); INSERT INTO customers VALUES (1)");
    db.close();
    const before = readFileSync(path);
    expect(() => openState(path, { write: true })).toThrow(/foreign file/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  test("a file from a newer rocky is refused with both versions named", () => {
    const path = join(tempDir(), "new.db");
    openState(path, { write: true }).close();
    const db = new Database(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openState(path)).toThrow(new RegExp(`v${SCHEMA_VERSION + 1}.*up to v${SCHEMA_VERSION}`));
    const check = new Database(path, { readonly: true });
    expect(check.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION + 1 });
    check.close();
  });

  test("the CLI reports a refused file as an error, exit 1, with a hint", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
    writeFileSync(join(dir, ".rocky-state.db"), "garbage");
    const r = rocky(["history"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stderr).toMatch(/^Error: state file .*\.rocky-state\.db is not a rocky state file/m);
    expect(r.stderr).toContain("hint:");
    expect(readFileSync(join(dir, ".rocky-state.db"), "utf8")).toBe("garbage");
  });

  test("--state-path and [state] path choose the file; relative [state] path is beside rocky.toml", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, '\n[state]\npath = "state/rocky.db"\n');
    expectOk(rocky(["run", "-o", "json"], { cwd: join(dir, "models") }));
    expect(existsSync(join(dir, "state", "rocky.db"))).toBe(true);
    const other = join(tempDir(), "elsewhere.db");
    expectOk(rocky(["run", "--state-path", other, "-o", "json"], { cwd: dir }));
    const s = openState(other);
    expect(listRuns(s)).toHaveLength(1);
    s.close();
  });

  test("history reads the [state] path of rocky.toml, from a sub-folder and with --state-path", () => {
    // history resolves the state file from [state] alone (config/locate.ts), not the whole config.
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, '\n[state]\npath = "state/rocky.db"\n');
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const h = rocky(["history", "-o", "json"], { cwd: join(dir, "models") });
    expect(h.code).toBe(0);
    const p = h.json<{ count: number; runs: { models: { model_name: string }[] }[] }>();
    expectOurSchema("history", p);
    expect(p.count).toBe(1);
    const other = join(tempDir(), "none.db");
    const empty = rocky(["history", "--state-path", other, "-o", "json"], { cwd: dir });
    expect(empty.json<{ count: number }>().count).toBe(0);
    expect(existsSync(other)).toBe(false);
  });

  test("readers are not blocked while a writer holds the lock and an open transaction", () => {
    const path = join(tempDir(), "s.db");
    const w = openState(path, { lock: { command: "run" } });
    insertRun(w, newRun);
    w.db.exec("BEGIN IMMEDIATE");
    w.db.exec("UPDATE runs SET status = 'running'");
    const t0 = performance.now();
    const r = openState(path);
    expect(listRuns(r)).toHaveLength(1);
    expect(performance.now() - t0).toBeLessThan(1000);
    r.close();
    w.db.exec("COMMIT");
    w.close();
  });
});

describe("[state] path outside the project", () => {
  test("the run that creates it warns once on stderr, naming the path; inside the project, no warning", () => {
    const elsewhere = join(tempDir(), "shared", "rocky.db");
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, `\n[state]\npath = "${elsewhere}"\n`);
    const first = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(first);
    const warnings = first.stderr.split("\n").filter((l) => l.startsWith("warning:"));
    expect(warnings).toEqual([
      `warning: creating the state file ${elsewhere} outside the project folder ${dir} ([state] path in rocky.toml)`,
    ]);
    expect(existsSync(elsewhere)).toBe(true);
    // Once: the file exists now, later commands say nothing.
    const again = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(again);
    expect(again.stderr).not.toContain("warning:");
    // A reader of a missing file creates nothing, so it has nothing to warn about.
    const other = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, '\n[state]\npath = "../x/rocky.db"\n');
    const h = rocky(["history", "-o", "json"], { cwd: other });
    expectOk(h);
    expect(h.stderr).toBe("");

    const inside = makeProject({ "models/a.sql": "SELECT 1 AS x\n" }, '\n[state]\npath = "state/rocky.db"\n');
    const r = rocky(["run", "-o", "json"], { cwd: inside });
    expectOk(r);
    expect(r.stderr).not.toContain("warning:");
  });
});

describe("schema v2 migration", () => {
  test("a v1 file gains the lock identity and heartbeat columns; its legacy rows are judged by pid", () => {
    const path = join(tempDir(), "v1.db");
    const db = new Database(path);
    db.exec(MIGRATIONS[0]!);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec("PRAGMA user_version = 1");
    const dead = Bun.spawnSync(["true"]).pid;
    db.query(
      `INSERT INTO runs(run_id, status, trigger, started_at, config_hash, scope, rocky_version, adapter_type, pid)
       VALUES ('run-1', 'running', 'manual', '2026-01-01T00:00:00.000Z', 'h', 'production', 't', 'duckdb', ?)`,
    ).run(dead);
    db.query(
      `INSERT INTO locks(name, pid, hostname, run_id, command, acquired_at)
       VALUES ('writer', ?, ?, 'run-1', 'run', '2026-01-01T00:00:00.000Z')`,
    ).run(dead, hostname());
    db.close();
    const s = openState(path, { lock: { command: "run" } });
    expect(s.db.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION });
    const cols = (s.db.query("PRAGMA table_info(locks)").all() as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(expect.arrayContaining(["boot_id", "pid_ns", "heartbeat_at"]));
    expect(listRuns(s)[0]).toMatchObject({ run_id: "run-1", status: "interrupted" });
    s.close();
  });
});
