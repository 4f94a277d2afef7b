/** Plain-text lineage: a model's columns with their direct sources, or a column trace as a tree. */
import type {
  KindedTraceEntry,
  LineageEdge,
  ReachedColumn,
  SemanticGraph,
  TableInfo,
  TraceEntry,
} from "../../graph/semantic.ts";
import { dim } from "../style.ts";

const qc = (c: { model: string; column: string }) => `${c.model}.${c.column}`;

export function renderModelText(graph: SemanticGraph, t: TableInfo, indirect = false): string {
  const lines = [
    `${t.kind === "model" ? "Model" : "Source"}: ${t.name}`,
    `Upstream: ${t.upstream.join(", ") || "(none)"}`,
    `Downstream: ${t.downstream.join(", ") || "(none)"}`,
    "",
  ];
  if (t.columns === undefined) {
    lines.push(`Columns: unavailable (${t.unavailable ?? "the model could not be analysed"})`);
    return lines.join("\n");
  }
  lines.push("Columns:");
  const width = Math.max(0, ...t.columns.map((c) => c.length));
  for (const c of t.columns) {
    const edges = t.kind === "model" ? graph.producers(t.name, c) : graph.consumers(t.name, c);
    const arrow = t.kind === "model" ? "<-" : "->";
    const other = (e: LineageEdge) => (t.kind === "model" ? qc(e.source) : qc(e.target));
    const text =
      edges.length > 0
        ? `${arrow} ${edges.map((e) => `${other(e)} ${dim(`(${e.transform})`)}`).join(", ")}`
        : dim(t.kind === "model" ? "(no source columns: a constant or COUNT(*))" : "(not read by any model)");
    lines.push(`  ${c.padEnd(width)}  ${text}`);
  }
  if (indirect && t.kind === "model") {
    const reads = graph.indirectOf(t.name);
    lines.push("", "Indirect (columns that decide which rows exist, or how they are grouped and ordered):");
    if (reads.length === 0) lines.push(`  ${dim("(none)")}`);
    const all = t.columns.length;
    for (const r of reads) {
      const affects = r.outputs.length === all ? "" : ` -> ${r.outputs.join(", ")}`;
      lines.push(`  ${qc(r.source)} ${dim(`(${r.via})`)}${affects}`);
    }
  }
  return lines.join("\n");
}

/** An edge's label in text: its transform, or `indirect: where` for an indirect one. */
const edgeLabel = (e: TraceEntry | KindedTraceEntry) =>
  "kind" in e && e.kind === "indirect" ? `indirect: ${e.via}` : e.transform;

/**
 * A trace as a tree: each edge under the column it was reached from, indented by its
 * depth. A column reached twice is expanded once; each edge is printed once.
 */
export function renderTraceText(
  model: string,
  column: string,
  direction: "upstream" | "downstream",
  trace: (TraceEntry | KindedTraceEntry)[],
  unavailable: string | undefined,
  reached?: ReachedColumn[],
): string {
  const up = direction === "upstream";
  const lines = [`${up ? "Column trace" : "Column consumers"}: ${model}.${column} (${direction})`];
  const key = (c: { model: string; column: string }) => `${c.model}.${c.column}`.toLowerCase();
  const children = new Map<string, TraceEntry[]>();
  for (const e of trace) {
    const from = key(up ? e.target : e.source);
    const list = children.get(from) ?? [];
    list.push(e);
    children.set(from, list);
  }
  const expanded = new Set<string>();
  const walk = (node: string, indent: number) => {
    if (expanded.has(node)) return;
    expanded.add(node);
    for (const e of children.get(node) ?? []) {
      const next = up ? e.source : e.target;
      const k = key(next);
      // A column reached again is not expanded twice; say so when it has more below it.
      const seeAbove = expanded.has(k) && (children.get(k)?.length ?? 0) > 0 ? ` ${dim("(see above)")}` : "";
      lines.push(
        `${"  ".repeat(indent)}${up ? "<-" : "->"} ${qc(next)} ${dim(`(${edgeLabel(e)})`)}${seeAbove}`,
      );
      walk(k, indent + 1);
    }
  };
  walk(key({ model, column }), 1);
  if (trace.length === 0) {
    if (unavailable !== undefined && up) lines.push(`  ${dim(`unavailable: ${unavailable}`)}`);
    else
      lines.push(
        `  ${dim(up ? "(no source columns: a constant, COUNT(*), or a column of an external table)" : "(no model reads this column)")}`,
      );
  } else if (unavailable !== undefined && up)
    lines.push(`  ${dim(`note: ${model} is unavailable: ${unavailable}`)}`);
  if (reached && reached.length > 0) {
    const byValue = reached.filter((r) => r.kind === "value").length;
    lines.push(
      "",
      `Reached: ${reached.length} columns (${byValue} by value, ${reached.length - byValue} only indirectly)`,
    );
    for (const r of reached) lines.push(`  ${qc(r)} ${dim(`(${r.kind}, depth ${r.depth})`)}`);
  }
  return lines.join("\n");
}

/** Command output ends with exactly one newline, whatever the renderer returned. */
export function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
