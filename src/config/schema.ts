import * as v from "valibot";
import { DURATION_HELP, parseDuration } from "./duration.ts";

/** A declared column of an external source: a bare name or `{ name, type }`. */
export const SourceColumnSchema = v.union([
  v.pipe(v.string(), v.nonEmpty("a column name must not be empty")),
  v.strictObject({
    name: v.pipe(v.string(), v.nonEmpty()),
    type: v.optional(v.string()),
    description: v.optional(v.string()),
  }),
]);

/** One adapter block. Adapter-specific keys are validated by the adapter plugin itself. */
export const AdapterConfigSchema = v.looseObject({
  type: v.pipe(v.string('expected a string such as "duckdb"'), v.nonEmpty()),
});
export type AdapterConfig = v.InferOutput<typeof AdapterConfigSchema> & Record<string, unknown>;

export const StateConfigSchema = v.strictObject({
  path: v.optional(v.string()),
  backend: v.optional(v.picklist(["local"], "only the local SQLite backend is supported")),
});

/** `[branch]`: the branch lifecycle (SPEC §18). */
export const BranchConfigSchema = v.strictObject({
  /** Default expiry of a new branch (`branch create --ttl` overrides it). */
  ttl: v.optional(
    v.pipe(
      v.string(),
      v.check((s) => parseDuration(s) !== undefined, `ttl must be ${DURATION_HELP}`),
    ),
  ),
  /** How many promotes keep the production tables they replaced (for `branch rollback`). */
  keep_promotions: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  /**
   * `branch promote` refuses when a promoted table has more than this % of its production
   * rows added, removed or changed (as `branch compare` counts them); `--max-changed-pct` overrides.
   */
  promote_max_changed_pct: v.optional(v.pipe(v.number(), v.minValue(0))),
});

/** `[openlineage]`: where `rocky run` sends OpenLineage events by default (`--openlineage` overrides it). */
export const OpenLineageConfigSchema = v.strictObject({
  /** An http(s) endpoint that receives each event as a JSON POST, e.g. Marquez's `/api/v1/lineage`. */
  url: v.optional(v.pipe(v.string(), v.regex(/^https?:\/\//, "url must start with http:// or https://"))),
  /** A file (relative to rocky.toml) that receives one event per line (NDJSON). */
  file: v.optional(v.pipe(v.string(), v.nonEmpty())),
});

export const ProjectSectionSchema = v.strictObject({
  name: v.optional(v.string()),
  models: v.optional(v.string()),
  description: v.optional(v.string()),
  /** Every table a model reads must be a model or a declared `[sources]` entry (else a compile error). */
  strict_sources: v.optional(v.boolean("expected true or false")),
});

export const RockyTomlSchema = v.strictObject({
  project: v.optional(ProjectSectionSchema),
  /** Bare `[adapter]` with `type` is the "default" adapter; otherwise `[adapter.<name>]` tables. */
  adapter: v.optional(v.record(v.string(), v.unknown())),
  state: v.optional(StateConfigSchema),
  branch: v.optional(BranchConfigSchema),
  openlineage: v.optional(OpenLineageConfigSchema),
  /** Any dotted path under [sources] with `columns` is a source (checked in load.ts). */
  sources: v.optional(v.record(v.string(), v.unknown())),
  /** Rocky 1.10 pipelines: accepted; transformation pipelines may name the models folder. */
  pipeline: v.optional(v.record(v.string(), v.unknown())),
  // Rocky 1.10 sections we accept and ignore so existing projects load.
  hook: v.optional(v.unknown()),
  cost: v.optional(v.unknown()),
  retry: v.optional(v.unknown()),
  schema_evolution: v.optional(v.unknown()),
  portability: v.optional(v.unknown()),
});
export type RockyToml = v.InferOutput<typeof RockyTomlSchema>;
