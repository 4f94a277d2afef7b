import * as v from "valibot";
import { envelopeFields } from "../common.ts";

/** Rocky 1.10's BranchEntry: `description` omitted when unset. */
export const BranchEntrySchema = v.object({
  name: v.string(),
  schema_prefix: v.string(),
  created_by: v.string(),
  created_at: v.string(),
  description: v.optional(v.string()),
  /** When `branch gc` may collect it (`--ttl` / `[branch] ttl` at create); null: never. */
  expires_at: v.nullable(v.string()),
});

/** `branch list`: the entry plus its lifecycle at a glance. */
export const BranchListEntrySchema = v.object({
  ...BranchEntrySchema.entries,
  age_seconds: v.pipe(v.number(), v.integer(), v.minValue(0)),
  expired: v.boolean(),
  /** Warehouse objects the state records for it. */
  objects: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Start of its latest `rocky run --branch`; null: never run. */
  last_run: v.nullable(v.string()),
});

/** A warehouse object a branch created, as recorded in the state. */
export const BranchObjectSchema = v.object({
  kind: v.picklist(["schema", "table", "view", "clone_table", "clone_view"]),
  /** Qualified, quoted for the warehouse's dialect. */
  object: v.string(),
});

export const BranchOutput = v.object({
  ...envelopeFields,
  branch: BranchEntrySchema,
  /** Objects the branch holds in the warehouse (show), or created by `--clone` (create). */
  objects: v.array(BranchObjectSchema),
});

export const BranchListOutput = v.object({
  ...envelopeFields,
  branches: v.array(BranchListEntrySchema),
  total: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Deleted branches (without `--drop`) whose objects are still in the warehouse. */
  leftovers: v.array(v.object({ name: v.string(), objects: v.pipe(v.number(), v.integer(), v.minValue(0)) })),
});

export const BranchDeleteOutput = v.object({
  ...envelopeFields,
  name: v.string(),
  removed: v.boolean(),
  /** With `--drop`: objects dropped by this command. */
  dropped: v.array(BranchObjectSchema),
  /** Objects still in the warehouse (without `--drop`, or those whose drop failed). */
  left: v.array(BranchObjectSchema),
  errors: v.array(v.object({ object: v.string(), error: v.string() })),
});

const ColumnRef = v.object({ model: v.string(), column: v.string() });

const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Sides = v.object({ branch: count, production: count });

/** A keyed compare (`--key`, or the model's unique_key): rows matched on the key. */
export const KeyedCompareSchema = v.object({
  key: v.array(v.string()),
  rows_added: count,
  rows_removed: count,
  /** Rows whose key is on both sides (once each) with at least one value different. */
  rows_changed: count,
  rows_unchanged: count,
  keys_matched: count,
  /** Rows with a NULL key column: not matched, not compared. */
  null_key_rows: Sides,
  /** Keys held by more than one row, and those rows: counted once, not compared value by value. */
  duplicate_keys: Sides,
  duplicate_key_rows: Sides,
  duplicate_keys_not_compared: count,
  columns: v.array(
    v.object({
      name: v.string(),
      /** The branch's type. */
      type: v.string(),
      changed: count,
      /** changed / keys_matched, 0..1. */
      changed_share: v.number(),
      /** Numeric columns: branch − production over the changed non-NULL values. */
      delta: v.optional(
        v.object({ min: v.nullable(v.number()), max: v.nullable(v.number()), mean: v.nullable(v.number()) }),
      ),
    }),
  ),
  sample_changed: v.array(
    v.object({
      key: v.record(v.string(), v.unknown()),
      changes: v.array(v.object({ column: v.string(), production: v.unknown(), branch: v.unknown() })),
    }),
  ),
  sample_added: v.array(v.record(v.string(), v.unknown())),
  sample_removed: v.array(v.record(v.string(), v.unknown())),
});

export const ModelCompareSchema = v.object({
  model: v.string(),
  /** Rocky `compare` fields, so existing consumers read this as a CompareOutput. */
  production_table: v.string(),
  shadow_table: v.string(),
  production_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  shadow_count: v.pipe(v.number(), v.integer(), v.minValue(0)),
  row_count_match: v.boolean(),
  row_count_diff_pct: v.number(),
  schema_match: v.boolean(),
  schema_diffs: v.array(v.string()),
  verdict: v.picklist(["identical", "changed", "schema_changed", "missing_in_production"]),
  branch_table: v.string(),
  columns_added: v.array(v.object({ name: v.string(), type: v.string() })),
  columns_removed: v.array(v.object({ name: v.string(), type: v.string() })),
  columns_retyped: v.array(
    v.object({ name: v.string(), production_type: v.string(), branch_type: v.string() }),
  ),
  /** Rows (as a multiset, over the columns both sides share) only in the branch / only in production. */
  rows_only_in_branch: v.pipe(v.number(), v.integer(), v.minValue(0)),
  rows_only_in_production: v.pipe(v.number(), v.integer(), v.minValue(0)),
  compared_columns: v.array(v.string()),
  sample_only_in_branch: v.array(v.record(v.string(), v.unknown())),
  sample_only_in_production: v.array(v.record(v.string(), v.unknown())),
  /**
   * Downstream columns that read a removed or retyped column (column-level lineage), each
   * with the kind that reached it: `value` if some path of value edges does, else `indirect`
   * (the column decides which rows a downstream model has; SPEC §15).
   */
  blast_radius: v.array(
    v.object({
      column: v.string(),
      change: v.picklist(["removed", "retyped"]),
      downstream: v.array(v.object({ ...ColumnRef.entries, kind: v.picklist(["value", "indirect"]) })),
    }),
  ),
  /** The key rows were matched on; null: the unkeyed row-hash diff. */
  key: v.nullable(v.array(v.string())),
  /** flag: --key; otherwise the model's unique_key, contract primary key or grain, in that order. */
  key_source: v.nullable(v.picklist(["flag", "unique_key", "contract", "grain"])),
  unkeyed_reason: v.optional(v.string()),
  /** Rows added, removed or changed (unkeyed: the larger one-sided count), in % of production rows. */
  changed_pct: v.number(),
  keyed: v.optional(KeyedCompareSchema),
});

export const BranchCompareOutput = v.object({
  ...envelopeFields,
  branch: v.string(),
  /** Rocky `compare` field: the `--model` filter, empty when none. */
  filter: v.string(),
  overall_verdict: v.picklist(["identical", "changed", "schema_changed"]),
  tables_compared: v.pipe(v.number(), v.integer(), v.minValue(0)),
  tables_passed: v.pipe(v.number(), v.integer(), v.minValue(0)),
  tables_warned: v.pipe(v.number(), v.integer(), v.minValue(0)),
  tables_failed: v.pipe(v.number(), v.integer(), v.minValue(0)),
  results: v.array(ModelCompareSchema),
  /** Models above `--max-changed-pct`. */
  threshold_failures: v.array(
    v.object({ model: v.string(), changed_pct: v.number(), max_changed_pct: v.number() }),
  ),
});

const BackupMethodSchema = v.picklist(["rename", "swap", "clone", "copy"]);

/** Per adapter: whether promote and rollback run in one transaction and copy no data. */
const LifecycleSchema = v.object({
  backup: BackupMethodSchema,
  promote: v.object({ atomic: v.boolean(), zero_copy: v.boolean() }),
  rollback: v.object({ atomic: v.boolean(), zero_copy: v.boolean() }),
});

export const BranchPromoteOutput = v.object({
  ...envelopeFields,
  branch: v.string(),
  run_id: v.string(),
  status: v.picklist(["success", "failure"]),
  /** True when every statement ran in one warehouse transaction. */
  atomic: v.boolean(),
  targets: v.array(
    v.object({
      model: v.string(),
      from: v.string(),
      to: v.string(),
      kind: v.picklist(["table", "view"]),
      status: v.picklist(["promoted", "failed", "rolled_back", "not_run"]),
      error: v.optional(v.string()),
    }),
  ),
  /** Production models downstream of the promoted ones, not built in the branch: run them to refresh. */
  stale_downstream: v.array(v.string()),
  /** Production tables this promote replaced, kept for `rocky branch rollback RUN_ID`. */
  backups: v.array(
    v.object({ model: v.string(), table: v.string(), backup: v.string(), method: BackupMethodSchema }),
  ),
  /** Older promotes' backups dropped by retention (`[branch] keep_promotions`). */
  expired_backups: v.array(v.string()),
  lifecycle: LifecycleSchema,
  error: v.optional(v.string()),
});

export const BranchRollbackOutput = v.object({
  ...envelopeFields,
  /** The promote undone. */
  promote_run_id: v.string(),
  /** The rollback's own run record (scope `rollback:<promote run>`). */
  run_id: v.string(),
  branch: v.string(),
  status: v.picklist(["success", "failure"]),
  atomic: v.boolean(),
  lifecycle: LifecycleSchema,
  targets: v.array(
    v.object({
      model: v.string(),
      table: v.string(),
      /** restored: the previous table is back; dropped: nothing stood there before the promote. */
      action: v.picklist(["restored", "dropped", "not_restorable", "failed", "rolled_back", "not_run"]),
      backup: v.nullable(v.string()),
      /** Restored content matches the fingerprint taken before the promote (null: not comparable). */
      fingerprint_match: v.nullable(v.boolean()),
      error: v.optional(v.string()),
    }),
  ),
  error: v.optional(v.string()),
});

const GcObject = v.object({ kind: BranchObjectSchema.entries.kind, object: v.string() });

export const BranchGcOutput = v.object({
  ...envelopeFields,
  /** Key of this gc's rows in the state's branch_gc_log. */
  gc_id: v.string(),
  dry_run: v.boolean(),
  now: v.string(),
  older_than: v.optional(v.string()),
  branches: v.array(
    v.object({
      name: v.string(),
      created_at: v.string(),
      expires_at: v.nullable(v.string()),
      reason: v.picklist(["expired", "older_than"]),
      status: v.picklist(["collected", "failed", "would_collect"]),
      dropped: v.array(GcObject),
      failed: v.array(v.object({ object: v.nullable(v.string()), error: v.string() })),
      /** Still in the warehouse (and recorded) after this gc; with --dry-run, what would be dropped. */
      left: v.array(GcObject),
    }),
  ),
  collected: v.pipe(v.number(), v.integer(), v.minValue(0)),
  failed: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const schemas = {
  branch: BranchOutput,
  branch_list: BranchListOutput,
  branch_delete: BranchDeleteOutput,
  branch_compare: BranchCompareOutput,
  branch_promote: BranchPromoteOutput,
  branch_gc: BranchGcOutput,
  branch_rollback: BranchRollbackOutput,
};
