/**
 * State files rocky cannot write: a read-only mount, a read-only file or folder (WAL
 * needs to create -wal and -shm files beside the database). Readers open such a file
 * with SQLite's `immutable=1`, which needs neither; writers are refused with the reason.
 */
import { constants, Database } from "bun:sqlite";
import { accessSync, constants as fsConstants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { writeStderr } from "../runtime/stdio.ts";

/** Why rocky cannot write `path` (or create it), or undefined when it can. */
export function readOnlyReason(path: string, exists: boolean): string | undefined {
  const writable = (p: string): NodeJS.ErrnoException | undefined => {
    try {
      accessSync(p, fsConstants.W_OK);
      return undefined;
    } catch (e) {
      return e as NodeJS.ErrnoException;
    }
  };
  const dir = dirname(path);
  if (exists) {
    const e = writable(path);
    if (e) return e.code === "EROFS" ? "is on a read-only file system" : "is read-only (no write permission)";
  }
  if (!existsSync(dir)) {
    // The folder is created on open: the nearest existing ancestor must be writable.
    let up = dirname(dir);
    while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
    const e = writable(up);
    if (!e) return undefined;
    return e.code === "EROFS"
      ? `cannot be created: ${up} is on a read-only file system`
      : `cannot be created: the folder ${up} is read-only`;
  }
  const e = writable(dir);
  if (e)
    return e.code === "EROFS"
      ? `is on a read-only file system (${dir})`
      : `is in a read-only folder ${dir} (SQLite needs to create its -wal and -shm files beside it)`;
  return undefined;
}

/** `file:` URI of a path, for SQLite URI parameters. */
function fileUri(path: string, params: string): string {
  return `file:${path.split("/").map(encodeURIComponent).join("/")}?${params}`;
}

/**
 * A reader of a read-only file or folder: `immutable=1` tells SQLite nothing can change
 * the file, so it needs no -shm/-wal and takes no locks. Writes that a crashed writer
 * left in a -wal file (never checkpointed) are not seen: say so.
 */
export function openImmutable(path: string): Database {
  const db = new Database(
    fileUri(path, "immutable=1"),
    constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI,
  );
  try {
    if (statSync(`${path}-wal`).size > 0)
      writeStderr(
        `warning: state file ${path} is read-only and has un-checkpointed writes in ${path}-wal; they are not shown\n`,
      );
  } catch {
    // No -wal file: the usual case for a file a writer closed cleanly.
  }
  return db;
}
