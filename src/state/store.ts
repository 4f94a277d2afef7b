/**
 * The state store (SPEC §6): one SQLite file opened with bun:sqlite in WAL mode.
 *
 * - Readers (`history`, `replay`, `branch list`) never take the writer lock and never
 *   block: WAL lets them read while a run writes.
 * - One writer at a time: a `locks` row holds the writer's pid, host and run id. A row
 *   whose process is gone is taken over; a live one is refused with its pid and run id.
 * - Writes are short transactions, so other short writers (branch create) simply wait
 *   on `busy_timeout` instead of being refused.
 * - A foreign, corrupt or newer file is refused with a clear error and never modified.
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { RockyError } from "../errors.ts";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";

export interface OpenOptions {
  /** Open for writing: the file (and its folder) is created if missing. */
  write?: boolean;
  /**
   * Take the single-writer lock for a long operation (`rocky run`, `branch promote`).
   * Implies `write`. Released by `close()` or when the process exits.
   */
  lock?: { command: string; runId?: string };
}

export interface LockHolder {
  pid: number;
  hostname: string;
  run_id: string | null;
  command: string;
  acquired_at: string;
}

export interface StateStore {
  readonly path: string;
  readonly db: Database;
  /** False for a read-only open (or a missing file seen by a reader: then an empty in-memory store). */
  readonly writable: boolean;
  /** Run `fn` in one IMMEDIATE transaction (committed on return, rolled back on throw). */
  transaction<T>(fn: () => T): T;
  /** Record the run id the writer lock belongs to (shown to a refused second writer). */
  setLockRunId(runId: string): void;
  close(): void;
}

const SQLITE_MAGIC = "SQLite format 3\u0000";
const BUSY_TIMEOUT_MS = 5000;

/** RFC 3339 UTC with milliseconds: the one timestamp format of the store. */
export function nowIso(d: Date = new Date()): string {
  return d.toISOString();
}

/** Is `pid` (on this host) still running? A holder on another host is assumed alive. */
export function processAlive(pid: number, host: string = hostname()): boolean {
  if (host !== hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function refuse(path: string, why: string, hint?: string): never {
  throw new RockyError(`state file ${path} ${why}`, {
    hint:
      hint ??
      "point --state-path (or [state] path in rocky.toml) at another file; rocky never overwrites a file it does not recognise",
  });
}

/** Refuse anything that is not an SQLite file before bun:sqlite touches it. */
function checkMagic(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n < 16 || buf.toString("latin1") !== SQLITE_MAGIC)
      refuse(path, "is not a rocky state file (not an SQLite database)");
  } finally {
    closeSync(fd);
  }
}

/** `application_id` and `user_version` in one statement (each statement costs a prepare at start-up). */
function fileStamp(db: Database): { appId: number; version: number } {
  const row = db
    .query(
      "SELECT a.application_id AS appId, u.user_version AS version FROM pragma_application_id() AS a, pragma_user_version() AS u",
    )
    .get() as { appId: number; version: number } | null;
  return { appId: Number(row?.appId ?? 0), version: Number(row?.version ?? 0) };
}

/**
 * Refuse foreign and newer files. Read-only: it runs before anything (even the
 * journal mode) is written, so a refused file is left byte for byte as it was.
 */
function checkFile(db: Database, path: string): number {
  const { appId, version } = fileStamp(db);
  if (appId !== APPLICATION_ID) {
    const objects = db.query("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (appId !== 0 || version !== 0 || objects.n > 0) {
      refuse(path, "is an SQLite database that rocky did not create (foreign file)");
    }
  }
  if (version > SCHEMA_VERSION) {
    refuse(
      path,
      `was written by a newer rocky (state schema v${version}; this rocky understands up to v${SCHEMA_VERSION})`,
      "upgrade rocky, or point --state-path at another file",
    );
  }
  return version;
}

/** Stamp a fresh file or migrate an older one, one transaction per migration. */
function migrate(db: Database, path: string, checkedVersion?: number): void {
  const version = checkedVersion ?? checkFile(db, path);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * A run left `running` by a process that no longer exists (SIGKILL, power loss) is
 * marked `interrupted` by whichever command opens the store next.
 */
function recoverCrashedRuns(db: Database): void {
  const running = db.query("SELECT run_id, pid FROM runs WHERE status = 'running'").all() as {
    run_id: string;
    pid: number;
  }[];
  for (const r of running) {
    if (processAlive(r.pid)) continue;
    db.transaction(() => {
      const last = db
        .query("SELECT max(finished_at) AS t FROM model_runs WHERE run_id = ?")
        .get(r.run_id) as { t: string | null };
      db.query(
        `UPDATE runs SET status = 'interrupted', finished_at = coalesce(?, started_at),
           error = ? WHERE run_id = ? AND status = 'running'`,
      ).run(last.t, `rocky process ${r.pid} stopped before finishing the run`, r.run_id);
    }).immediate();
  }
}

function describeSqliteError(path: string, e: unknown): never {
  if (e instanceof RockyError) throw e;
  const msg = (e as Error).message ?? String(e);
  if (/malformed|not a database|file is encrypted/i.test(msg))
    refuse(path, `is corrupt or not a database (${msg})`);
  throw new RockyError(`cannot open state file ${path}: ${msg}`);
}

const openLocks = new Set<StateStore>();
let exitHookInstalled = false;

/** Release writer locks even when the process exits without closing (errors, signals handled by exit). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const s of openLocks) {
      try {
        s.close();
      } catch {
        // The process is going away; a stale row is taken over by the next writer anyway.
      }
    }
  });
}

function acquireLock(db: Database, path: string, lock: { command: string; runId?: string }): void {
  const host = hostname();
  db.transaction(() => {
    const holder = db.query("SELECT * FROM locks WHERE name = 'writer'").get() as LockHolder | null;
    if (
      holder &&
      !(holder.pid === process.pid && holder.hostname === host) &&
      processAlive(holder.pid, holder.hostname)
    ) {
      const what = holder.run_id ? `run ${holder.run_id}` : `'rocky ${holder.command}'`;
      throw new RockyError(
        `state store ${path} is locked by another rocky process (pid ${holder.pid}${holder.hostname !== host ? ` on ${holder.hostname}` : ""}, ${what}, since ${holder.acquired_at})`,
        {
          hint: "only one rocky writer can run at a time against a state file; wait for it to finish, or use another --state-path",
        },
      );
    }
    db.query(
      `INSERT OR REPLACE INTO locks(name, pid, hostname, run_id, command, acquired_at)
       VALUES ('writer', ?, ?, ?, ?, ?)`,
    ).run(process.pid, host, lock.runId ?? null, lock.command, nowIso());
  }).immediate();
}

/** Open (and, for writers, create) the state store at `path`. */
export function openState(path: string, opts: OpenOptions = {}): StateStore {
  const write = opts.write === true || opts.lock !== undefined;
  const exists = existsSync(path);
  let db: Database;
  let writable = true;
  try {
    if (!exists && !write) {
      // A reader of a store that does not exist yet sees an empty one; nothing is created.
      db = new Database(":memory:");
      migrate(db, path);
    } else {
      if (exists) checkMagic(path);
      else mkdirSync(dirname(path), { recursive: true });
      try {
        db = new Database(path, { create: write, readwrite: true, strict: true });
      } catch (e) {
        if (write) throw e;
        // A read-only file system or file: readers still work.
        db = new Database(path, { readonly: true, strict: true });
        writable = false;
      }
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      if (writable) {
        const version = checkFile(db, path);
        // A reader of a current file skips the journal-mode switch: WAL is stored in the file
        // and every stamped file was stamped by a writer that set it (`branch list` and
        // `history` start faster). Writers set it anyway, which also converts a fresh file.
        const current = !write && version === SCHEMA_VERSION;
        // WAL: readers never block the writer and the writer never blocks readers.
        if (!current) db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = NORMAL");
        db.exec("PRAGMA foreign_keys = ON");
        if (!current) migrate(db, path, version);
        recoverCrashedRuns(db);
      } else {
        const { appId, version } = fileStamp(db);
        if (appId !== APPLICATION_ID) refuse(path, "is not a rocky state file");
        if (version !== SCHEMA_VERSION)
          refuse(
            path,
            `has state schema v${version}; this rocky needs v${SCHEMA_VERSION} and cannot migrate a read-only file`,
          );
      }
      if (opts.lock) acquireLock(db, path, opts.lock);
    }
  } catch (e) {
    describeSqliteError(path, e);
  }
  const finalDb = db;
  let closed = false;
  const store: StateStore = {
    path,
    db: finalDb,
    writable,
    transaction<T>(fn: () => T): T {
      return finalDb.transaction(fn).immediate();
    },
    setLockRunId(runId: string) {
      finalDb.query("UPDATE locks SET run_id = ? WHERE name = 'writer' AND pid = ?").run(runId, process.pid);
    },
    close() {
      if (closed) return;
      closed = true;
      openLocks.delete(store);
      if (opts.lock) {
        try {
          finalDb
            .query("DELETE FROM locks WHERE name = 'writer' AND pid = ? AND hostname = ?")
            .run(process.pid, hostname());
        } catch {
          // Best effort: a stale row is taken over by the next writer.
        }
      }
      finalDb.close();
    },
  };
  if (opts.lock) {
    openLocks.add(store);
    installExitHook();
  }
  return store;
}
