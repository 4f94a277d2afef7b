/** The `[adapter] type = "duckdb"` block of rocky.toml (everything but `type`). */
import * as v from "valibot";

export const DuckDBConfigSchema = v.strictObject({
  /** Database file, relative to the project root; in-memory when absent. */
  path: v.optional(v.pipe(v.string(), v.nonEmpty())),
  threads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  memory_limit: v.optional(v.string()),
  /**
   * Fingerprint every table a run writes (row count + content hash) so `rocky replay
   * --execute` can compare outputs. A full scan of each output: turn off for very large tables.
   */
  fingerprints: v.optional(v.boolean(), true),
});
export type DuckDBConfig = v.InferOutput<typeof DuckDBConfigSchema>;
