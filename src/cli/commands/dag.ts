import { defineCommand } from "citty";
import { dagPayload } from "../../compile/dag-view.ts";
import { loadAndCompile } from "../../compile/load.ts";
import { DAG_CODES } from "../../compile/compile.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { globals } from "../context.ts";
import { envelope } from "../output.ts";
import { writeStderr, writeStdout } from "../../runtime/stdio.ts";
import { renderDagHtml } from "../render/dag-html.ts";
import { withNewline } from "../render/lineage-text.ts";
import { renderDagDot, renderDagMermaid, renderDagText } from "../render/dag.ts";

const FORMATS = ["text", "json", "dot", "mermaid", "html"] as const;
type Format = (typeof FORMATS)[number];

export default defineCommand({
  meta: {
    name: "dag",
    description: `The model DAG with its execution layers (models in one layer can run in parallel).

Example:
  rocky dag
  rocky dag --format dot | dot -Tsvg > dag.svg
  rocky dag --format html > dag.html
  rocky dag -o json --column-lineage`,
  },
  args: {
    "column-lineage": { type: "boolean", description: "Include every column-level lineage edge (JSON)" },
    format: { type: "string", description: "text | json | dot | mermaid | html (default: follows -o)" },
  },
  async run({ args }) {
    const format: Format =
      (args.format as Format | undefined) ?? (globals().output === "json" ? "json" : "text");
    if (!FORMATS.includes(format))
      throw new UsageError(
        `invalid value '${args.format}' for --format`,
        `use one of: ${FORMATS.join(", ")}`,
      );
    const result = await loadAndCompile(globals().config);
    const payload = dagPayload(result, Boolean(args["column-lineage"]));
    const text =
      format === "json"
        ? JSON.stringify(envelope("dag", payload), null, 2)
        : format === "dot"
          ? renderDagDot(payload)
          : format === "mermaid"
            ? renderDagMermaid(payload)
            : format === "html"
              ? renderDagHtml(payload, `${result.project.config.projectName} · rocky dag`)
              : renderDagText(payload);
    writeStdout(withNewline(text));
    // The DAG is wrong if dependencies are: say why on stderr and fail, after printing.
    const dagErrors = result.diagnostics.filter(
      (d) => d.code === DAG_CODES.unknownDependency || d.code === DAG_CODES.cycle,
    );
    for (const d of dagErrors) {
      writeStderr(`Error: ${d.message}\n${d.suggestion ? `hint: ${d.suggestion}\n` : ""}`);
    }
    if (dagErrors.length > 0) throw new ExitCode(1);
  },
});
