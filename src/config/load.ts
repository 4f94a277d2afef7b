import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as v from "valibot";
import { closeMatches, RockyError } from "../errors.ts";
import { deferToAdapters } from "./deferred-env.ts";
import { parseDuration } from "./duration.ts";
import { expandEnvLazily, type UnsetVariable, unsetVariableError } from "./env.ts";
import { explainIssue } from "./explain.ts";
import { resolveStatePath } from "./locate.ts";
import { type AdapterConfig, AdapterConfigSchema, RockyTomlSchema, SourceColumnSchema } from "./schema.ts";
import { parseToml } from "./toml.ts";

export interface SourceColumn {
  name: string;
  type?: string;
}

/** An external table with declared columns: `[sources.raw.orders] columns = [...]`. */
export interface SourceDecl {
  /** Dotted name as referenced in SQL: `raw.orders` or `cat.raw.orders`. */
  name: string;
  columns: SourceColumn[];
}

export interface LoadedConfig {
  /** Absolute path of rocky.toml. */
  file: string;
  /** Folder holding rocky.toml; every relative path in the project is relative to it. */
  root: string;
  projectName: string;
  modelsDir: string;
  adapters: Map<string, AdapterConfig>;
  sources: Map<string, SourceDecl>;
  /** `[project] strict_sources`: an undeclared external table is a compile error. */
  strictSources?: boolean;
  statePath: string;
  /** SHA-256 of the expanded config text, recorded with each run. */
  hash: string;
  /** Unset `${VAR}`s of each adapter block, demanded only by commands that connect (checkAdapterEnv). */
  unsetEnv?: Map<string, UnsetVariable[]>;
  /** `[branch]`: default ttl of new branches (text and ms) and how many promotes keep backups. */
  branch: { ttl?: string; ttlMs?: number; keepPromotions: number; promoteMaxChangedPct?: number };
  /** `[openlineage]`: the default destination of `rocky run`'s events (a URL, or an absolute file path). */
  openlineage?: string;
}

/** Before connecting with adapter block `name`: every variable it references must be set. */
export function checkAdapterEnv(config: LoadedConfig, name: string, neededFor: string): void {
  const v = config.unsetEnv?.get(name)?.[0];
  if (v) throw unsetVariableError(v, config.file, neededFor);
}

export { findConfig } from "./locate.ts";

export function validateOrThrow<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  file: string,
  prefix: string[] = [],
): v.InferOutput<S> {
  const r = v.safeParse(schema, input);
  if (r.success) return r.output;
  const all = r.issues.map((i) => explainIssue(file, i, schema, prefix));
  // `timestamp_col` is reported once, as the typo of the missing `timestamp_column`.
  const covered = new Set(all.map((e) => e.covers));
  const explained = all.filter((e) => e.unknown === undefined || !covered.has(e.unknown)).slice(0, 5);
  const hint = explained.find((e) => e.hint !== undefined)?.hint;
  throw new RockyError(explained.map((e) => e.line).join("\n"), {
    code: "config_invalid",
    ...(hint !== undefined ? { hint } : {}),
  });
}

/** Flatten `[adapter]` (one, named "default") or `[adapter.<name>]` tables. */
function normaliseAdapters(
  raw: Record<string, unknown> | undefined,
  file: string,
): Map<string, AdapterConfig> {
  const out = new Map<string, AdapterConfig>();
  if (!raw) return out;
  if ("type" in raw) {
    out.set("default", validateOrThrow(AdapterConfigSchema, raw, file, ["adapter"]) as AdapterConfig);
    return out;
  }
  // Keys that are not tables: a bare [adapter] without `type` (say `typ = "duckdb"`).
  const plainKeys = Object.entries(raw).filter(([, b]) => !b || typeof b !== "object" || Array.isArray(b));
  if (plainKeys.length > 0) {
    const typo = closeMatches(
      "type",
      plainKeys.map(([k]) => k),
      1,
    )[0];
    throw new RockyError(
      `${file}: [adapter] has no 'type' key${typo !== undefined ? ` (did you mean 'type' instead of '${typo}'?)` : ""}`,
      {
        code: "config_invalid",
        hint: 'name the warehouse, e.g.:\n[adapter]\ntype = "duckdb"\npath = "warehouse.duckdb"',
      },
    );
  }
  for (const [name, block] of Object.entries(raw)) {
    if (!block || typeof block !== "object" || Array.isArray(block)) {
      throw new RockyError(
        `${file}: adapter.${name}: expected a table such as [adapter.${name}] with a 'type' key`,
      );
    }
    out.set(name, validateOrThrow(AdapterConfigSchema, block, file, ["adapter", name]) as AdapterConfig);
  }
  return out;
}

/** Any table under [sources] holding `columns` is a source; its dotted path is its name. */
function collectSources(raw: Record<string, unknown> | undefined, file: string): Map<string, SourceDecl> {
  const out = new Map<string, SourceDecl>();
  const walk = (node: Record<string, unknown>, path: string[]) => {
    if ("columns" in node) {
      const cols = validateOrThrow(v.array(SourceColumnSchema), node.columns, file, [
        "sources",
        ...path,
        "columns",
      ]);
      const name = path.join(".");
      if (path.length < 1 || path.length > 3) {
        throw new RockyError(
          `${file}: sources.${name}: a source is 'table', 'schema.table' or 'catalog.schema.table'`,
        );
      }
      out.set(name, {
        name,
        columns: cols.map((c) =>
          typeof c === "string" ? { name: c } : { name: c.name, ...(c.type ? { type: c.type } : {}) },
        ),
      });
      return;
    }
    for (const [k, child] of Object.entries(node)) {
      if (child && typeof child === "object" && !Array.isArray(child))
        walk(child as Record<string, unknown>, [...path, k]);
      else
        throw new RockyError(`${file}: sources.${[...path, k].join(".")}: expected a table with 'columns'`);
    }
  };
  if (raw) walk(raw, []);
  return out;
}

/** Load, expand and validate rocky.toml. */
export async function loadConfig(configFile: string, statePathOverride?: string): Promise<LoadedConfig> {
  const file = resolve(configFile);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new RockyError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const { text: expanded, unset } = expandEnvLazily(text);
  let parsed: unknown;
  try {
    parsed = await parseToml(expanded, file);
  } catch (e) {
    // `threads = ${T}` unexpanded is not TOML: the missing variable is the real problem.
    if (unset[0]) throw unsetVariableError(unset[0], file);
    throw e;
  }
  const unsetEnv = deferToAdapters(parsed, unset, file);
  const toml = validateOrThrow(RockyTomlSchema, parsed, file);
  const root = dirname(file);
  const adapters = normaliseAdapters(toml.adapter as Record<string, unknown> | undefined, file);
  const sources = collectSources(toml.sources as Record<string, unknown> | undefined, file);
  const statePath = resolveStatePath(root, toml.state?.path, statePathOverride);
  const modelsDir = join(root, toml.project?.models ?? "models");
  const ol = toml.openlineage;
  if (ol && (ol.url === undefined) === (ol.file === undefined))
    throw new RockyError(`${file}: [openlineage] needs exactly one of url or file`, {
      hint: 'write url = "http://localhost:5000/api/v1/lineage" or file = "lineage.ndjson"',
    });
  const hash = new Bun.CryptoHasher("sha256").update(expanded).digest("hex");
  return {
    file,
    root,
    projectName: toml.project?.name ?? root.split(/[\\/]/).pop() ?? "rocky",
    modelsDir,
    adapters,
    sources,
    ...(toml.project?.strict_sources !== undefined ? { strictSources: toml.project.strict_sources } : {}),
    statePath,
    hash,
    ...(unsetEnv.size > 0 ? { unsetEnv } : {}),
    ...(toml.openlineage
      ? { openlineage: toml.openlineage.url ?? resolve(root, toml.openlineage.file ?? "") }
      : {}),
    branch: {
      ...(toml.branch?.ttl === undefined
        ? {}
        : { ttl: toml.branch.ttl, ttlMs: parseDuration(toml.branch.ttl)! }),
      keepPromotions: toml.branch?.keep_promotions ?? 3,
      ...(toml.branch?.promote_max_changed_pct === undefined
        ? {}
        : { promoteMaxChangedPct: toml.branch.promote_max_changed_pct }),
    },
  };
}
