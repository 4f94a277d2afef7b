import { defineCommand } from "citty";
import type { Payload } from "../../output/common.ts";
import type { SeedOutput } from "../../output/schemas/catalog.ts";
import { alignColumns, plural, rowCount, seconds } from "../../format.ts";
import { findConfig, loadConfig } from "../../config/load.ts";
import { resolveTrigger } from "../../run/run.ts";
import { seedProject } from "../../seed/seed.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";
import { dim, green } from "../style.ts";

export default defineCommand({
  meta: {
    name: "seed",
    description: `Load every seeds/*.csv as a table of the default schema (types detected, or
declared in seeds/<name>.toml as [columns] name = "TYPE", DuckDB type names); recorded as
a run. On Snowflake, BigQuery and Databricks the CSV is read here by DuckDB and loaded
through a staging table, so the seed table is replaced whole or not at all.

Example:
  rocky seed
  rocky seed countries -o json`,
  },
  args: {
    seed: {
      type: "positional",
      required: false,
      description: "Load only this seed (file name without .csv)",
    },
  },
  async run({ args }) {
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const r = await seedProject(config, {
      trigger: resolveTrigger(undefined),
      ...(args.seed ? { only: [args.seed] } : {}),
    });
    emit(envelope("seed", { run_id: r.runId, seeds: r.seeds } satisfies Payload<typeof SeedOutput>), () => {
      const lines = alignColumns(
        r.seeds.map((s) => [
          `${green("✓")} ${s.table}`,
          `${rowCount(s.rows)}  ${dim(seconds(s.duration_ms))}`,
        ]),
        "  ",
      );
      return [...lines, "", `Seeded ${plural(r.seeds.length, "table")} (run ${r.runId})`].join("\n");
    });
  },
});
