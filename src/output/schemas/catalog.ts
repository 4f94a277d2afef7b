import * as v from "valibot";
import { LineageEdgeSchema, envelopeFields } from "../common.ts";
import { IndirectViaSchema } from "./compile.ts";

/** `rocky catalog`: every model and external source, their columns, and the column edges. */
export const CatalogOutput = v.object({
  ...envelopeFields,
  project: v.string(),
  summary: v.object({ models: v.number(), sources: v.number(), columns: v.number(), edges: v.number() }),
  assets: v.array(
    v.object({
      name: v.string(),
      kind: v.picklist(["model", "source"]),
      /** The model's .sql file, relative to the project; null for sources. */
      file: v.nullable(v.string()),
      description: v.nullable(v.string()),
      target: v.nullable(v.object({ catalog: v.string(), schema: v.string(), table: v.string() })),
      strategy: v.nullable(v.string()),
      tests: v.array(v.object({ type: v.string(), column: v.nullable(v.string()) })),
      /** Why the model's columns are unknown (parse error, unexpandable `*`). */
      columns_unavailable: v.nullable(v.string()),
      /** `type` is set where declared ([sources] columns), null otherwise. */
      columns: v.array(v.object({ name: v.string(), type: v.nullable(v.string()) })),
      upstream: v.array(v.string()),
      downstream: v.array(v.string()),
    }),
  ),
  edges: v.array(LineageEdgeSchema),
  /**
   * Indirect edges (SPEC §15): the source column decides which rows the target's model has,
   * or how they are grouped or ordered, through the clause `via`.
   */
  indirect_edges: v.array(
    v.object({
      source: v.object({ model: v.string(), column: v.string() }),
      target: v.object({ model: v.string(), column: v.string() }),
      via: IndirectViaSchema,
    }),
  ),
});

/** `rocky docs`: where the site was written. */
export const DocsOutput = v.object({
  ...envelopeFields,
  file: v.string(),
  models: v.number(),
  sources: v.number(),
  /** With --serve: where the site is served. */
  url: v.optional(v.string()),
});

/** `rocky show`: the first rows of a model's table (64-bit integers beyond 2^53 as strings). */
export const ShowOutput = v.object({
  ...envelopeFields,
  model: v.string(),
  target: v.string(),
  /** "table": rows read from the built table; "query": the model's SELECT run now (--sql). */
  from: v.picklist(["table", "query"]),
  /** Whether the model's table exists. */
  built: v.boolean(),
  columns: v.array(v.object({ name: v.string(), type: v.string() })),
  rows: v.array(v.array(v.unknown())),
});

/** `rocky seed`: each CSV of seeds/ loaded as a table, and the run that recorded it. */
export const SeedOutput = v.object({
  ...envelopeFields,
  run_id: v.string(),
  seeds: v.array(
    v.object({
      name: v.string(),
      /** The CSV, relative to the project. */
      file: v.string(),
      table: v.string(),
      rows: v.number(),
      columns: v.array(v.object({ name: v.string(), type: v.string() })),
      duration_ms: v.number(),
    }),
  ),
});

export const schemas = { catalog: CatalogOutput, docs: DocsOutput, show: ShowOutput, seed: SeedOutput };
