/**
 * A `[state] path` in rocky.toml that points outside the project folder is allowed (a
 * shared volume, a home folder), but rocky must not create a file there without a word:
 * the writer that creates it prints one warning naming the path. No bun:sqlite import:
 * config loading records paths here.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { writeStderr } from "../runtime/stdio.ts";

/** State paths from `[state] path` that lie outside their project, with the project folder. */
const outside = new Map<string, string>();

/** Record where `[state] path` of the project at `root` led. */
export function noteConfiguredStatePath(path: string, root: string): void {
  const rel = relative(resolve(root), resolve(path));
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    outside.set(resolve(path), resolve(root));
}

/** Called when the state file is about to be created: warn (once) if it is outside its project. */
export function warnIfCreatedOutsideProject(path: string): void {
  const root = outside.get(resolve(path));
  if (root === undefined) return;
  outside.delete(resolve(path));
  writeStderr(
    `warning: creating the state file ${resolve(path)} outside the project folder ${root} ([state] path in rocky.toml)\n`,
  );
}
