import { relative } from "node:path";
import type { Payload } from "../../output/common.ts";
import type { InitOutput } from "../../output/schemas/project.ts";
import { defineCommand } from "citty";
import { createPlayground } from "../../project/scaffold.ts";
import { emit, envelope } from "../output.ts";

export default defineCommand({
  meta: {
    name: "playground",
    description:
      "Create a sample DuckDB project (raw data, staging, marts; joins, aggregates, a CTE, a window, an incremental model).\n\nExample:\n  rocky playground demo && cd demo && rocky run && rocky lineage customer_revenue.total_revenue",
  },
  args: {
    dir: {
      type: "positional",
      required: false,
      default: "rocky-playground",
      description: "folder to create",
    },
  },
  run({ args }) {
    const { dir, files } = createPlayground(String(args.dir));
    emit(envelope("playground", { path: dir, files } satisfies Payload<typeof InitOutput>), () => {
      const rel = relative(process.cwd(), dir) || ".";
      return [
        `Created the rocky playground in ${rel} (${files.filter((f) => f.endsWith(".sql")).length} models on DuckDB)`,
        "",
        "Try:",
        `  cd ${rel}`,
        "  rocky compile",
        "  rocky run",
        "  rocky lineage raw_orders --column amount --downstream",
        "  rocky branch create fix-price && rocky run --branch fix-price --model stg_orders",
        "  rocky branch compare fix-price",
        "  rocky history && rocky replay latest",
      ].join("\n");
    });
  },
});
