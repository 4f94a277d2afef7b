/** Graphviz DOT: one cluster per table, one node per column, transforms as edge labels;
 * indirect edges dashed, labelled with their clause (`where`, `join`, …). */
import { isIndirect, type Picture } from "./lineage-picture.ts";

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function renderDot(p: Picture): string {
  const lines = ["digraph lineage {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];'];
  p.tables.forEach((t, i) => {
    const label = t.unavailable !== undefined ? `${t.name} (unavailable)` : t.name;
    lines.push(`  subgraph ${q(`cluster_${i}`)} {`, `    label=${q(label)};`);
    if (t.kind === "source") lines.push("    style=dashed;");
    for (const c of t.columns) {
      const focused = t.name === p.focus.model && (p.focus.column === undefined || p.focus.column === c);
      lines.push(`    ${q(`${t.name}.${c}`)} [label=${q(c)}${focused ? ", style=bold" : ""}];`);
    }
    lines.push("  }");
  });
  for (const e of p.edges) {
    const label = isIndirect(e)
      ? ` [style=dashed, label=${q(e.via ?? "indirect")}]`
      : e.transform === "direct"
        ? ""
        : ` [label=${q(e.transform)}]`;
    lines.push(
      `  ${q(`${e.source.model}.${e.source.column}`)} -> ${q(`${e.target.model}.${e.target.column}`)}${label};`,
    );
  }
  lines.push("}");
  return lines.join("\n");
}
