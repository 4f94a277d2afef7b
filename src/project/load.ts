import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import * as v from "valibot";
import type { LoadedConfig } from "../config/load.ts";
import { validateOrThrow } from "../config/load.ts";
import { parseToml } from "../config/toml.ts";
import { RockyError } from "../errors.ts";
import { DIALECTS, type Dialect, type Model, type Project, type Strategy } from "./types.ts";

const names = v.array(v.pipe(v.string(), v.nonEmpty()));

export const StrategySchema = v.variant("type", [
  v.strictObject({ type: v.literal("full_refresh") }),
  v.strictObject({ type: v.literal("view") }),
  v.strictObject({ type: v.literal("incremental"), timestamp_column: v.pipe(v.string(), v.nonEmpty()) }),
  v.strictObject({
    type: v.literal("merge"),
    unique_key: v.pipe(names, v.minLength(1, "unique_key needs at least one column")),
    update_columns: v.optional(names),
  }),
  v.strictObject({
    type: v.literal("delete_insert"),
    partition_by: v.pipe(names, v.minLength(1, "partition_by needs at least one column")),
  }),
]);

const TargetSchema = v.strictObject({
  catalog: v.optional(v.pipe(v.string(), v.nonEmpty())),
  schema: v.optional(v.pipe(v.string(), v.nonEmpty())),
  table: v.optional(v.pipe(v.string(), v.nonEmpty())),
});

const TestSchema = v.looseObject({
  type: v.pipe(v.string(), v.nonEmpty()),
  column: v.optional(v.string()),
  severity: v.optional(v.picklist(["error", "warning"]), "error"),
});

const SidecarSchema = v.strictObject({
  name: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a model name is letters, digits and _")),
  ),
  description: v.optional(v.string()),
  depends_on: v.optional(names),
  target: v.optional(TargetSchema),
  strategy: v.optional(StrategySchema),
  tests: v.optional(v.array(TestSchema)),
  /** The SQL dialect of this model, when it differs from its adapter's. */
  dialect: v.optional(v.picklist(DIALECTS)),
  // Rocky 1.10 keys accepted for compatibility.
  intent: v.optional(v.string()),
  adapter: v.optional(v.string()),
  freshness: v.optional(v.unknown()),
  sources: v.optional(v.unknown()),
});

const DefaultsSchema = v.strictObject({
  target: v.optional(v.strictObject({ catalog: v.optional(v.string()), schema: v.optional(v.string()) })),
  strategy: v.optional(StrategySchema),
  tests: v.optional(v.array(TestSchema)),
  intent: v.optional(v.string()),
  freshness: v.optional(v.unknown()),
});

type Defaults = v.InferOutput<typeof DefaultsSchema>;

/**
 * Every .sql file under `dir`, at any depth, in a stable order, and the set of every
 * .toml file seen on the way (so sidecars are found from the listing, not by one
 * `stat` per model). Hidden folders are skipped.
 */
function listSqlFiles(dir: string): { sql: string[]; toml: Set<string> } {
  const out: string[] = [];
  const toml = new Set<string>();
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith(".sql")) out.push(p);
      else if (e.name.endsWith(".toml")) toml.add(p);
    }
  };
  walk(dir);
  return { sql: out, toml };
}

async function readToml(file: string): Promise<Record<string, unknown>> {
  return parseToml(readFileSync(file, "utf8"), file);
}

/** `_defaults.toml` files apply to their folder and everything below; the nearest one wins per key. */
async function defaultsFor(dir: string, root: string, cache: Map<string, Defaults>): Promise<Defaults> {
  const hit = cache.get(dir);
  if (hit) return hit;
  const parent = dir === root || dirname(dir) === dir ? {} : await defaultsFor(dirname(dir), root, cache);
  let own: Defaults = {};
  const file = join(dir, "_defaults.toml");
  let exists = false;
  try {
    exists = statSync(file).isFile();
  } catch {}
  if (exists) {
    const raw = await readToml(file);
    for (const k of ["name", "depends_on", "sources"]) {
      if (k in raw) throw new RockyError(`${file}: _defaults.toml must not declare per-model field '${k}'`);
    }
    own = validateOrThrow(DefaultsSchema, raw, file);
  }
  const merged: Defaults = {
    ...parent,
    ...own,
    target: { ...parent.target, ...own.target },
    tests: [...(parent.tests ?? []), ...(own.tests ?? [])],
  };
  cache.set(dir, merged);
  return merged;
}

export async function loadModels(config: LoadedConfig): Promise<Model[]> {
  const dir = config.modelsDir;
  try {
    if (!statSync(dir).isDirectory()) throw new Error();
  } catch {
    throw new RockyError(`models folder '${relative(process.cwd(), dir) || dir}' does not exist`, {
      hint: 'create it and add <name>.sql files, or set [project] models = "..." in rocky.toml',
    });
  }
  const defaultsCache = new Map<string, Defaults>();
  const models: Model[] = [];
  const adapterDialect = (name: string | undefined): Dialect | undefined => {
    const type = config.adapters.get(name ?? "default")?.type;
    return (DIALECTS as readonly string[]).includes(type ?? "") ? (type as Dialect) : undefined;
  };
  const projectDialect = adapterDialect(undefined) ?? adapterDialect([...config.adapters.keys()][0]);
  const listed = listSqlFiles(dir);
  for (const file of listed.sql) {
    const stem = basename(file, ".sql");
    const sidecarPath = join(dirname(file), `${stem}.toml`);
    let sidecar: v.InferOutput<typeof SidecarSchema> = {};
    let hasSidecar = false;
    // Only a listed name can be a sidecar; stat it still, as before, for what the listing
    // does not say (a symlink to a file, which is not `isFile()` in the listing).
    if (listed.toml.has(sidecarPath)) {
      try {
        hasSidecar = statSync(sidecarPath).isFile();
      } catch {}
    }
    if (hasSidecar) sidecar = validateOrThrow(SidecarSchema, await readToml(sidecarPath), sidecarPath);
    const defaults = await defaultsFor(dirname(file), dir, defaultsCache);
    const name = sidecar.name ?? stem;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new RockyError(`model file '${relative(config.root, file)}' gives the model name '${name}'`, {
        hint: 'a model name is letters, digits and _ (rename the file or set name = "..." in its .toml sidecar)',
      });
    }
    const sql = readFileSync(file, "utf8").replace(/\s+$/, "");
    const catalog = sidecar.target?.catalog ?? defaults.target?.catalog;
    const schema = sidecar.target?.schema ?? defaults.target?.schema;
    const strategy: Strategy = (sidecar.strategy ??
      defaults.strategy ?? { type: "full_refresh" }) as Strategy;
    models.push({
      name,
      file,
      relPath: relative(config.root, file),
      sql,
      target: {
        ...(catalog ? { catalog } : {}),
        ...(schema ? { schema } : {}),
        table: sidecar.target?.table ?? name,
      },
      strategy,
      dependsOn: sidecar.depends_on ?? [],
      tests: [...(defaults.tests ?? []), ...(sidecar.tests ?? [])] as Model["tests"],
      ...(sidecar.description ? { description: sidecar.description } : {}),
      ...(hasSidecar ? { sidecar: sidecarPath } : {}),
    });
    const dialect = sidecar.dialect ?? adapterDialect(sidecar.adapter) ?? projectDialect;
    if (dialect !== undefined && dialect !== "duckdb") models[models.length - 1]!.dialect = dialect;
  }
  const seen = new Map<string, Model>();
  for (const m of models) {
    const other = seen.get(m.name.toLowerCase());
    if (other) {
      throw new RockyError(`two models are named '${m.name}': ${other.relPath} and ${m.relPath}`, {
        hint: 'model names are case-insensitive in SQL; rename one file or set name = "..." in its sidecar',
      });
    }
    seen.set(m.name.toLowerCase(), m);
  }
  models.sort((a, b) => a.name.localeCompare(b.name));
  return models;
}

export async function loadProject(config: LoadedConfig): Promise<Project> {
  const models = await loadModels(config);
  return { config, models, byName: new Map(models.map((m) => [m.name, m])) };
}
