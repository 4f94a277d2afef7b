import { standardStrategySql } from "./strategy-sql.ts";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import type { AdapterConfig } from "../config/schema.ts";
import { RockyError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { Adapter, AdapterContext, AdapterPlugin } from "./types.ts";

/**
 * What rocky hands a plugin whose default export is a function: the compiled
 * binary has no node_modules, so a plugin file cannot `import "valibot"` there.
 * `export default ({ v }) => ({ type, configSchema: v.object({...}), ... })`
 * works from source and from the binary alike.
 */
export interface PluginSdk {
  v: typeof v;
  RockyError: typeof RockyError;
  rockyVersion: string;
  /** ANSI strategy building blocks a plugin dialect can spread and override. */
  standardStrategySql: typeof standardStrategySql;
}

export const pluginSdk: PluginSdk = { v, RockyError, rockyVersion: VERSION, standardStrategySql };

/**
 * Built-in adapters, imported only when a command needs that warehouse: the
 * binary must not pay for DuckDB or a cloud SDK on `--version` or `history`.
 */
export const BUILTIN_ADAPTERS: Record<string, () => Promise<unknown>> = {
  duckdb: () => import("../../adapters/duckdb/index.ts"),
  snowflake: () => import("../../adapters/snowflake/index.ts"),
  databricks: () => import("../../adapters/databricks/index.ts"),
  bigquery: () => import("../../adapters/bigquery/index.ts"),
};

export const BUILTIN_TYPES = ["duckdb", "snowflake", "bigquery", "databricks"] as const;

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
  const builtin = BUILTIN_ADAPTERS[type];
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
        hint: `built-in types: ${Object.keys(BUILTIN_ADAPTERS).join(", ")}${local.length ? `; project plugins: ${local.join(", ")}` : ""}; or add a plugin at adapters/${type}.ts in the project`,
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

/** Valibot's object-key issues read "Invalid key: Expected never…"; say what the user did instead. */
function issueText(i: v.BaseIssue<unknown>): string {
  if (i.kind === "schema" && /object$/.test(i.type) && i.expected === "never") return "unknown key";
  if (
    i.kind === "schema" &&
    /object$/.test(i.type) &&
    i.received === "undefined" &&
    i.message.startsWith("Invalid key")
  )
    return "required key is missing";
  return i.message;
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
    if (d.cloneTable !== undefined && typeof d.cloneTable !== "function")
      problems.push("'dialect.cloneTable' (function, or absent)");
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

/** Validate the adapter block with the plugin's own schema and create (not yet connect) the adapter. */
export async function createAdapter(config: AdapterConfig, ctx: AdapterContext): Promise<Adapter> {
  const plugin = await loadAdapterPlugin(config.type, ctx.projectRoot);
  const { type: _type, ...rest } = config;
  const parsed = v.safeParse(plugin.configSchema, rest);
  if (!parsed.success) {
    const lines = parsed.issues
      .slice(0, 5)
      .map((i) => `adapter.${ctx.name}.${v.getDotPath(i) ?? ""}: ${issueText(i)}`);
    throw new RockyError(
      `invalid [adapter${ctx.name === "default" ? "" : `.${ctx.name}`}] in rocky.toml:\n${lines.join("\n")}`,
    );
  }
  let adapter: Adapter;
  try {
    adapter = plugin.create(parsed.output as Record<string, unknown>, ctx);
  } catch (e) {
    if (e instanceof RockyError) throw e;
    throw new RockyError(`adapter '${config.type}' could not be created: ${firstLine(e)}`);
  }
  checkAdapterInstance(adapter, config.type);
  return adapter;
}
