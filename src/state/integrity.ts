/**
 * Checks that a state file is sound before rocky trusts it.
 *
 * Random bytes in the middle of the file could crash Bun's SQLite binding (exit 139)
 * when a writer walked a damaged b-tree. Every open for writing runs `PRAGMA
 * quick_check` first (40–50 ms for 10,000 runs and 100,000 model rows, negligible next
 * to a run). Readers (`history`, `state`, `replay`) must start in a few milliseconds, so
 * they run it only on files up to READER_CHECK_MAX_BYTES (1–2 ms) and otherwise
 * rely on `cell_size_check` (SQLite verifies each cell's size as it reads a page) and on
 * every corruption error being reported as the same clear refusal.
 */
import type { Database } from "bun:sqlite";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { type ErrorCode, RockyError } from "../errors.ts";

const SQLITE_MAGIC = "SQLite format 3\u0000";
/**
 * quick_check costs 0.6–2 ms per MB here, depending on load and caches
 * (scripts/bench-state-check.ts): 1 MiB (some 300 runs of 10 models) keeps a reader's
 * check at 1–2 ms.
 */
export const READER_CHECK_MAX_BYTES = 1024 * 1024;

export function refuse(path: string, why: string, hint?: string, code: ErrorCode = "state_refused"): never {
  throw new RockyError(`state file ${path} ${why}`, {
    code,
    hint:
      hint ??
      "point --state-path (or [state] path in rocky.toml) at another file; rocky never overwrites a file it does not recognise",
  });
}

export function refuseCorrupt(path: string, detail: string): never {
  refuse(
    path,
    `is corrupt (${detail})`,
    "restore it from a backup, or move it aside and let rocky start a new one; rocky does not repair or overwrite it",
    "state_corrupt",
  );
}

/**
 * Refuse anything that is not an SQLite file, or whose header does not add up, before
 * bun:sqlite touches it.
 */
export function checkHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(100);
  let n: number;
  try {
    n = readSync(fd, buf, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 16 || buf.toString("latin1", 0, 16) !== SQLITE_MAGIC)
    refuse(path, "is not a rocky state file (not an SQLite database)");
  if (n < 100) refuseCorrupt(path, "truncated header");
  const raw = buf.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) refuseCorrupt(path, `bad page size ${raw}`);
  // The in-header page count is valid when the change counter matches "version-valid-for".
  const pages = buf.readUInt32BE(28);
  if (buf.readUInt32BE(24) === buf.readUInt32BE(92) && pages * pageSize > size)
    refuseCorrupt(
      path,
      `truncated: the header says ${pages} pages of ${pageSize} bytes, the file has ${size} bytes`,
    );
}

/** `PRAGMA quick_check`: refuse the file with SQLite's first findings unless it says ok. */
export function quickCheck(db: Database, path: string): void {
  let rows: { quick_check: string }[];
  try {
    rows = db.query("PRAGMA quick_check(3)").all() as { quick_check: string }[];
  } catch (e) {
    refuseCorrupt(path, (e as Error).message);
  }
  if (rows.length === 1 && rows[0]!.quick_check === "ok") return;
  const detail = rows
    .map((r) => r.quick_check.replace(/\*\*\* in database main \*\*\*\s*/, "").split("\n")[0])
    .join("; ");
  refuseCorrupt(path, detail);
}

/** Should a reader pay for the full check? Only where it costs a few milliseconds. */
export function readerShouldCheck(path: string): boolean {
  try {
    return statSync(path).size <= READER_CHECK_MAX_BYTES;
  } catch {
    return false;
  }
}
