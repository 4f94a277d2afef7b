import {
  DEFAULT_RETRY,
  mergeStatement,
  redactText,
  standardSeedSql,
  standardStrategySql,
  withRetry,
} from "./sdk.ts";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import type { AdapterConfig } from "../config/schema.ts";
import { RockyError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { blockError, checkAdapterBlock } from "./config-check.ts";
import type { Adapter, AdapterContext, AdapterPlugin } from "./types.ts";

/**
 * What rocky hands a plugin whose default export is a function: the compiled
 * binary has no node_modules, so a plugin file cannot `import "valibot"` there.
 * `export default ({ v }) => ({ type, configSchema: v.object({...}), ... })`
 * works from source and from the binary alike.
 */
/**
 * What a project plugin's factory receives: the runtime half of src/adapter/sdk.ts
 * (a compiled binary has no source tree for a plugin to import from).
 */
export interface PluginSdk {
  v: typeof v;
  RockyError: typeof RockyError;
  rockyVersion: string;
  /** ANSI strategy building blocks a plugin dialect can spread and override. */
  standardStrategySql: typeof standardStrategySql;
  mergeStatement: typeof mergeStatement;
  /** `rocky seed` types and literals a plugin dialect can set as its `seed`. */
  standardSeedSql: typeof standardSeedSql;
  withRetry: typeof withRetry;
  DEFAULT_RETRY: typeof DEFAULT_RETRY;
  redactText: typeof redactText;
}

export const pluginSdk: PluginSdk = {
  v,
  RockyError,
  rockyVersion: VERSION,
  standardStrategySql,
  mergeStatement,
  standardSeedSql,
  withRetry,
  DEFAULT_RETRY,
  redactText,
};

/**
 * The built-in adapters, one row each: the plugin, imported only when a command needs
 * that warehouse (the binary must not pay for DuckDB or a cloud SDK on `--version` or
 * `history`), and its config schema from the config module alone, so `rocky validate`
 * checks an adapter block without importing the driver or a cloud SDK (a test checks
 * each is the very schema its plugin validates with).
 */
export const BUILTINS = {
  duckdb: {
    plugin: () => import("../../adapters/duckdb/index.ts"),
    config: async () => (await import("../../adapters/duckdb/config.ts")).DuckDBConfigSchema,
  },
  snowflake: {
    plugin: () => import("../../adapters/snowflake/index.ts"),
    config: async () => (await import("../../adapters/snowflake/config.ts")).SnowflakeConfigSchema,
  },
  bigquery: {
    plugin: () => import("../../adapters/bigquery/index.ts"),
    config: async () => (await import("../../adapters/bigquery/config.ts")).BigQueryConfigSchema,
  },
  databricks: {
    plugin: () => import("../../adapters/databricks/index.ts"),
    config: async () => (await import("../../adapters/databricks/config.ts")).DatabricksConfigSchema,
  },
} satisfies Record<string, { plugin: () => Promise<unknown>; config: () => Promise<v.GenericSchema> }>;

export type BuiltinType = keyof typeof BUILTINS;
export const BUILTIN_TYPES = Object.keys(BUILTINS) as BuiltinType[];

export function isBuiltin(type: string): type is BuiltinType {
  return Object.hasOwn(BUILTINS, type);
}

/**
 * The schema an adapter block of `type` must satisfy: a built-in's config module, or
 * the project plugin itself (loaded and checked as `run` would, but not created).
 */
export async function adapterConfigSchema(type: string, projectRoot: string): Promise<v.GenericSchema> {
  if (isBuiltin(type)) return (await BUILTINS[type].config()) as v.GenericSchema;
  return (await loadAdapterPlugin(type, projectRoot)).configSchema as v.GenericSchema;
}

const PLUGIN_FILES = (type: string) => [
  `${type}.ts`,
  `${type}.js`,
  join(type, "index.ts"),
  join(type, "index.js"),
];

/** The plugin file for `type` in `<project>/adapters/`, as an absolute path (the binary imports by path). */
export function findPluginFile(type: string, projectRoot: string): string | undefined {
  return PLUGIN_FILES(type)
    .map((f) => resolve(projectRoot, "adapters", f))
    .find((f) => existsSync(f) && statSync(f).isFile());
}

/** Plugin types present in `<project>/adapters/` (`x.ts`, `x.js`, `x/index.ts`), sorted. */
export function listProjectPlugins(projectRoot: string): { type: string; file: string }[] {
  const dir = resolve(projectRoot, "adapters");
  if (!existsSync(dir)) return [];
  const types = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts"))
      types.add(entry.name.replace(/\.(ts|js)$/, ""));
    else if (entry.isDirectory()) types.add(entry.name);
  }
  return [...types].sort().flatMap((type) => {
    const file = findPluginFile(type, projectRoot);
    return file ? [{ type, file }] : [];
  });
}

/** Resolve a plugin module: built-in first, then `<project>/adapters/<type>.ts|.js|/index.ts`. */
export async function loadAdapterPlugin(type: string, projectRoot: string): Promise<AdapterPlugin> {
  const builtin = isBuiltin(type) ? BUILTINS[type].plugin : undefined;
  let mod: unknown;
  let where: string;
  if (builtin) {
    try {
      mod = await builtin();
    } catch (e) {
      throw new RockyError(`built-in adapter '${type}' failed to load: ${firstLine(e)}`);
    }
    where = `built-in adapter '${type}'`;
  } else {
    const file = findPluginFile(type, projectRoot);
    if (!file) {
      const local = listProjectPlugins(projectRoot).map((p) => p.type);
      throw new RockyError(`unknown adapter type '${type}'`, {
        hint: `built-in types: ${BUILTIN_TYPES.join(", ")}${local.length ? `; project plugins: ${local.join(", ")}` : ""}; or add a plugin at adapters/${type}.ts in the project`,
      });
    }
    where = file;
    try {
      mod = await import(file);
    } catch (e) {
      throw new RockyError(`adapter plugin ${file} failed to load: ${firstLine(e)}`, {
        hint: "a plugin cannot import packages from node_modules in the compiled binary: export a function and use the `v` it receives",
      });
    }
  }
  const m = mod as { default?: unknown; adapter?: unknown };
  let plugin = m.default ?? m.adapter;
  // A factory gets rocky's plugin SDK (valibot and RockyError) instead of importing them.
  if (typeof plugin === "function") {
    try {
      plugin = await (plugin as (sdk: PluginSdk) => unknown)(pluginSdk);
    } catch (e) {
      throw new RockyError(`${where}: the exported plugin factory threw: ${firstLine(e)}`);
    }
  }
  checkPlugin(plugin, where);
  const declared = (plugin as AdapterPlugin).type;
  if (!builtin && declared !== type) {
    throw new RockyError(`${where} declares type '${declared}' but was loaded as '${type}'`, {
      hint: `rename the file to adapters/${declared}.ts or set type = "${type}" in the plugin`,
    });
  }
  return plugin as AdapterPlugin;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

/** Name every missing or mistyped member of a plugin, not just the first. */
export function checkPlugin(plugin: unknown, where: string): void {
  const problems: string[] = [];
  if (!plugin || typeof plugin !== "object") {
    throw new RockyError(`${where} does not export an adapter`, {
      hint: "export default { type, configSchema, dialect, create(config, ctx) } (see src/adapter/types.ts)",
    });
  }
  const p = plugin as Record<string, unknown>;
  if (typeof p.type !== "string") problems.push("'type' (string)");
  if (typeof p.create !== "function") problems.push("'create(config, ctx)' (function)");
  const schema = p.configSchema as Record<string, unknown> | undefined;
  if (
    !schema ||
    typeof schema !== "object" ||
    schema.kind !== "schema" ||
    typeof schema["~run"] !== "function"
  )
    problems.push("'configSchema' (a valibot schema)");
  const d = p.dialect as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object") problems.push("'dialect' (object)");
  else {
    for (const f of [
      "quoteIdent",
      "qualify",
      "safeSchemaName",
      "createTableAs",
      "createView",
      "insertSelect",
      "deleteWhere",
      "deleteMatching",
      "merge",
      "createSchema",
      "dropSchema",
      "dropTable",
      "dropView",
    ]) {
      if (typeof d[f] !== "function") problems.push(`'dialect.${f}' (function)`);
    }
    if (typeof d.name !== "string") problems.push("'dialect.name' (string)");
    if (typeof d.defaultSchema !== "string") problems.push("'dialect.defaultSchema' (string)");
    for (const f of ["cloneTable", "swapTables", "copyTable", "renameTable"] as const)
      if (d[f] !== undefined && typeof d[f] !== "function")
        problems.push(`'dialect.${f}' (function, or absent)`);
  }
  if (problems.length > 0)
    throw new RockyError(`${where} is not a valid adapter: missing or wrong ${problems.join(", ")}`);
}

const ADAPTER_METHODS = [
  "connect",
  "execute",
  "query",
  "describeTable",
  "tableExists",
  "listTables",
  "createSchema",
  "dropSchema",
  "close",
];

export function checkAdapterInstance(a: unknown, where: string): asserts a is Adapter {
  const obj = a as Record<string, unknown> | null;
  const missing = ADAPTER_METHODS.filter((m) => typeof obj?.[m] !== "function");
  if (!obj || typeof obj.capabilities !== "object") missing.push("capabilities");
  if (missing.length > 0)
    throw new RockyError(
      `${where}: create() returned an adapter without ${missing.map((m) => `'${m}'`).join(", ")}`,
    );
}

/**
 * Validate the adapter block with the plugin's own schema and create (not yet connect)
 * the adapter. `configFile` (rocky.toml) lets errors name file and line.
 */
export async function createAdapter(
  config: AdapterConfig,
  ctx: AdapterContext,
  configFile?: string,
): Promise<Adapter> {
  const plugin = await loadAdapterPlugin(config.type, ctx.projectRoot);
  const source = { name: ctx.name, ...(configFile ? { file: configFile } : {}) };
  const checked = checkAdapterBlock(plugin.configSchema as v.GenericSchema, config, source);
  if (!checked.ok) throw blockError(checked.problems, source);
  let adapter: Adapter;
  try {
    adapter = plugin.create(checked.config, ctx);
  } catch (e) {
    if (e instanceof RockyError) throw e;
    throw new RockyError(`adapter '${config.type}' could not be created: ${firstLine(e)}`);
  }
  checkAdapterInstance(adapter, config.type);
  return adapter;
}
