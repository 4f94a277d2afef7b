import { writeFileSync } from "node:fs";
import { defineCommand } from "citty";
import { catalogPayload } from "../../catalog/catalog.ts";
import { loadAndCompile } from "../../compile/load.ts";
import { UsageError } from "../../errors.ts";
import { writeStdout } from "../../runtime/stdio.ts";
import { globals } from "../context.ts";
import { envelope, log } from "../output.ts";

export default defineCommand({
  meta: {
    name: "catalog",
    description: `The whole project's assets, columns and column-lineage edges as JSON, for other tools.

Example:
  rocky catalog
  rocky catalog --out catalog.json
  rocky catalog --format parquet --out catalog.parquet`,
  },
  args: {
    format: {
      type: "string",
      description: "json (default) | parquet: one row per asset column with its inputs (needs --out)",
    },
    out: { type: "string", description: "Write to FILE instead of stdout" },
  },
  async run({ args }) {
    if (args.format !== undefined && args.format !== "json" && args.format !== "parquet")
      throw new UsageError(`invalid value '${args.format}' for --format`, "use --format json or parquet");
    if (args.format === "parquet" && args.out === undefined)
      throw new UsageError(
        "--format parquet needs --out FILE",
        "e.g. rocky catalog --format parquet --out catalog.parquet",
      );
    // The catalog answers from the graph whatever the diagnostics say; only load errors abort.
    const result = await loadAndCompile(globals().config);
    if (args.format === "parquet") {
      const { writeCatalogParquet } = await import("../../catalog/parquet.ts");
      const n = await writeCatalogParquet(catalogPayload(result), args.out!, result.project.config.root);
      log(`wrote ${args.out}: ${n} rows (one per asset column)`);
      return;
    }
    const text = `${JSON.stringify(envelope("catalog", catalogPayload(result)), null, 2)}\n`;
    if (args.out !== undefined) writeFileSync(args.out, text);
    else writeStdout(text);
  },
});
