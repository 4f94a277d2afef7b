/**
 * Is the process that holds the writer lock (or wrote a `running` run) still alive?
 *
 * A pid means something only inside one pid namespace of one boot of one host: a
 * reader in another container, on another host sharing the volume, or after a reboot
 * must not judge a holder by `kill(pid, 0)`. So the lock records the holder's host,
 * boot id and pid namespace, and the holder refreshes a heartbeat. A holder is taken
 * over only when it is provably dead (same host, boot and namespace, pid gone) or its
 * lease expired.
 *
 * Lease: 60 s, heartbeat every 10 s. The heartbeat is a short write that can wait up to
 * the 5 s busy timeout, and a synchronous step (a big compile, a long SQLite write) can
 * hold the event loop for seconds; 60 s tolerates five missed beats. Expiry compares the
 * holder's clock (heartbeat_at) with the reader's, so hosts sharing a volume need clocks
 * within a few seconds of each other (NTP gives milliseconds). A crashed holder on
 * another host blocks writers for at most one lease.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/** ROCKY_LOCK_HEARTBEAT_MS shortens the beat for tests only; the lease stays 60 s. */
export const HEARTBEAT_INTERVAL_MS = Number(process.env.ROCKY_LOCK_HEARTBEAT_MS) || 10_000;
export const LEASE_MS = 60_000;

/** Where a pid is meaningful: host, boot and pid namespace (null where the OS does not say). */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  boot_id: string | null;
  pid_ns: string | null;
}

/** A writer lock row (schema v2 columns may be null on a row written by an older rocky). */
export interface LockRow extends ProcessIdentity {
  run_id: string | null;
  command: string;
  acquired_at: string;
  heartbeat_at: string | null;
}

function readOrNull(read: () => string): string | null {
  try {
    return read().trim() || null;
  } catch {
    return null; // Not Linux, or /proc not mounted.
  }
}

let self: ProcessIdentity | undefined;

/** This process's identity, read once. */
export function selfIdentity(): ProcessIdentity {
  self ??= {
    pid: process.pid,
    hostname: hostname(),
    boot_id: readOrNull(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
    pid_ns: readOrNull(() => readlinkSync("/proc/self/ns/pid")),
  };
  return self;
}

export function isSelf(who: ProcessIdentity): boolean {
  const me = selfIdentity();
  return (
    who.pid === me.pid &&
    who.hostname === me.hostname &&
    (who.boot_id ?? null) === me.boot_id &&
    (who.pid_ns ?? null) === me.pid_ns
  );
}

/** Does `pid` exist in this process's pid namespace? */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export type Verdict = { alive: true } | { alive: false; why: string };

/**
 * Can we prove that `who` is dead? Only when its pid is meaningful here: same host, same
 * boot, same pid namespace. A row of an older rocky (no boot id, no namespace) is judged
 * by host and pid, as that rocky did.
 */
export function provablyDead(who: ProcessIdentity): Verdict {
  const me = selfIdentity();
  if (isSelf(who)) return { alive: true };
  if (who.hostname !== me.hostname) return { alive: true };
  const legacy = who.boot_id == null && who.pid_ns == null;
  const sameBootAndNs = who.boot_id === me.boot_id && who.pid_ns === me.pid_ns && me.pid_ns !== null;
  if (!legacy && !sameBootAndNs) return { alive: true };
  return pidExists(who.pid) ? { alive: true } : { alive: false, why: `rocky process ${who.pid} is gone` };
}

/** The lock holder's verdict: dead on this host, or its lease expired, or alive. */
export function holderVerdict(lock: LockRow, now: number = Date.now()): Verdict {
  if (isSelf(lock)) return { alive: true };
  if (lock.heartbeat_at !== null) {
    const age = now - Date.parse(lock.heartbeat_at);
    if (age > LEASE_MS)
      return {
        alive: false,
        why: `rocky process ${lock.pid} on ${lock.hostname} stopped refreshing its lock (last heartbeat ${Math.round(age / 1000)} s ago, lease ${LEASE_MS / 1000} s)`,
      };
  }
  return provablyDead(lock);
}

/** A human description of where the holder runs, for refusals. */
export function describeHolder(lock: LockRow, now: number = Date.now()): string {
  const me = selfIdentity();
  const where =
    lock.hostname !== me.hostname
      ? ` on ${lock.hostname}`
      : lock.pid_ns !== null && lock.pid_ns !== me.pid_ns
        ? ` in another pid namespace (${lock.pid_ns})`
        : "";
  const beat =
    lock.heartbeat_at !== null
      ? `, heartbeat ${Math.max(0, Math.round((now - Date.parse(lock.heartbeat_at)) / 1000))} s ago`
      : "";
  return `pid ${lock.pid}${where}${beat}`;
}
