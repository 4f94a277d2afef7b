import { writeFileSync } from "node:fs";
import { defineCommand } from "citty";
import {
  type Direction,
  columnLineage,
  edgesToDraw,
  modelLineage,
  resolveTarget,
} from "../../compile/lineage.ts";
import { snapshotGraph } from "../../compile/lineage-snapshot.ts";
import { RockyError, UsageError } from "../../errors.ts";
import { globals } from "../context.ts";
import { envelope } from "../output.ts";
import { renderDot } from "../render/lineage-dot.ts";
import { renderHtml } from "../render/lineage-html.ts";
import { renderMermaid } from "../render/lineage-mermaid.ts";
import { buildPicture, type Picture } from "../render/lineage-picture.ts";
import { type SelectionLineage, selectionLineage } from "../../compile/lineage-selection.ts";
import { hasSelection, selectInProject } from "../../graph/selection.ts";
import { EXCLUDE_HELP, SELECT_HELP, selectionFlags } from "../selection.ts";
import { renderModelText, renderTraceText } from "../render/lineage-text.ts";
import { writeStderr, writeStdout } from "../../runtime/stdio.ts";
import { withNewline } from "../render/lineage-text.ts";

const FORMATS = ["text", "json", "dot", "mermaid", "html"] as const;
type Format = (typeof FORMATS)[number];

export default defineCommand({
  meta: {
    name: "lineage",
    description: `Column-level lineage of a model, an external source, or one column.

Without a column: the model's columns, its upstream and downstream, and its edges.
With a column: the transitive trace, upstream (default) or --downstream.

Example:
  rocky lineage fct_orders
  rocky lineage fct_orders.total --upstream
  rocky lineage raw.orders --column amount --downstream
  rocky lineage fct_orders --format html --out lineage.html
  rocky lineage --select +fct_orders --format mermaid   # the subgraph of a selection
  rocky lineage fct_orders.total --indirect   # also the columns that decide its rows`,
  },
  args: {
    target: {
      type: "positional",
      required: false,
      description: "MODEL, MODEL.COLUMN, or a source such as raw.orders (or --select instead)",
    },
    select: {
      type: "string",
      description: `Instead of TARGET, the lineage among these models: ${SELECT_HELP}`,
    },
    exclude: { type: "string", description: EXCLUDE_HELP },
    column: {
      type: "string",
      description: "Column to trace (then TARGET is the model or source as a whole)",
    },
    upstream: { type: "boolean", description: "Trace what the column is computed from (default)" },
    downstream: { type: "boolean", description: "Trace what is computed from the column" },
    format: { type: "string", description: "text | json | dot | mermaid | html (default: follows -o)" },
    out: { type: "string", description: "Write to FILE instead of stdout" },
    indirect: {
      type: "boolean",
      description:
        "Also follow indirect edges: columns that decide which rows exist or how they are grouped and ordered (WHERE, JOIN, GROUP BY, windows…)",
    },
  },
  async run({ args, rawArgs }) {
    if (args.upstream && args.downstream)
      throw new UsageError("--upstream and --downstream cannot be used together", "pick one direction");
    const format: Format =
      (args.format as Format | undefined) ?? (globals().output === "json" ? "json" : "text");
    if (!FORMATS.includes(format))
      throw new UsageError(
        `invalid value '${args.format}' for --format`,
        `use one of: ${FORMATS.join(", ")}`,
      );
    const direction: Direction | undefined = args.downstream
      ? "downstream"
      : args.upstream
        ? "upstream"
        : undefined;

    const selectors = await selectionFlags(rawArgs, globals().config);
    const selecting = hasSelection(selectors);
    if (selecting === (typeof args.target === "string" && args.target !== ""))
      throw new UsageError(
        selecting ? "give a TARGET or --select, not both" : "missing TARGET",
        "e.g. 'rocky lineage fct_orders', or 'rocky lineage --select +fct_orders'",
      );
    // Lineage answers from the graph whatever the diagnostics say; only load errors abort.
    // An unchanged project answers from the last compile's value edges, without compiling
    // (src/compile/lineage-snapshot.ts): text and JSON restore only the part they read,
    // --indirect and pictures the whole graph; --select needs the project, so compiles.
    const whole = args.indirect === true || (format !== "json" && format !== "text");
    const snapshot = selecting
      ? undefined
      : snapshotGraph(
          globals().config,
          whole
            ? undefined
            : { target: args.target!, column: args.column, direction: direction ?? "upstream" },
        );
    const compiled = snapshot
      ? undefined
      : await (await import("../../compile/load.ts")).loadAndCompile(globals().config, {
          lineageSnapshot: true,
        });
    const graph = snapshot ?? compiled!.graph;
    let text: string;
    const indirect = args.indirect === true;
    if (selecting) {
      const chosen = selectInProject(compiled!, selectors);
      const sub = selectionLineage(graph, chosen, indirect);
      text =
        format === "json"
          ? JSON.stringify(envelope("lineage", sub), null, 2)
          : format === "text"
            ? renderSelectionText(sub)
            : drawPicture(
                format,
                withTables(
                  sub,
                  buildPicture(
                    graph,
                    `Lineage of ${chosen.length} selected models`,
                    { model: chosen.at(-1)! },
                    sub.edges,
                  ),
                ),
              );
      return output(text, args.out);
    }
    const target = resolveTarget(graph, args.target!, args.column);
    if (format === "json" || format === "text") {
      if (target.column === undefined) {
        const payload = modelLineage(graph, target.table, indirect);
        text =
          format === "json"
            ? JSON.stringify(envelope("lineage", payload), null, 2)
            : renderModelText(graph, target.table, indirect);
      } else {
        const payload = columnLineage(graph, target.table, target.column, direction ?? "upstream", indirect);
        text =
          format === "json"
            ? JSON.stringify(envelope("lineage", payload), null, 2)
            : renderTraceText(
                payload.model,
                payload.column,
                payload.direction,
                payload.trace,
                payload.unavailable,
                payload.reached,
              );
      }
    } else {
      const focus = {
        model: target.table.name,
        ...(target.column !== undefined ? { column: target.column } : {}),
      };
      const title =
        target.column === undefined
          ? `Lineage of ${target.table.name}`
          : `${direction === "downstream" ? "Downstream of" : "Upstream of"} ${target.table.name}.${target.column}`;
      const picture = buildPicture(graph, title, focus, edgesToDraw(graph, target, direction, indirect));
      text = drawPicture(format, picture);
    }
    output(text, args.out);
  },
});

/** Every selected model in the picture, also those with no edge inside the selection. */
function withTables(sub: SelectionLineage, picture: Picture): Picture {
  const shown = new Set(picture.tables.map((t) => t.name));
  const missing = sub.models
    .filter((m) => !shown.has(m.name))
    .map((m) => ({
      name: m.name,
      kind: "model" as const,
      columns: m.columns,
      level: 0,
      ...(m.unavailable !== undefined ? { unavailable: m.unavailable } : {}),
    }));
  return { ...picture, tables: [...picture.tables, ...missing] };
}

function drawPicture(format: "dot" | "mermaid" | "html", picture: Picture): string {
  return format === "dot"
    ? renderDot(picture)
    : format === "mermaid"
      ? renderMermaid(picture)
      : renderHtml(picture);
}

function output(text: string, out: string | undefined): void {
  if (out) {
    try {
      writeFileSync(out, text.endsWith("\n") ? text : `${text}\n`);
    } catch (e) {
      throw new RockyError(`cannot write ${out}: ${(e as Error).message}`);
    }
    writeStderr(`wrote ${out}\n`);
    return;
  }
  writeStdout(withNewline(text));
}

/** One line per selected model: its columns and what it reads within the picture. */
function renderSelectionText(sub: SelectionLineage): string {
  const lines = sub.models.map((m) => {
    const cols = m.unavailable !== undefined ? `columns unavailable: ${m.unavailable}` : m.columns.join(", ");
    return `${m.name} (${cols})${m.reads.length > 0 ? `\n  reads ${m.reads.join(", ")}` : ""}`;
  });
  lines.push("", `${sub.selected.length} models, ${sub.edges.length} column edges`);
  return lines.join("\n");
}
