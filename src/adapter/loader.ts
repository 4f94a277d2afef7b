import { existsSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import type { AdapterConfig } from "../config/schema.ts";
import { RockyError } from "../errors.ts";
import type { Adapter, AdapterContext, AdapterPlugin } from "./types.ts";

/**
 * Built-in adapters, imported only when a command needs that warehouse: the
 * binary must not pay for DuckDB or a cloud SDK on `--version` or `history`.
 */
export const BUILTIN_ADAPTERS: Record<string, () => Promise<unknown>> = {
  duckdb: () => import("../../adapters/duckdb/index.ts"),
};

export const BUILTIN_TYPES = ["duckdb", "snowflake", "bigquery", "databricks"] as const;

const PLUGIN_FILES = (type: string) => [`${type}.ts`, `${type}.js`, join(type, "index.ts"), join(type, "index.js")];

/** Resolve a plugin module: built-in first, then `<project>/adapters/<type>.ts|.js|/index.ts`. */
export async function loadAdapterPlugin(type: string, projectRoot: string): Promise<AdapterPlugin> {
  const builtin = BUILTIN_ADAPTERS[type];
  let mod: unknown;
  let where: string;
  if (builtin) {
    mod = await builtin();
    where = `built-in adapter '${type}'`;
  } else {
    const file = PLUGIN_FILES(type)
      .map((f) => join(projectRoot, "adapters", f))
      .find((f) => existsSync(f));
    if (!file) {
      throw new RockyError(`unknown adapter type '${type}'`, {
        hint: `built-in types: ${Object.keys(BUILTIN_ADAPTERS).join(", ")}; or add a plugin at adapters/${type}.ts in the project`,
      });
    }
    where = file;
    try {
      mod = await import(file);
    } catch (e) {
      throw new RockyError(`adapter plugin ${file} failed to load: ${(e as Error).message}`);
    }
  }
  const m = mod as { default?: unknown; adapter?: unknown };
  const plugin = m.default ?? m.adapter;
  checkPlugin(plugin, where);
  return plugin as AdapterPlugin;
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
  if (!p.configSchema || typeof p.configSchema !== "object") problems.push("'configSchema' (a valibot schema)");
  const d = p.dialect as Record<string, unknown> | undefined;
  if (!d || typeof d !== "object") problems.push("'dialect' (object)");
  else {
    for (const f of ["quoteIdent", "qualify", "safeSchemaName", "materialize", "createSchema", "dropSchema", "dropTable", "dropView"]) {
      if (typeof d[f] !== "function") problems.push(`'dialect.${f}' (function)`);
    }
    if (typeof d.defaultSchema !== "string") problems.push("'dialect.defaultSchema' (string)");
  }
  if (problems.length > 0) throw new RockyError(`${where} is not a valid adapter: missing or wrong ${problems.join(", ")}`);
}

const ADAPTER_METHODS = ["connect", "execute", "query", "describeTable", "tableExists", "listTables", "createSchema", "dropSchema", "close"];

export function checkAdapterInstance(a: unknown, where: string): asserts a is Adapter {
  const obj = a as Record<string, unknown> | null;
  const missing = ADAPTER_METHODS.filter((m) => typeof obj?.[m] !== "function");
  if (!obj || typeof obj.capabilities !== "object") missing.push("capabilities");
  if (missing.length > 0) throw new RockyError(`${where}: create() returned an adapter without ${missing.map((m) => `'${m}'`).join(", ")}`);
}

/** Validate the adapter block with the plugin's own schema and create (not yet connect) the adapter. */
export async function createAdapter(config: AdapterConfig, ctx: AdapterContext): Promise<Adapter> {
  const plugin = await loadAdapterPlugin(config.type, ctx.projectRoot);
  const { type: _type, ...rest } = config;
  const parsed = v.safeParse(plugin.configSchema, rest);
  if (!parsed.success) {
    const lines = parsed.issues.slice(0, 5).map((i) => `adapter.${ctx.name}.${v.getDotPath(i) ?? ""}: ${i.message}`);
    throw new RockyError(`invalid [adapter${ctx.name === "default" ? "" : `.${ctx.name}`}] in rocky.toml:\n${lines.join("\n")}`);
  }
  const adapter = plugin.create(parsed.output as Record<string, unknown>, ctx);
  checkAdapterInstance(adapter, config.type);
  return adapter;
}
