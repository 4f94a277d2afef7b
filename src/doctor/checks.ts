/**
 * `rocky doctor`: is this project ready to run? Each check says ok, warn or fail and,
 * when not ok, what to do. Secrets are never printed: only variable names and paths.
 */
import { Database } from "bun:sqlite";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { inspectCache } from "../compile/cache.ts";
import type { LoadedConfig } from "../config/load.ts";
import { noun, plural } from "../format.ts";
import { RockyError } from "../errors.ts";
import { checkHeader, quickCheck } from "../state/integrity.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";

export type CheckStatus = "ok" | "warn" | "fail";
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  message: string;
  hint?: string;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
const hintOf = (e: unknown) => (e instanceof RockyError && e.hint !== undefined ? { hint: e.hint } : {});

export function versionCheck(): DoctorCheck {
  return { name: "version", status: "ok", message: `rocky ${VERSION} (${BUILD_COMMIT}), bun ${Bun.version}` };
}

export async function configCheck(
  load: () => Promise<LoadedConfig>,
): Promise<{ check: DoctorCheck; config?: LoadedConfig }> {
  try {
    const config = await load();
    const n = config.adapters.size;
    return {
      check: { name: "config", status: "ok", message: `${config.file} (${plural(n, "adapter")})` },
      config,
    };
  } catch (e) {
    return { check: { name: "config", status: "fail", message: firstLine(e), ...hintOf(e) } };
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The state file opens read-only and passes SQLite's quick_check. */
export function stateCheck(path: string): DoctorCheck {
  if (!existsSync(path))
    return { name: "state", status: "ok", message: `${path} does not exist yet (created by the first run)` };
  try {
    checkHeader(path);
    const db = new Database(path, { readonly: true });
    try {
      quickCheck(db, path);
    } finally {
      db.close();
    }
    return { name: "state", status: "ok", message: `${path} (${statSync(path).size} bytes, integrity ok)` };
  } catch (e) {
    return { name: "state", status: "fail", message: firstLine(e), ...hintOf(e) };
  }
}

/** Rocky writes the state file (and its lock and backups) next to itself. */
export function pathsCheck(config: LoadedConfig): DoctorCheck {
  const dir = dirname(config.statePath);
  const target = existsSync(config.statePath) ? config.statePath : dir;
  if (!existsSync(dir))
    return {
      name: "paths",
      status: "warn",
      message: `state folder ${dir} does not exist`,
      hint: "create it, or point [state] path in rocky.toml at an existing folder",
    };
  if (!writable(target) || !writable(dir))
    return {
      name: "paths",
      status: "fail",
      message: `${target} is not writable`,
      hint: "fix its permissions, or point --state-path at a writable file",
    };
  return { name: "paths", status: "ok", message: `${dir} is writable` };
}

const kb = (n: number) => (n < 1024 ? `${n} bytes` : `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`);

/** The compile cache (`.rocky-cache/compile.cache`): only ever a speed-up, so at worst a warning. */
export function cacheCheck(root: string): DoctorCheck {
  const c = inspectCache(root);
  const rebuild = `'rocky compile' rebuilds it; or delete ${c.file}`;
  if (!c.exists)
    return {
      name: "cache",
      status: "ok",
      message: `${c.file} does not exist yet (written by the first compile)`,
    };
  const size = `${plural(c.entries, "model")}, ${kb(c.bytes)}`;
  if (!c.current)
    return {
      name: "cache",
      status: "warn",
      message: `${c.file} was written by another rocky version or build (${kb(c.bytes)}): compile ignores it`,
      hint: rebuild,
    };
  if (c.corrupt > 0 || c.truncated) {
    const what = [
      c.corrupt > 0 ? plural(c.corrupt, "damaged line") : "",
      c.truncated ? "last write cut short" : "",
    ].filter(Boolean);
    return {
      name: "cache",
      status: "warn",
      message: `${c.file} (${size}): ${what.join(", ")}; those models are re-parsed`,
      hint: rebuild,
    };
  }
  const stale = c.stale > 0 ? `, ${plural(c.stale, "superseded line")}` : "";
  return { name: "cache", status: "ok", message: `${c.file} (${size}${stale})` };
}

/** Each adapter block: its variables are set and it connects. */
export async function adapterChecks(config: LoadedConfig, connect: boolean): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const [name, block] of config.adapters) {
    const label = `adapter ${name} (${block.type})`;
    const unset = config.unsetEnv?.get(name) ?? [];
    if (unset.length > 0) {
      const vars = [...new Set(unset.map((u) => u.name))];
      out.push({
        name: `adapter.${name}`,
        status: "fail",
        message: `${label}: unset ${noun(vars.length, "variable")} ${vars.join(", ")}`,
        hint: "export them, or put them in the project's .env",
      });
      continue;
    }
    if (!connect) {
      out.push({
        name: `adapter.${name}`,
        status: "ok",
        message: `${label}: credentials present (not connected)`,
      });
      continue;
    }
    try {
      const { createAdapter } = await import("../adapter/loader.ts");
      const adapter = await createAdapter(block, { projectRoot: config.root, name }, config.file);
      const t0 = performance.now();
      try {
        await adapter.connect();
      } finally {
        await adapter.close().catch(() => {});
      }
      const ms = Math.round(performance.now() - t0);
      out.push({ name: `adapter.${name}`, status: "ok", message: `${label}: connected in ${ms} ms` });
    } catch (e) {
      out.push({
        name: `adapter.${name}`,
        status: "fail",
        message: `${label}: ${firstLine(e)}`,
        ...hintOf(e),
      });
    }
  }
  return out;
}
