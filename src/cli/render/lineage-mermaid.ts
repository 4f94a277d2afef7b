/** Mermaid flowchart: one subgraph per table, one node per column; indirect edges dotted. */
import { type Picture, columnKey, isIndirect } from "./lineage-picture.ts";

/** Mermaid labels are quoted; a quote inside is written as an entity. */
const label = (s: string) => `"${s.replace(/"/g, "#quot;")}"`;

export function renderMermaid(p: Picture): string {
  const lines = ["flowchart LR"];
  const ids = new Map<string, string>();
  p.tables.forEach((t, i) => {
    const title = t.unavailable !== undefined ? `${t.name} (unavailable)` : t.name;
    lines.push(`  subgraph t${i}[${label(title)}]`);
    for (const c of t.columns) {
      const id = `n${ids.size}`;
      ids.set(columnKey({ model: t.name, column: c }), id);
      lines.push(`    ${id}[${label(c)}]`);
    }
    lines.push("  end");
  });
  for (const e of p.edges) {
    const from = ids.get(columnKey(e.source));
    const to = ids.get(columnKey(e.target));
    // Mermaid's dotted link is its dashed line: indirect edges, labelled with their clause.
    const arrow = isIndirect(e)
      ? `-.->|${label(e.via ?? "indirect")}|`
      : e.transform === "direct"
        ? "-->"
        : `-->|${label(e.transform)}|`;
    lines.push(`  ${from} ${arrow} ${to}`);
  }
  const focus =
    p.focus.column !== undefined
      ? ids.get(columnKey({ model: p.focus.model, column: p.focus.column }))
      : undefined;
  if (focus) lines.push(`  style ${focus} stroke-width:3px`);
  return lines.join("\n");
}
