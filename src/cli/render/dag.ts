/** Text, DOT and Mermaid pictures of the model DAG. */
import type { DagPayload } from "../../compile/dag-view.ts";
import { alignColumns } from "../../format.ts";

export function renderDagText(p: DagPayload): string {
  const lines = [
    `DAG: ${p.summary.total_nodes} nodes, ${p.summary.total_edges} edges, ${p.summary.execution_layers} execution layers`,
    "",
  ];
  const layers = p.execution_layers.map((layer) =>
    layer.map((id) => {
      const n = p.nodes.find((x) => x.id === id)!;
      const deps = n.depends_on.map((d) => d.replace(/^transformation:/, "")).join(", ") || "-";
      return [n.kind, n.label, `depends_on: ${deps}`];
    }),
  );
  // One alignment for the whole DAG, not one per layer.
  const aligned = alignColumns(layers.flat(), "  ");
  let k = 0;
  layers.forEach((layer, i) => {
    lines.push(`Layer ${i}:`);
    for (let j = 0; j < layer.length; j++) lines.push(aligned[k++] ?? "");
  });
  if (p.sources.length > 0) {
    lines.push("", "External sources:");
    lines.push(
      ...alignColumns(
        p.sources.map((s) => [s.name, `read by: ${s.read_by.join(", ") || "-"}`]),
        "  ",
      ),
    );
  }
  if (p.column_lineage) lines.push("", `Column lineage: ${p.column_lineage.length} edges`);
  return lines.join("\n");
}

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function renderDagDot(p: DagPayload): string {
  const lines = ["digraph dag {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];'];
  for (const s of p.sources) lines.push(`  ${q(`source:${s.name}`)} [label=${q(s.name)}, style=dashed];`);
  for (const n of p.nodes)
    lines.push(`  ${q(n.id)} [label=${q(n.label)}${n.kind === "test" ? ", shape=note" : ""}];`);
  for (const s of p.sources)
    for (const m of s.read_by) lines.push(`  ${q(`source:${s.name}`)} -> ${q(`transformation:${m}`)};`);
  for (const e of p.edges)
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.edge_type === "check" ? " [style=dotted]" : ""};`);
  lines.push("}");
  return lines.join("\n");
}

export function renderDagMermaid(p: DagPayload): string {
  const ids = new Map<string, string>();
  const id = (key: string) => {
    let v = ids.get(key);
    if (!v) ids.set(key, (v = `n${ids.size}`));
    return v;
  };
  const label = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;
  const lines = ["flowchart LR"];
  for (const s of p.sources) lines.push(`  ${id(`source:${s.name}`)}[(${label(s.name)})]`);
  for (const n of p.nodes) lines.push(`  ${id(n.id)}[${label(n.label)}]`);
  for (const s of p.sources)
    for (const m of s.read_by) lines.push(`  ${id(`source:${s.name}`)} --> ${id(`transformation:${m}`)}`);
  for (const e of p.edges)
    lines.push(`  ${id(e.from)} ${e.edge_type === "check" ? "-.->" : "-->"} ${id(e.to)}`);
  return lines.join("\n");
}
