/** Pick and connect the project's warehouse adapter (the plugin is imported only here). */
import { createAdapter } from "../adapter/loader.ts";
import type { Adapter } from "../adapter/types.ts";
import { checkAdapterEnv, type LoadedConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";

/** The adapter block a run uses: `[adapter]` (named default), else the only one, else the first. */
export function pickAdapter(config: LoadedConfig): {
  name: string;
  block: NonNullable<ReturnType<LoadedConfig["adapters"]["get"]>>;
} {
  const block = config.adapters.get("default");
  if (block) return { name: "default", block };
  const first = [...config.adapters.entries()][0];
  if (!first) {
    throw new RockyError(`${config.file} has no [adapter] section`, {
      hint: 'add one, e.g.\n[adapter]\ntype = "duckdb"\npath = "warehouse.duckdb"',
    });
  }
  return { name: first[0], block: first[1] };
}

export async function connectAdapter(config: LoadedConfig): Promise<Adapter> {
  const { name, block } = pickAdapter(config);
  checkAdapterEnv(config, name, `to connect to the ${block.type} warehouse`);
  const adapter = await createAdapter(block, { projectRoot: config.root, name }, config.file);
  try {
    await adapter.connect();
  } catch (e) {
    throw new RockyError(`cannot connect to the ${block.type} warehouse: ${(e as Error).message}`);
  }
  return adapter;
}
