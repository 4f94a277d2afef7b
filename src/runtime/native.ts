/**
 * Native libraries embedded in the compiled binary.
 *
 * `bun build --compile` can embed any file, but the operating system can only
 * dlopen a real file: `duckdb.node` is an N-API module whose RUNPATH is
 * `$ORIGIN`, so it must sit beside `libduckdb.so` (or `.dylib`/`.dll`) on disk.
 * The binary therefore extracts the embedded files once into a versioned cache
 * folder and loads them from there. `scripts/build.ts` generates the module
 * that calls `loadEmbeddedNative` (see its DuckDB plugin); from source, none
 * of this runs and `@duckdb/node-bindings` loads from node_modules as usual.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { RockyError } from "../errors.ts";

export interface EmbeddedFile {
  /** Path of the embedded copy (`/$bunfs/root/...` inside a compiled binary). */
  path: string;
  /** Size in bytes of the extracted file: a cheap check that an extracted copy is whole. */
  size: number;
  /** The embedded copy is zstd-compressed (libduckdb shrinks from ~70 to ~22 MB). */
  zstd?: boolean;
}

export interface EmbeddedNative {
  /** What the files are, for messages: "DuckDB". */
  label: string;
  /** rocky's version: part of the cache folder name. */
  version: string;
  /** Content hash of all files (computed at build time): part of the folder name. */
  hash: string;
  /** The file to dlopen once everything is extracted, e.g. `duckdb.node`. */
  entry: string;
  /** Every file that must sit in the folder, by its on-disk name. */
  files: Record<string, EmbeddedFile>;
}

/** `ROCKY_DEBUG_MODULES=1` reports heavy modules as they load, so tests can prove a command did not. */
export function traceModule(name: string, detail?: string): void {
  debugModules(`loaded ${name}${detail ? ` (${detail})` : ""}`);
}

function debugModules(message: string): void {
  if (process.env.ROCKY_DEBUG_MODULES === "1") process.stderr.write(`rocky-debug: ${message}\n`);
}

/** `$ROCKY_CACHE_DIR`, else `$XDG_CACHE_HOME/rocky`, else `~/.cache/rocky` (`%LOCALAPPDATA%\rocky` on Windows). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ROCKY_CACHE_DIR) return env.ROCKY_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "rocky");
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "rocky");
  return join(homedir(), ".cache", "rocky");
}

/** True when every file is present with its built size (a crash mid-copy or a meddling user leaves less). */
function isComplete(dir: string, spec: EmbeddedNative): boolean {
  for (const [name, f] of Object.entries(spec.files)) {
    try {
      if (statSync(join(dir, name)).size !== f.size) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function cacheError(dir: string, e: unknown, label: string): RockyError {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const why = ["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST"].includes(code)
    ? "the folder is not writable"
    : code === "ENOSPC"
      ? "the disk is full"
      : (e as Error).message;
  return new RockyError(`cannot extract the ${label} native library into ${dir}: ${why}`, {
    hint: "set ROCKY_CACHE_DIR to a writable folder (rocky unpacks its DuckDB engine there once per version)",
    cause: e,
  });
}

/** A killed first run leaves a `.tmp-*` folder (tens of MB); one untouched for this long is abandoned. */
const STALE_TEMP_MS = 15 * 60 * 1000;

function removeStaleTemps(root: string): void {
  for (const name of readdirSync(root)) {
    if (!name.startsWith(".tmp-")) continue;
    const path = join(root, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_TEMP_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already (another process cleaned it): nothing to do.
    }
  }
}

/**
 * Extract into `<cacheRoot>/<version>-<hash>/` unless already there.
 *
 * Concurrent first runs are safe: each process writes a private temporary
 * folder and renames it into place in one step; renaming onto a folder that
 * another process already created fails, and the loser simply uses the
 * winner's copy. A reader therefore never sees a half-written folder.
 */
export function extractNative(spec: EmbeddedNative, root: string = cacheRoot()): string {
  const dir = join(root, `${spec.version}-${spec.hash}`);
  if (isComplete(dir, spec)) return dir;
  if (existsSync(dir)) {
    // Damaged copy: move it out of the way atomically, then extract afresh.
    const trash = `${dir}.broken-${process.pid}-${Date.now()}`;
    try {
      renameSync(dir, trash);
      rmSync(trash, { recursive: true, force: true });
    } catch {
      // Another process may be repairing it at the same time; the rename below settles it.
    }
  }
  let tmp: string;
  try {
    mkdirSync(root, { recursive: true });
    removeStaleTemps(root);
    tmp = mkdtempSync(join(root, `.tmp-${spec.version}-${spec.hash}-`));
  } catch (e) {
    throw cacheError(root, e, spec.label);
  }
  try {
    for (const [name, f] of Object.entries(spec.files)) {
      const data = readFileSync(f.path);
      writeFileSync(join(tmp, name), f.zstd ? Bun.zstdDecompressSync(data) : data, { mode: 0o755 });
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw cacheError(root, e, spec.label);
  }
  try {
    renameSync(tmp, dir);
    debugModules(`extracted ${spec.label} into ${dir}`);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // ENOTEMPTY/EEXIST (POSIX) or EPERM (Windows): someone else won the race.
    if (!isComplete(dir, spec)) throw cacheError(root, e, spec.label);
  }
  return dir;
}

/** Extract (once) and dlopen the embedded native module; returns its exports. */
export function loadEmbeddedNative(spec: EmbeddedNative): unknown {
  const dir = extractNative(spec);
  const file = join(dir, spec.entry);
  traceModule(`${spec.label} native library`, file);
  const mod: { exports: unknown } = { exports: {} };
  try {
    process.dlopen(mod, file);
  } catch (e) {
    throw new RockyError(`cannot load the ${spec.label} native library ${file}: ${(e as Error).message}`, {
      hint: `delete ${dir} and retry; or set ROCKY_CACHE_DIR to another folder`,
      cause: e,
    });
  }
  return mod.exports;
}
