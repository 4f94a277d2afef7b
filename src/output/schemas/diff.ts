/**
 * Output schema of `rocky diff -o json`. A superset of Rocky 1.10's `ci_diff` payload
 * (base_ref, head_ref, markdown, models[].model_name/status/column_changes, summary),
 * with the column-level detail, classification and blast radius added.
 */
import * as v from "valibot";
import { envelopeFields } from "../common.ts";

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Classification = v.picklist(["breaking", "non-breaking", "cosmetic"]);

export const ImpactedColumnSchema = v.object({
  model: v.string(),
  column: v.string(),
  /** 1: reads the changed column directly; 2: reads a column that does; … */
  depth: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** The kind of lineage edge that reached it. */
  via: v.picklist(["value", "indirect"]),
});

export const ColumnChangeSchema = v.object({
  column: v.string(),
  kinds: v.array(
    v.picklist([
      "added",
      "removed",
      "renamed",
      "type_changed",
      "expression_changed",
      "rows_changed",
      "sources_changed",
    ]),
  ),
  renamed_from: v.optional(v.string()),
  old_type: v.optional(v.nullable(v.string())),
  new_type: v.optional(v.nullable(v.string())),
  old_sources: v.optional(v.array(v.string())),
  new_sources: v.optional(v.array(v.string())),
  classification: Classification,
  reason: v.string(),
  downstream: v.array(ImpactedColumnSchema),
});

export const ModelDiffSchema = v.object({
  model_name: v.string(),
  status: v.picklist(["added", "removed", "modified"]),
  classification: Classification,
  changes: v.array(v.picklist(["sql", "sidecar", "strategy", "target", "columns"])),
  file: v.nullable(v.string()),
  /** Rocky 1.10 ci_diff entries (a rename is a removal plus an addition there). */
  column_changes: v.array(
    v.object({
      change_type: v.picklist(["added", "removed", "type_changed"]),
      column_name: v.string(),
      old_type: v.nullable(v.string()),
      new_type: v.nullable(v.string()),
    }),
  ),
  columns: v.array(ColumnChangeSchema),
  downstream_models: v.array(v.string()),
  base_unavailable: v.optional(v.string()),
  head_unavailable: v.optional(v.string()),
  notes: v.array(v.string()),
});

export const DiffOutput = v.object({
  ...envelopeFields,
  base_ref: v.string(),
  head_ref: v.string(),
  summary: v.object({
    total_models: count,
    added: count,
    removed: count,
    modified: count,
    unchanged: count,
    breaking: count,
    non_breaking: count,
    cosmetic: count,
    columns_changed: count,
  }),
  models: v.array(ModelDiffSchema),
  /** Changed models plus downstream models that read a changed column, in DAG order. */
  rebuild: v.array(v.string()),
  impact_edges: v.array(v.object({ from: v.string(), to: v.string() })),
  /** The same report as a pull-request comment (`--format markdown`). */
  markdown: v.string(),
  /** Whether `--fail-on` made the command exit 1. */
  failed: v.boolean(),
});

export const schemas = { diff: DiffOutput };
