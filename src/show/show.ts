/** `rocky show MODEL`: the first rows of the model's built table, read through its adapter. */
import { createAdapter } from "../adapter/loader.ts";
import { checkAdapterEnv, type LoadedConfig } from "../config/load.ts";
import { defaultLocation, resolvedTarget } from "../compile/location.ts";
import { RockyError, didYouMean } from "../errors.ts";
import { loadProject } from "../project/load.ts";

export interface ShowResult {
  model: string;
  target: string;
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

export async function showModel(config: LoadedConfig, model: string, limit: number): Promise<ShowResult> {
  const project = await loadProject(config);
  const m = project.byName.get(model);
  if (!m) {
    const guess = didYouMean(model, project.byName.keys());
    throw new RockyError(`no model named '${model}'`, {
      hint: guess !== undefined ? `did you mean '${guess}'?` : "'rocky dag' lists the models",
    });
  }
  const name = config.adapters.has("default") ? "default" : [...config.adapters.keys()][0];
  const block = name !== undefined ? config.adapters.get(name) : undefined;
  if (name === undefined || block === undefined)
    throw new RockyError("rocky.toml has no [adapter]", {
      hint: 'add one, e.g.:\n[adapter]\ntype = "duckdb"',
    });
  checkAdapterEnv(config, name, `to read ${model} from the ${block.type} warehouse`);
  const adapter = await createAdapter(block, { projectRoot: config.root, name }, config.file);
  try {
    await adapter.connect();
    const t = resolvedTarget(m, defaultLocation(config));
    const ref = { ...(t.catalog ? { catalog: t.catalog } : {}), schema: t.schema, table: t.table };
    const target = adapter.dialect.qualify(ref);
    if (!(await adapter.tableExists(ref)))
      throw new RockyError(`model '${model}' has not been built: ${target} does not exist`, {
        hint: `build it first: rocky run --model ${model}`,
      });
    const r = await adapter.query(`SELECT * FROM ${target} LIMIT ${limit}`);
    return { model, target, columns: r.columns.map((c) => ({ name: c.name, type: c.type })), rows: r.rows };
  } finally {
    await adapter.close().catch(() => {});
  }
}
