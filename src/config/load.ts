import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import * as v from "valibot";
import { parseDuration } from "./duration.ts";
import { RockyError } from "../errors.ts";
import { expandEnv } from "./env.ts";
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
  statePath: string;
  /** SHA-256 of the expanded config text, recorded with each run. */
  hash: string;
  /** `[branch]`: default ttl of new branches (text and ms) and how many promotes keep backups. */
  branch: { ttl?: string; ttlMs?: number; keepPromotions: number };
}

export { findConfig } from "./locate.ts";

function issuePath(issue: v.BaseIssue<unknown>, prefix: string[] = []): string {
  const dot = v.getDotPath(issue);
  return [...prefix, ...(dot ? [dot] : [])].join(".") || "(top level)";
}

function describeIssue(file: string, issue: v.BaseIssue<unknown>, prefix: string[] = []): string {
  const path = issuePath(issue, prefix);
  if (issue.kind === "schema" && issue.type === "strict_object" && issue.input !== undefined) {
    const key = issue.path?.at(-1)?.key;
    return `${file}: unknown key '${String(key ?? path)}' at ${path}`;
  }
  const got = issue.received && issue.received !== "undefined" ? ` (got ${issue.received})` : "";
  return `${file}: ${path}: ${issue.message}${got}`;
}

export function validateOrThrow<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  file: string,
  prefix: string[] = [],
): v.InferOutput<S> {
  const r = v.safeParse(schema, input);
  if (r.success) return r.output;
  const lines = r.issues.slice(0, 5).map((i) => describeIssue(file, i, prefix));
  throw new RockyError(lines.join("\n"), { code: "config_invalid" });
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
  const expanded = expandEnv(text, file);
  const parsed = await parseToml(expanded, file);
  const toml = validateOrThrow(RockyTomlSchema, parsed, file);
  const root = dirname(file);
  const adapters = normaliseAdapters(toml.adapter as Record<string, unknown> | undefined, file);
  const sources = collectSources(toml.sources as Record<string, unknown> | undefined, file);
  const statePath = resolveStatePath(root, toml.state?.path, statePathOverride);
  const modelsDir = join(root, toml.project?.models ?? "models");
  const hash = new Bun.CryptoHasher("sha256").update(expanded).digest("hex");
  return {
    file,
    root,
    projectName: toml.project?.name ?? root.split(/[\\/]/).pop() ?? "rocky",
    modelsDir,
    adapters,
    sources,
    statePath,
    hash,
    branch: {
      ...(toml.branch?.ttl === undefined
        ? {}
        : { ttl: toml.branch.ttl, ttlMs: parseDuration(toml.branch.ttl)! }),
      keepPromotions: toml.branch?.keep_promotions ?? 3,
    },
  };
}
