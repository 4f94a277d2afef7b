/**
 * Materialisation strategies as a sidecar declares them (`[strategy]`). The schema is
 * the one definition: the `Strategy` type is derived from it, and src/run/strategies.ts
 * holds one plan function per entry. Adding a strategy is one entry here and one there.
 */
import * as v from "valibot";

const names = v.array(v.pipe(v.string(), v.nonEmpty()));

export const StrategySchema = v.variant("type", [
  v.strictObject({ type: v.literal("full_refresh") }),
  v.strictObject({ type: v.literal("view") }),
  v.strictObject({
    type: v.literal("incremental"),
    timestamp_column: v.pipe(v.string(), v.nonEmpty()),
    /**
     * The columns that identify an output row (an aggregate's GROUP BY columns). With a
     * key, re-processed rows replace their old versions by key; without one, by period.
     */
    unique_key: v.optional(v.pipe(names, v.minLength(1, "unique_key needs at least one column"))),
  }),
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

export type Strategy = v.InferOutput<typeof StrategySchema>;
export type StrategyType = Strategy["type"];
