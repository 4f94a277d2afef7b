/**
 * The state store (SPEC §6): one SQLite file opened with bun:sqlite in WAL mode.
 *
 * - Readers (`history`, `replay`, `branch list`) never take the writer lock and never
 *   block: WAL lets them read while a run writes. On a read-only file or folder they
 *   open the file immutable (no -wal/-shm needed); commands that write say read-only.
 * - One writer at a time: a `locks` row holds the writer's identity (liveness.ts), run id
 *   and heartbeat. A holder that is provably dead or whose lease expired is taken over; a
 *   live one is refused with its pid and run id.
 * - Writes are short transactions, so other short writers (branch create) simply wait
 *   on `busy_timeout` instead of being refused.
 * - A foreign, corrupt or newer file is refused with a clear error and never modified
 *   (integrity.ts).
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RockyError } from "../errors.ts";
import { writeStderr } from "../runtime/stdio.ts";
import { checkHeader, quickCheck, readerShouldCheck, refuse } from "./integrity.ts";
import {
  describeHolder,
  HEARTBEAT_INTERVAL_MS,
  holderVerdict,
  isSelf,
  type LockRow,
  provablyDead,
  selfIdentity,
} from "./liveness.ts";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./migrations.ts";
import { warnIfCreatedOutsideProject } from "./location.ts";
import { openImmutable, readOnlyReason } from "./readonly.ts";
import { explainSqliteError, noteStateFile } from "./sqlite-errors.ts";

export interface OpenOptions {
  /** Open for writing: the file (and its folder) is created if missing. */
  write?: boolean;
  /**
   * Take the single-writer lock for a long operation (`rocky run`, `branch promote`).
   * Implies `write`. Released by `close()` or when the process exits.
   */
  lock?: { command: string; runId?: string };
  /** The command opening the store, named when a write is refused (defaults to the lock's). */
  command?: string;
}

export type { LockRow } from "./liveness.ts";

export interface StateStore {
  readonly path: string;
  readonly db: Database;
  /** False for a read-only open (or a missing file seen by a reader: then an empty in-memory store). */
  readonly writable: boolean;
  /** True when this store holds the writer lock. */
  readonly locked: boolean;
  /** Run `fn` in one IMMEDIATE transaction (committed on return, rolled back on throw). */
  transaction<T>(fn: () => T): T;
  /** Record the run id the writer lock belongs to (shown to a refused second writer). */
  setLockRunId(runId: string): void;
  close(): void;
}

const BUSY_TIMEOUT_MS = 5000;

/** RFC 3339 UTC with milliseconds: the one timestamp format of the store. */
export function nowIso(d: Date = new Date()): string {
  return d.toISOString();
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

function readLock(db: Database): LockRow | null {
  return db.query("SELECT * FROM locks WHERE name = 'writer'").get() as LockRow | null;
}

interface RunningRow {
  run_id: string;
  pid: number;
  hostname: string | null;
  boot_id: string | null;
  pid_ns: string | null;
}

/**
 * Why the writer of a `running` run is known to be gone, or null while it may be alive.
 * A run owned by the writer lock lives as long as its holder (heartbeat, identity); a
 * run no lock owns is judged by the identity recorded with it.
 */
function whyRunStopped(r: RunningRow, lock: LockRow | null): string | null {
  const owned = lock !== null && (lock.run_id === r.run_id || (lock.run_id === null && lock.pid === r.pid));
  if (owned) {
    const v = holderVerdict(lock);
    return v.alive ? null : `${v.why} before finishing the run`;
  }
  const v = provablyDead({
    pid: r.pid,
    hostname: r.hostname ?? selfIdentity().hostname,
    boot_id: r.boot_id,
    pid_ns: r.pid_ns,
  });
  return v.alive ? null : `${v.why} before finishing the run`;
}

/**
 * A run left `running` by a process that no longer exists (SIGKILL, power loss) is
 * marked `interrupted` by whichever command opens the store next.
 */
function recoverCrashedRuns(db: Database): void {
  const running = db
    .query("SELECT run_id, pid, hostname, boot_id, pid_ns FROM runs WHERE status = 'running'")
    .all() as RunningRow[];
  if (running.length === 0) return;
  const lock = readLock(db);
  for (const r of running) {
    const why = whyRunStopped(r, lock);
    if (why === null) continue;
    db.transaction(() => {
      const last = db
        .query("SELECT max(finished_at) AS t FROM model_runs WHERE run_id = ?")
        .get(r.run_id) as { t: string | null };
      db.query(
        `UPDATE runs SET status = 'interrupted', finished_at = coalesce(?, started_at),
           error = ? WHERE run_id = ? AND status = 'running'`,
      ).run(last.t, why, r.run_id);
    }).immediate();
  }
}

function describeSqliteError(path: string, e: unknown): never {
  if (e instanceof RockyError) throw e;
  throw (
    explainSqliteError(e) ?? new RockyError(`cannot open state file ${path}: ${(e as Error).message ?? e}`)
  );
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

/** SQL condition matching the lock row of this very process. */
const SELF_LOCK = "name = 'writer' AND pid = ? AND hostname = ? AND boot_id IS ? AND pid_ns IS ?";
const selfParams = () => {
  const me = selfIdentity();
  return [me.pid, me.hostname, me.boot_id, me.pid_ns] as const;
};

function acquireLock(db: Database, path: string, lock: { command: string; runId?: string }): void {
  db.transaction(() => {
    const holder = readLock(db);
    if (holder && !isSelf(holder) && holderVerdict(holder).alive) {
      const what = holder.run_id ? `run ${holder.run_id}` : `'rocky ${holder.command}'`;
      throw new RockyError(
        `state store ${path} is locked by another rocky process (${describeHolder(holder)}, ${what}, since ${holder.acquired_at})`,
        {
          hint: "only one rocky writer can run at a time against a state file; wait for it to finish, or use another --state-path",
          code: "state_locked",
        },
      );
    }
    const me = selfIdentity();
    const now = nowIso();
    db.query(
      `INSERT OR REPLACE INTO locks(name, pid, hostname, boot_id, pid_ns, run_id, command, acquired_at, heartbeat_at)
       VALUES ('writer', ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(me.pid, me.hostname, me.boot_id, me.pid_ns, lock.runId ?? null, lock.command, now, now);
  }).immediate();
}

/**
 * Refresh the lock's heartbeat until `stop()`. The timer is unref'd: it never keeps the
 * process alive. A busy store just skips a beat; a lost lock (taken over after an expired
 * lease) is reported once.
 */
function startHeartbeat(db: Database, path: string): () => void {
  let warned = false;
  const beat = db.query(`UPDATE locks SET heartbeat_at = ? WHERE ${SELF_LOCK}`);
  const timer = setInterval(() => {
    try {
      const changes = beat.run(nowIso(), ...selfParams()).changes;
      if (changes === 0 && !warned) {
        warned = true;
        writeStderr(
          `warning: the writer lock of ${path} was taken over by another process (this process missed its heartbeats)\n`,
        );
      }
    } catch {
      // Busy or briefly unavailable: the next beat retries, well within the lease.
    }
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function writerName(opts: OpenOptions): string {
  const command = opts.command ?? opts.lock?.command;
  return command ? `'rocky ${command}'` : "this command";
}

/** Open (and, for writers, create) the state store at `path`. */
export function openState(path: string, opts: OpenOptions = {}): StateStore {
  const write = opts.write === true || opts.lock !== undefined;
  const exists = existsSync(path);
  let db: Database | undefined;
  let writable = true;
  let stopHeartbeat = () => {};
  noteStateFile(path);
  try {
    if (!exists && !write) {
      // A reader of a store that does not exist yet sees an empty one; nothing is created.
      db = new Database(":memory:");
      migrate(db, path);
    } else {
      if (exists) checkHeader(path);
      const readOnly = readOnlyReason(path, exists);
      if (readOnly && write)
        throw new RockyError(`state file ${path} ${readOnly}; ${writerName(opts)} needs to write to it`, {
          hint: "make the file and its folder writable, or point --state-path (or [state] path) at a writable location; 'rocky history', 'state' and 'replay' can read a read-only file",
          code: "state_read_only",
        });
      if (!exists) {
        warnIfCreatedOutsideProject(path);
        mkdirSync(dirname(path), { recursive: true });
      }
      if (readOnly) {
        db = openImmutable(path);
        writable = false;
      } else {
        db = new Database(path, { create: write, readwrite: true, strict: true });
        db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      // SQLite verifies cell sizes as it reads each page: a damaged page is an error, not a crash.
      db.exec("PRAGMA cell_size_check = ON");
      if (exists && (write || readerShouldCheck(path))) quickCheck(db, path);
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
            "open it once with a rocky that can write to it (it migrates the file), or upgrade/downgrade rocky",
          );
      }
      if (opts.lock) {
        acquireLock(db, path, opts.lock);
        stopHeartbeat = startHeartbeat(db, path);
      }
    }
  } catch (e) {
    // A refused file is not kept open (a long-lived process, e.g. the tests, would leak it).
    stopHeartbeat();
    try {
      db?.close();
    } catch {
      // Closing a handle SQLite already gave up on: nothing more to do.
    }
    describeSqliteError(path, e);
  }
  const finalDb = db as Database;
  let closed = false;
  const store: StateStore = {
    path,
    db: finalDb,
    writable,
    locked: opts.lock !== undefined,
    transaction<T>(fn: () => T): T {
      return finalDb.transaction(fn).immediate();
    },
    setLockRunId(runId: string) {
      finalDb.query(`UPDATE locks SET run_id = ? WHERE ${SELF_LOCK}`).run(runId, ...selfParams());
    },
    close() {
      if (closed) return;
      closed = true;
      stopHeartbeat();
      openLocks.delete(store);
      if (opts.lock) {
        try {
          finalDb.query(`DELETE FROM locks WHERE ${SELF_LOCK}`).run(...selfParams());
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
