/** Output schemas of `rocky compile`, `rocky lineage` and `rocky dag` (Rocky 1.10 shapes plus added fields). */
import * as v from "valibot";
import { DiagnosticSchema, LineageEdgeSchema, TargetSchema, envelopeFields } from "../common.ts";

export const StrategyOutput = v.variant("type", [
  v.object({ type: v.literal("full_refresh") }),
  v.object({ type: v.literal("view") }),
  v.object({ type: v.literal("incremental"), timestamp_column: v.string() }),
  v.object({
    type: v.literal("merge"),
    unique_key: v.array(v.string()),
    update_columns: v.optional(v.array(v.string())),
  }),
  v.object({ type: v.literal("delete_insert"), partition_by: v.array(v.string()) }),
]);

export const CompileModelDetail = v.object({
  name: v.string(),
  strategy: StrategyOutput,
  target: TargetSchema,
  /** Models this one reads: SQL references merged with the sidecar's depends_on. */
  depends_on: v.array(v.string()),
  /** Execution layer (0 = reads no model). */
  layer: v.number(),
  file: v.string(),
  /** Selection tags (`--select tag:NAME`): the sidecar's and its folders' `_defaults.toml` ones. */
  tags: v.array(v.string()),
  /** Output columns in order; null when the model could not be analysed (see `unavailable`). */
  columns: v.nullable(v.array(v.string())),
  unavailable: v.optional(v.string()),
  /** External tables the model reads, as named in the graph (`raw.orders`). */
  sources: v.array(v.string()),
  sql_hash: v.string(),
});

export const CompileOutput = v.object({
  ...envelopeFields,
  models: v.number(),
  execution_layers: v.number(),
  diagnostics: v.array(DiagnosticSchema),
  has_errors: v.boolean(),
  compile_timings: v.object({
    project_load_ms: v.number(),
    semantic_graph_ms: v.number(),
    typecheck_ms: v.number(),
    typecheck_join_keys_ms: v.number(),
    contracts_ms: v.number(),
    total_ms: v.number(),
    parse_ms: v.number(),
    analysis_ms: v.number(),
  }),
  models_detail: v.array(CompileModelDetail),
  /** Model names per execution layer. */
  layers: v.array(v.array(v.string())),
  /** Column-level graph size. */
  lineage: v.object({ nodes: v.number(), edges: v.number() }),
  /** Models answered from the analysis cache vs parsed. */
  cache: v.object({ hits: v.number(), misses: v.number() }),
});

const Unavailable = {
  /** Present when the model's columns could not be analysed: lineage is unknown, not empty. */
  unavailable: v.optional(v.string()),
};

/** The clause through which an indirect edge's source decides the target's rows (SPEC §15). */
export const IndirectViaSchema = v.picklist([
  "where",
  "join",
  "group_by",
  "having",
  "qualify",
  "window_partition",
  "window_order",
  "order_limit",
  "distinct",
]);

/** With `--indirect`: every edge says its kind; an indirect one its clause (its transform is `indirect`). */
const KindedEdgeSchema = v.object({
  ...LineageEdgeSchema.entries,
  kind: v.optional(v.picklist(["value", "indirect"])),
  via: v.optional(IndirectViaSchema),
});

export const LineageOutput = v.object({
  ...envelopeFields,
  model: v.string(),
  /** `model`, or `source` for an external table such as `raw.orders`. */
  kind: v.picklist(["model", "source"]),
  columns: v.array(v.object({ name: v.string() })),
  /** Models (and external tables) read directly, and models reading this one directly. */
  upstream: v.array(v.string()),
  downstream: v.array(v.string()),
  edges: v.array(LineageEdgeSchema),
  /**
   * With `--indirect` (SPEC §15): the columns that decide which rows the model has or how
   * they are grouped and ordered, each with the clause (`via`) that reads it.
   */
  indirect: v.optional(
    v.array(
      v.object({
        source: v.object({ model: v.string(), column: v.string() }),
        via: IndirectViaSchema,
        /** The output columns it affects (all of them for a WHERE, JOIN, …; a window's own column). */
        outputs: v.array(v.string()),
      }),
    ),
  ),
  ...Unavailable,
});

export const ColumnLineageOutput = v.object({
  ...envelopeFields,
  model: v.string(),
  column: v.string(),
  direction: v.picklist(["upstream", "downstream"]),
  /** Breadth-first: by depth, then graph order; each edge once. */
  trace: v.array(v.object({ ...KindedEdgeSchema.entries, depth: v.number() })),
  /**
   * `--downstream --indirect`: each column reached once, at its smallest depth, with the
   * kind that reached it (`value` if some path of value edges does, else `indirect`).
   */
  reached: v.optional(
    v.array(
      v.object({
        model: v.string(),
        column: v.string(),
        depth: v.number(),
        kind: v.picklist(["value", "indirect"]),
      }),
    ),
  ),
  ...Unavailable,
});

/** `rocky lineage --select …`: the subgraph of the selected models. */
export const LineageSelectionOutput = v.object({
  ...envelopeFields,
  /** The selected models, in DAG order. */
  selected: v.array(v.string()),
  models: v.array(
    v.object({
      name: v.string(),
      columns: v.array(v.string()),
      /** Selected models and external sources this one reads. */
      reads: v.array(v.string()),
      ...Unavailable,
    }),
  ),
  /** Edges into the selected models, from each other and from external sources (with `--indirect`, of both kinds). */
  edges: v.array(KindedEdgeSchema),
});

export const DagOutput = v.object({
  ...envelopeFields,
  nodes: v.array(
    v.object({
      id: v.string(),
      kind: v.picklist(["transformation", "test"]),
      label: v.string(),
      target: v.optional(TargetSchema),
      strategy: v.optional(StrategyOutput),
      depends_on: v.array(v.string()),
      layer: v.number(),
    }),
  ),
  edges: v.array(v.object({ from: v.string(), to: v.string(), edge_type: v.picklist(["data", "check"]) })),
  execution_layers: v.array(v.array(v.string())),
  summary: v.object({
    total_nodes: v.number(),
    total_edges: v.number(),
    execution_layers: v.number(),
    counts_by_kind: v.record(v.string(), v.number()),
  }),
  column_lineage: v.optional(v.array(LineageEdgeSchema)),
  /** External tables read by the models, with the models reading each. */
  sources: v.array(v.object({ name: v.string(), read_by: v.array(v.string()) })),
});

export const schemas = {
  compile: CompileOutput,
  lineage: LineageOutput,
  column_lineage: ColumnLineageOutput,
  lineage_selection: LineageSelectionOutput,
  dag: DagOutput,
};
