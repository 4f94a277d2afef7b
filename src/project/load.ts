import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import * as v from "valibot";
import type { LoadedConfig } from "../config/load.ts";
import { validateOrThrow } from "../config/load.ts";
import { parseToml } from "../config/toml.ts";
import { RockyError } from "../errors.ts";
import { addTestDependencies, TEST_ORIGIN } from "../testing/definitions.ts";
import { ContractSchema, normaliseContract } from "./contract.ts";
import { StrategySchema } from "./strategy.ts";
import { DIALECTS, type Dialect, type Model, type Project, type Strategy } from "./types.ts";

export { StrategySchema };

const names = v.array(v.pipe(v.string(), v.nonEmpty()));
// Tags are selector values (`tag:finance`): no spaces or commas, which separate selectors.
const tags = v.array(
  v.pipe(
    v.string(),
    v.regex(/^[^\s,:+@]+$/, "a tag is a non-empty word without spaces, commas, ':', '+' or '@'"),
  ),
);

export const TargetSchema = v.strictObject({
  catalog: v.optional(v.pipe(v.string(), v.nonEmpty())),
  schema: v.optional(v.pipe(v.string(), v.nonEmpty())),
  table: v.optional(v.pipe(v.string(), v.nonEmpty())),
});

// Kept raw here; compile checks each entry per type (src/testing/checks.ts) with file:line.
export const TestSchema = v.looseObject({ type: v.optional(v.unknown()), column: v.optional(v.unknown()) });

/** Mark each test of a TOML file with where it was written (compile diagnostics point there). */
function withOrigin<T extends object>(tests: T[] | undefined, file: string): T[] | undefined {
  return tests?.map((t, index) => ({ ...t, [TEST_ORIGIN]: { file, index } }));
}

export const SidecarSchema = v.strictObject({
  name: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a model name is letters, digits and _")),
  ),
  description: v.optional(v.string()),
  depends_on: v.optional(names),
  target: v.optional(TargetSchema),
  strategy: v.optional(StrategySchema),
  tests: v.optional(v.array(TestSchema)),
  /** The columns the model promises to output (SPEC §17). */
  contract: v.optional(ContractSchema),
  /** Selection tags (`--select tag:finance`), added to those of the `_defaults.toml` files above. */
  tags: v.optional(tags),
  /** The SQL dialect of this model, when it differs from its adapter's. */
  dialect: v.optional(v.picklist(DIALECTS)),
  /** The columns that identify one row (`branch compare`'s default key when there is no unique_key). */
  grain: v.optional(v.pipe(names, v.nonEmpty("grain lists at least one column"))),
  // Rocky 1.10 keys accepted for compatibility.
  intent: v.optional(v.string()),
  adapter: v.optional(v.string()),
  freshness: v.optional(v.unknown()),
  sources: v.optional(v.unknown()),
});

export const DefaultsSchema = v.strictObject({
  target: v.optional(v.strictObject({ catalog: v.optional(v.string()), schema: v.optional(v.string()) })),
  strategy: v.optional(StrategySchema),
  tests: v.optional(v.array(TestSchema)),
  /** Tags of every model in the folder and below (added up, as dbt's folder-level tags). */
  tags: v.optional(tags),
  intent: v.optional(v.string()),
  freshness: v.optional(v.unknown()),
});

type Defaults = v.InferOutput<typeof DefaultsSchema>;

/** Is `p` (a real path) `dir` itself or inside it? */
function isWithin(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * Every .sql file under `dir`, at any depth, in a stable order, and the set of every
 * .toml file seen on the way (so sidecars are found from the listing, not by one
 * `stat` per model). Hidden folders are skipped.
 *
 * Symlinks (to files or folders) are followed when their target stays inside the
 * project (or the models folder); one that leaves it, dangles or loops back into a
 * folder that contains it is refused, naming the link and its target.
 */
function listSqlFiles(dir: string, root: string): { sql: string[]; toml: Set<string> } {
  const out: string[] = [];
  const toml = new Set<string>();
  const allowed = [realpathSync(root), realpathSync(dir)];
  const show = (p: string) => relative(root, p) || p;
  /** `ancestors`: the real paths of the folders walked down to `d`, to catch cycles. */
  const walk = (d: string, ancestors: string[]) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isSymbolicLink()) {
        const followed = followLink(p);
        if (followed?.isDirectory) walkFolder(p, followed.real, ancestors);
        else if (followed && e.name.endsWith(".sql")) out.push(p);
        else if (followed) toml.add(p);
      } else if (e.isDirectory()) walk(p, [...ancestors, join(ancestors.at(-1)!, e.name)]);
      else if (e.isFile() && e.name.endsWith(".sql")) out.push(p);
      else if (e.name.endsWith(".toml")) toml.add(p);
    }
  };
  const walkFolder = (p: string, real: string, ancestors: string[]) => {
    if (ancestors.includes(real))
      throw new RockyError(
        `symlink cycle: '${show(p)}' leads back to '${show(real)}', a folder that contains it`,
        { hint: "remove the link, or point it at a folder outside its own path", code: "config_invalid" },
      );
    walk(p, [...ancestors, real]);
  };
  /** Where a link leads, checked; undefined for a link that cannot be a model, a sidecar or a folder. */
  const followLink = (p: string): { real: string; isDirectory: boolean } | undefined => {
    const mayMatter = /\.(sql|toml)$/.test(p) || !/\.[^/\\]+$/.test(basename(p));
    let real: string;
    try {
      real = realpathSync(p);
    } catch (e) {
      if (!mayMatter) return undefined;
      const loop = (e as NodeJS.ErrnoException).code === "ELOOP";
      throw new RockyError(
        `symlink '${show(p)}' points to '${readlinkSync(p)}', ${loop ? "a loop of symlinks" : "which does not exist"}`,
        { hint: "fix or remove the link", code: "config_invalid" },
      );
    }
    const isDirectory = statSync(real).isDirectory();
    if (!isDirectory && !/\.(sql|toml)$/.test(p)) return undefined;
    if (!allowed.some((a) => isWithin(real, a)))
      throw new RockyError(`symlink '${show(p)}' points outside the project, to '${real}'`, {
        hint: "rocky follows links only inside the project folder; copy the file or folder into the project instead",
        code: "config_invalid",
      });
    return { real, isDirectory };
  };
  walk(dir, [realpathSync(dir)]);
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
    if (own.tests) own.tests = withOrigin(own.tests, file);
  }
  const merged: Defaults = {
    ...parent,
    ...own,
    target: { ...parent.target, ...own.target },
    tests: [...(parent.tests ?? []), ...(own.tests ?? [])],
    tags: [...(parent.tags ?? []), ...(own.tags ?? [])],
  };
  cache.set(dir, merged);
  return merged;
}

/** The union of folder and model tags, in first-seen order; absent when there are none. */
function tagsOf(...lists: (string[] | undefined)[]): { tags?: string[] } {
  const all = [...new Set(lists.flatMap((l) => l ?? []))];
  return all.length > 0 ? { tags: all } : {};
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
  const listed = listSqlFiles(dir, config.root);
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
    if (sidecar.tests) sidecar.tests = withOrigin(sidecar.tests, sidecarPath);
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
      ...(sidecar.contract ? { contract: normaliseContract(sidecar.contract) } : {}),
      ...(sidecar.description ? { description: sidecar.description } : {}),
      ...tagsOf(defaults.tags, sidecar.tags),
      ...(sidecar.grain ? { grain: sidecar.grain } : {}),
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
  addTestDependencies(models);
  models.sort((a, b) => a.name.localeCompare(b.name));
  return models;
}

export async function loadProject(config: LoadedConfig): Promise<Project> {
  const models = await loadModels(config);
  return { config, models, byName: new Map(models.map((m) => [m.name, m])) };
}
