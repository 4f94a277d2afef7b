/** Plain-text lineage: a model's columns with their direct sources, or a column trace as a tree. */
import type { LineageEdge, SemanticGraph, TableInfo, TraceEntry } from "../../graph/semantic.ts";
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
    for (const r of reads) lines.push(`  ${qc(r.source)} ${dim(`(${r.via})`)}`);
  }
  return lines.join("\n");
}

/**
 * A trace as a tree: each edge under the column it was reached from, indented by its
 * depth. A column reached twice is expanded once; each edge is printed once.
 */
export function renderTraceText(
  model: string,
  column: string,
  direction: "upstream" | "downstream",
  trace: TraceEntry[],
  unavailable: string | undefined,
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
        `${"  ".repeat(indent)}${up ? "<-" : "->"} ${qc(next)} ${dim(`(${e.transform})`)}${seeAbove}`,
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
  return lines.join("\n");
}

/** Command output ends with exactly one newline, whatever the renderer returned. */
export function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
