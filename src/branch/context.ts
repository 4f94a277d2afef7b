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
  const { block } = pickAdapter(config);
  const plugin = await loadAdapterPlugin(block.type, config.root);
  // The configured defaults (Snowflake database/schema...), not the plugin's bare ones.
  return plugin.dialectFor ? plugin.dialectFor(block as Record<string, unknown>) : plugin.dialect;
}

/** Create and connect the project's adapter; the caller closes it. */
export async function connectAdapter(config: LoadedConfig): Promise<Adapter> {
  const { connectAdapter: connect } = await import("../run/connect.ts");
  return connect(config);
}

/** Project compiled, models in DAG order, adapter connected: what compare and promote start from. */
export async function warehouseContext(config: LoadedConfig) {
  const [{ loadProject }, { compileProject }] = await Promise.all([
    import("../project/load.ts"),
    import("../compile/compile.ts"),
  ]);
  const compiled = await compileProject(await loadProject(config));
  const models = compiled.dag.order.map((n) => compiled.project.byName.get(n)!);
  const adapter = await connectAdapter(config);
  return { compiled, models, adapter, compileProject };
}

export type WarehouseContext = Awaited<ReturnType<typeof warehouseContext>>;
