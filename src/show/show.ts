/** `rocky show MODEL`: the first rows of the model's built table, read through its adapter. */
import { createAdapter } from "../adapter/loader.ts";
import { checkAdapterEnv, type LoadedConfig } from "../config/load.ts";
import { defaultLocation, resolvedTarget } from "../compile/location.ts";
import { RockyError, didYouMean } from "../errors.ts";
import { loadProject } from "../project/load.ts";
import type { Model, Project } from "../project/types.ts";
import { compileProject } from "../compile/compile.ts";
import { compileErrorsFailure } from "../compile/failure.ts";
import type { ResolvedRef } from "../compile/types.ts";
import { selectBody } from "../run/engine.ts";
import { rewriteRefs } from "../run/rewrite.ts";
import type { Adapter, TableRef } from "../adapter/types.ts";
import { BranchIsolation } from "../branch/isolation.ts";
import { getBranch } from "../state/branches.ts";
import { openState } from "../state/store.ts";

export interface ShowResult {
  model: string;
  target: string;
  /** "table": rows of the built table; "query": the model's SELECT run now (`--sql`). */
  from: "table" | "query";
  /** Whether the model's table exists (with `--sql` the query runs either way). */
  built: boolean;
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

/**
 * The table a model's rows are read from: production, or with `branch` the branch's own
 * copy (never production in its place: rows shown for a branch must be the branch's).
 */
async function tableOf(
  config: LoadedConfig,
  adapter: Adapter,
  m: Model,
  branch: string | undefined,
): Promise<TableRef> {
  if (branch === undefined) {
    const t = resolvedTarget(m, defaultLocation(config));
    return { ...(t.catalog ? { catalog: t.catalog } : {}), schema: t.schema, table: t.table };
  }
  const store = openState(config.statePath);
  try {
    const rec = getBranch(store, branch);
    if (!rec)
      throw new RockyError(`branch '${branch}' not found`, {
        hint: "'rocky branch list' lists the branches",
        code: "not_found",
      });
    const read = await new BranchIsolation(store, adapter, rec).readTargetFor(m, false);
    if (read.from !== "isolated")
      throw new RockyError(`branch '${branch}' has no copy of model '${m.name}'`, {
        hint: `build it in the branch: rocky run --branch ${branch} --model ${m.name} (or drop --branch to see production)`,
      });
    return read.ref;
  } finally {
    store.close();
  }
}

/**
 * The model's compiled SELECT, every table it reads named as production's: upstream
 * models' built tables (each must exist) and sources as written.
 */
async function adHocSelect(
  config: LoadedConfig,
  adapter: Adapter,
  project: Project,
  m: Model,
): Promise<string> {
  const compiled = await compileProject(project);
  const errors = compiled.diagnostics.filter((d) => d.severity === "Error" && d.model === m.name);
  if (errors.length > 0) throw compileErrorsFailure(errors, "no SQL was run", "show it again");
  const refs = compiled.models.get(m.name)?.refs ?? [];
  const replacement = new Map<ResolvedRef, string>();
  for (const ref of refs) {
    const up = ref.model !== undefined ? project.byName.get(ref.model) : undefined;
    if (!up) continue;
    const t = resolvedTarget(up, defaultLocation(config));
    const tref = { ...(t.catalog ? { catalog: t.catalog } : {}), schema: t.schema, table: t.table };
    const text = adapter.dialect.qualify(tref);
    if (!replacement.has(ref) && !(await adapter.tableExists(tref)))
      throw new RockyError(
        `model '${m.name}' reads model '${up.name}', which has not been built: ${text} does not exist`,
        {
          hint: `build its upstream first: rocky run --select +${up.name}`,
        },
      );
    replacement.set(ref, text);
  }
  return selectBody(rewriteRefs(m.sql, refs, (r) => replacement.get(r)));
}

export async function showModel(
  config: LoadedConfig,
  model: string,
  limit: number,
  branch?: string,
  adHoc = false,
): Promise<ShowResult> {
  const project = await loadProject(config);
  const m = project.byName.get(model);
  if (!m) {
    const guess = didYouMean(model, project.byName.keys());
    throw new RockyError(`no model named '${model}'`, {
      hint: guess ?? "'rocky dag' lists the models",
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
    const ref = await tableOf(config, adapter, m, branch);
    const target = adapter.dialect.qualify(ref);
    const built = await adapter.tableExists(ref);
    if (!built && !adHoc)
      throw new RockyError(`model '${model}' has not been built: ${target} does not exist`, {
        hint: `build it first: rocky run --model ${model}; or run its query now: rocky show ${model} --sql`,
      });
    const sql = adHoc
      ? `SELECT * FROM (\n${await adHocSelect(config, adapter, project, m)}\n) AS rocky_show LIMIT ${limit}`
      : `SELECT * FROM ${target} LIMIT ${limit}`;
    const r = await adapter.query(sql);
    return {
      model,
      target,
      from: adHoc ? "query" : "table",
      built,
      columns: r.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: r.rows,
    };
  } finally {
    await adapter.close().catch(() => {});
  }
}
