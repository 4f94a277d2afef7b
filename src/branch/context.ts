/**
 * What the branch commands need from the warehouse: the dialect (no connection) or a
 * connected adapter, chosen exactly as `rocky run` chooses them, so a branch always
 * lives on the warehouse its runs write to.
 */
import type { Adapter, Dialect } from "../adapter/types.ts";
import type { LoadedConfig } from "../config/load.ts";

export async function loadDialect(config: LoadedConfig): Promise<Dialect> {
  const [{ loadAdapterPlugin }, { pickAdapter }] = await Promise.all([
    import("../adapter/loader.ts"),
    import("../run/connect.ts"),
  ]);
  return (await loadAdapterPlugin(pickAdapter(config).block.type, config.root)).dialect;
}

/** Create and connect the project's adapter; the caller closes it. */
export async function connectAdapter(config: LoadedConfig): Promise<Adapter> {
  const { connectAdapter: connect } = await import("../run/connect.ts");
  return connect(config);
}
