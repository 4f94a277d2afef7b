import { writeFileSync } from "node:fs";
import { defineCommand } from "citty";
import { catalogPayload } from "../../catalog/catalog.ts";
import { loadAndCompile } from "../../compile/load.ts";
import { UsageError } from "../../errors.ts";
import { writeStdout } from "../../runtime/stdio.ts";
import { globals } from "../context.ts";
import { envelope } from "../output.ts";

export default defineCommand({
  meta: {
    name: "catalog",
    description: `The whole project's assets, columns and column-lineage edges as JSON, for other tools.

Example:
  rocky catalog
  rocky catalog --out catalog.json`,
  },
  args: {
    format: { type: "string", description: "json (the only format so far)" },
    out: { type: "string", description: "Write to FILE instead of stdout" },
  },
  async run({ args }) {
    if (args.format !== undefined && args.format !== "json")
      throw new UsageError(`invalid value '${args.format}' for --format`, "use --format json");
    // The catalog answers from the graph whatever the diagnostics say; only load errors abort.
    const result = await loadAndCompile(globals().config);
    const text = `${JSON.stringify(envelope("catalog", catalogPayload(result)), null, 2)}\n`;
    if (args.out !== undefined) writeFileSync(args.out, text);
    else writeStdout(text);
  },
});
