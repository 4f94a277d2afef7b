/**
 * Finding rocky.toml and the state file without the config schemas. `branch list` and
 * `branch show` read only the state store: loading valibot and validating the whole file
 * would cost them a good part of their start-up (SPEC §12), so they resolve the state
 * path here and leave full validation to the commands that load the project.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { RockyError } from "../errors.ts";
import { noteConfiguredStatePath } from "../state/location.ts";
import { expandEnv } from "./env.ts";

const CONFIG_NAME = "rocky.toml";

/** rocky.toml from `-c`, or searched upward from `cwd`. */
export function findConfig(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (!existsSync(p)) {
      throw new RockyError(`no project file at '${explicit}'`, {
        hint: "check the path given to -c/--config",
        code: "no_project",
      });
    }
    return p;
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RockyError(`no rocky.toml found in '${cwd}' or any folder above it`, {
    hint: "run 'rocky init' to create a project, 'rocky playground' to try a sample one, or pass -c PATH",
    code: "no_project",
  });
}

/** `--state-path`, else `[state] path` (relative to the project folder), else `.rocky-state.db` there. */
export function resolveStatePath(root: string, configured: string | undefined, override?: string): string {
  if (override) return resolve(process.cwd(), override);
  if (configured) {
    const path = isAbsolute(configured) ? configured : join(root, configured);
    noteConfiguredStatePath(path, root);
    return path;
  }
  return join(root, ".rocky-state.db");
}

/**
 * The state path of the project at `configFile`, reading only `[state] path`. Anything
 * this lean read does not understand (unreadable file, bad TOML, a missing variable, a
 * `[state]` of the wrong shape) goes through the full `loadConfig`, so the error is the
 * one every other command reports.
 */
export async function readStatePath(configFile: string, statePathOverride?: string): Promise<string> {
  const file = resolve(configFile);
  const full = async () => (await import("./load.ts")).loadConfig(configFile, statePathOverride);
  let parsed: unknown;
  try {
    parsed = Bun.TOML.parse(expandEnv(readFileSync(file, "utf8"), file));
  } catch {
    return (await full()).statePath;
  }
  const state = (parsed as { state?: unknown }).state;
  if (state === undefined) return resolveStatePath(dirname(file), undefined, statePathOverride);
  const path = state !== null && typeof state === "object" ? (state as { path?: unknown }).path : null;
  if (path !== undefined && typeof path !== "string") return (await full()).statePath;
  return resolveStatePath(dirname(file), path, statePathOverride);
}
