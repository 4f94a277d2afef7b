/**
 * Writer-lock liveness across pid namespaces, boots and hosts: a holder whose pid means
 * nothing here is trusted while its heartbeat is fresh; only a provably dead holder
 * (same host, boot and namespace, pid gone) or an expired lease is taken over, and only
 * then is its run marked interrupted.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { LEASE_MS, selfIdentity } from "../../src/state/liveness.ts";
import { openState } from "../../src/state/store.ts";
import { REPO, rocky } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

const RUN_ID = "run-20260101-000000-000";

/** A pid that existed a moment ago and is gone now. */
function deadPid(): number {
  const p = Bun.spawnSync(["true"]);
  return p.pid;
}

interface Holder {
  pid: number;
  hostname?: string;
  boot_id: string | null;
  pid_ns: string | null;
  heartbeatAgoMs: number;
}

/** A project whose state file holds a `running` run and the writer lock of `holder`. */
function projectLockedBy(holder: Holder): string {
  const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
  const path = join(dir, ".rocky-state.db");
  openState(path, { write: true }).close();
  const db = new Database(path);
  const host = holder.hostname ?? selfIdentity().hostname;
  const started = new Date(Date.now() - 5 * 60_000).toISOString();
  db.query(
    `INSERT INTO runs(run_id, status, trigger, started_at, config_hash, scope, rocky_version, adapter_type, pid, command, hostname, boot_id, pid_ns)
     VALUES (?, 'running', 'manual', ?, 'h', 'production', 't', 'duckdb', ?, 'run', ?, ?, ?)`,
  ).run(RUN_ID, started, holder.pid, host, holder.boot_id, holder.pid_ns);
  db.query(
    `INSERT INTO locks(name, pid, hostname, boot_id, pid_ns, run_id, command, acquired_at, heartbeat_at)
     VALUES ('writer', ?, ?, ?, ?, ?, 'run', ?, ?)`,
  ).run(
    holder.pid,
    host,
    holder.boot_id,
    holder.pid_ns,
    RUN_ID,
    started,
    new Date(Date.now() - holder.heartbeatAgoMs).toISOString(),
  );
  db.close();
  return dir;
}

function runStatus(dir: string): { status: string; error: string | null } {
  const r = rocky(["history", "-o", "json"], { cwd: dir });
  expectOk(r);
  const run = r
    .json<{ runs: { run_id: string; status: string; error: string | null }[] }>()
    .runs.find((x) => x.run_id === RUN_ID);
  if (!run) throw new Error(`no run ${RUN_ID} in history:\n${r.stdout}`);
  return run;
}

const me = selfIdentity();

describe("writer lock liveness", () => {
  test("a holder in another pid namespace with a fresh heartbeat is not taken over nor marked interrupted", () => {
    const dir = projectLockedBy({
      pid: deadPid(),
      boot_id: me.boot_id,
      pid_ns: "pid:[1]",
      heartbeatAgoMs: 1000,
    });
    expect(runStatus(dir).status).toBe("running");
    const second = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(second, 1);
    expect(second.stderr).toContain("locked by another rocky process");
    expect(second.stderr).toContain("another pid namespace (pid:[1])");
    expect(second.stderr).toContain(RUN_ID);
    expectJsonError(second, "state_locked", "run");
    expect(runStatus(dir).status).toBe("running");
  });

  test("a holder from another boot of this host with a fresh heartbeat is not taken over", () => {
    const dir = projectLockedBy({
      pid: deadPid(),
      boot_id: "00000000-0000-0000-0000-000000000000",
      pid_ns: me.pid_ns,
      heartbeatAgoMs: 1000,
    });
    expect(runStatus(dir).status).toBe("running");
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }), 1);
    expect(runStatus(dir).status).toBe("running");
  });

  test("a holder on another host with a fresh heartbeat is not taken over", () => {
    const dir = projectLockedBy({
      pid: process.pid,
      hostname: "some-other-host",
      boot_id: "x",
      pid_ns: "pid:[2]",
      heartbeatAgoMs: 0,
    });
    const second = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(second, 1);
    expect(second.stderr).toContain(`pid ${process.pid} on some-other-host`);
    expect(runStatus(dir).status).toBe("running");
  });

  test("an expired lease is taken over and its run marked interrupted, whatever the namespace", () => {
    const dir = projectLockedBy({
      pid: process.pid, // alive, but in "another namespace": only the lease can tell
      hostname: "some-other-host",
      boot_id: "x",
      pid_ns: "pid:[1]",
      heartbeatAgoMs: LEASE_MS + 30_000,
    });
    const run = runStatus(dir);
    expect(run.status).toBe("interrupted");
    expect(run.error).toContain("stopped refreshing its lock");
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
  });

  test("a dead pid in this host's boot and namespace is taken over at once", () => {
    const dir = projectLockedBy({
      pid: deadPid(),
      boot_id: me.boot_id,
      pid_ns: me.pid_ns,
      heartbeatAgoMs: 1000,
    });
    const run = runStatus(dir);
    expect(run.status).toBe("interrupted");
    expect(run.error).toContain("is gone");
    const next = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(next);
  });

  test("a writer records its identity and heartbeat with the lock and its run", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
    const path = join(dir, ".rocky-state.db");
    const s = openState(path, { lock: { command: "run" } });
    const lock = s.db.query("SELECT * FROM locks").get() as Record<string, unknown>;
    expect(lock).toMatchObject({
      pid: process.pid,
      hostname: me.hostname,
      boot_id: me.boot_id,
      pid_ns: me.pid_ns,
    });
    expect(typeof lock.heartbeat_at).toBe("string");
    s.close();
    const db = new Database(path, { readonly: true });
    expect(db.query("SELECT count(*) AS n FROM locks").get()).toEqual({ n: 0 });
    db.close();
  });

  test("a running writer refreshes its heartbeat", async () => {
    const dir = makeProject({
      "models/fast.sql": "SELECT 1 AS x\n",
      "models/slow.sql": "SELECT sum(hash(range)) AS s FROM range(100000000000), fast\n",
    });
    const child = Bun.spawn(
      [process.execPath, join(REPO, "src", "cli", "main.ts"), "run", "--threads", "1"],
      {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1", ROCKY_LOCK_HEARTBEAT_MS: "100" },
        stdout: "ignore",
        stderr: "ignore",
      },
    );
    try {
      const beat = async (): Promise<string | null> => {
        for (let i = 0; i < 300; i++) {
          try {
            const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
            const row = db.query("SELECT heartbeat_at FROM locks").get() as { heartbeat_at: string } | null;
            db.close();
            if (row) return row.heartbeat_at;
          } catch {
            // Not created yet.
          }
          await Bun.sleep(50);
        }
        return null;
      };
      const first = await beat();
      expect(first).not.toBeNull();
      await Bun.sleep(600);
      const later = await beat();
      expect(Date.parse(later!)).toBeGreaterThan(Date.parse(first!));
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  }, 30_000);

  test("a real run in another pid namespace is seen running and keeps its lock", async () => {
    // A new pid namespace whose pids start high, so the holder's pid does not exist out here.
    const probe = Bun.spawnSync(["unshare", "-pf", "--mount-proc", "true"], { stderr: "pipe" });
    if (probe.exitCode !== 0) {
      console.warn(`skipping: cannot create a pid namespace (${probe.stderr.toString().trim()})`);
      return;
    }
    const dir = makeProject({
      "models/fast.sql": "SELECT 1 AS x\n",
      "models/slow.sql": "SELECT sum(hash(range)) AS s FROM range(100000000000), fast\n",
    });
    const child = Bun.spawn(
      [
        "unshare",
        "-pf",
        "--mount-proc",
        "--kill-child",
        "sh",
        "-c",
        'echo 999990 > /proc/sys/kernel/ns_last_pid && "$0" "$@"; :',
        process.execPath,
        join(REPO, "src", "cli", "main.ts"),
        "run",
        "--threads",
        "1",
      ],
      { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdout: "ignore", stderr: "pipe" },
    );
    try {
      type Held = { pid: number; pid_ns: string };
      let lock: Held | null = null;
      for (let i = 0; i < 400 && !lock; i++) {
        await Bun.sleep(50);
        try {
          const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
          const row = db.query("SELECT pid, pid_ns FROM locks WHERE run_id IS NOT NULL").get() as Held | null;
          const done = db.query("SELECT 1 FROM model_runs WHERE model_name = 'fast'").get();
          db.close();
          if (row && done) lock = row;
        } catch {
          // Not created yet.
        }
      }
      expect(lock).not.toBeNull();
      expect(lock!.pid_ns).not.toBe(me.pid_ns);
      expect(() => process.kill(lock!.pid, 0)).toThrow(); // its pid means nothing here
      const h = rocky(["history", "-o", "json"], { cwd: dir });
      expectOk(h);
      expect(h.json<{ runs: { status: string }[] }>().runs[0]!.status).toBe("running");
      const second = rocky(["run", "--model", "fast", "-o", "json"], { cwd: dir });
      expectOk(second, 1);
      expect(second.stderr).toContain(`pid ${lock!.pid} in another pid namespace`);
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
  }, 60_000);
});
