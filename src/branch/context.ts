/**
 * What the branch commands need from the project: the config (for the state path), and,
 * only for the commands that touch the warehouse, the dialect or a connected adapter.
 * Loaded lazily so `branch list/show` never pay for DuckDB or a cloud SDK.
 */
import type { Adapter, Dialect } from "../adapter/types.ts";
import type { AdapterConfig } from "../config/schema.ts";
import type { LoadedConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";

/** The adapter a project's models run on: `default`, or the only one declared. */
export function pickAdapterConfig(config: LoadedConfig): { name: string; config: AdapterConfig } {
  const def = config.adapters.get("default");
  if (def) return { name: "default", config: def };
  const all = [...config.adapters];
  if (all.length === 1) return { name: all[0]![0], config: all[0]![1] };
  if (all.length === 0)
    throw new RockyError(`${config.file} has no [adapter]`, { hint: 'add [adapter] type = "duckdb"' });
  throw new RockyError(`${config.file} declares several adapters and none is named 'default'`, {
    hint: "name the one models run on [adapter.default]",
  });
}

export async function loadDialect(config: LoadedConfig): Promise<Dialect> {
  const { loadAdapterPlugin } = await import("../adapter/loader.ts");
  const picked = pickAdapterConfig(config);
  return (await loadAdapterPlugin(picked.config.type, config.root)).dialect;
}

/** Create and connect the project's adapter; the caller closes it. */
export async function connectAdapter(config: LoadedConfig): Promise<Adapter> {
  const { createAdapter } = await import("../adapter/loader.ts");
  const picked = pickAdapterConfig(config);
  const adapter = await createAdapter(picked.config, { projectRoot: config.root, name: picked.name });
  await adapter.connect();
  return adapter;
}
