/**
 * `rocky dag --format html`: one self-contained page, the DAG laid out server-side as
 * inline SVG (sources, then one column per execution layer), no script or network.
 */
import type { DagPayload } from "../../compile/dag-view.ts";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const BOX_W = 220;
/** A name too long for its box ends in an ellipsis; the full name is the box's tooltip (<title>). */
const fit = (s: string, chars: number) => (s.length > chars ? `${s.slice(0, chars - 1)}…` : s);
const BOX_H = 44;
const GAP_X = 90;
const GAP_Y = 18;
const PAD = 24;

interface Box {
  x: number;
  y: number;
  label: string;
  sub: string;
  kind: "source" | "transformation" | "test";
}

export function renderDagHtml(p: DagPayload, title = "rocky dag"): string {
  const columns: { key: string; box: Omit<Box, "x" | "y"> }[][] = [];
  if (p.sources.length > 0)
    columns.push(
      p.sources.map((s) => ({
        key: `source:${s.name}`,
        box: { label: s.name, sub: "source", kind: "source" },
      })),
    );
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (const layer of p.execution_layers)
    columns.push(
      layer.map((id) => {
        const n = byId.get(id)!;
        const sub =
          n.kind === "test"
            ? "test"
            : n.target
              ? `${n.target.schema}.${n.target.table} · ${n.strategy?.type ?? "full_refresh"}`
              : "model";
        return { key: id, box: { label: n.label, sub, kind: n.kind } };
      }),
    );
  const at = new Map<string, Box>();
  columns.forEach((col, i) => {
    col.forEach((c, j) => {
      at.set(c.key, { ...c.box, x: PAD + i * (BOX_W + GAP_X), y: PAD + 28 + j * (BOX_H + GAP_Y) });
    });
  });
  const width = PAD * 2 + Math.max(1, columns.length) * (BOX_W + GAP_X) - GAP_X;
  const height = PAD * 2 + 28 + Math.max(1, ...columns.map((c) => c.length)) * (BOX_H + GAP_Y);
  const links: { from: string; to: string; dashed: boolean }[] = [
    ...p.sources.flatMap((s) =>
      s.read_by.map((m) => ({ from: `source:${s.name}`, to: `transformation:${m}`, dashed: false })),
    ),
    ...p.edges.map((e) => ({ from: e.from, to: e.to, dashed: e.edge_type === "check" })),
  ];
  const paths = links
    .map((l) => {
      const a = at.get(l.from);
      const b = at.get(l.to);
      if (!a || !b) return "";
      const x1 = a.x + BOX_W;
      const y1 = a.y + BOX_H / 2;
      const x2 = b.x;
      const y2 = b.y + BOX_H / 2;
      const mx = (x1 + x2) / 2;
      return `<path class="edge${l.dashed ? " check" : ""}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`;
    })
    .join("\n");
  const heads = columns
    .map((_, i) => {
      const label = p.sources.length > 0 ? (i === 0 ? "sources" : `layer ${i - 1}`) : `layer ${i}`;
      return `<text class="head" x="${PAD + i * (BOX_W + GAP_X)}" y="${PAD + 12}">${label}</text>`;
    })
    .join("\n");
  const boxes = [...at.values()]
    .map(
      (b) =>
        `<g class="node ${b.kind}"><title>${esc(b.label)}</title><rect x="${b.x}" y="${b.y}" width="${BOX_W}" height="${BOX_H}" rx="6"/>` +
        `<text class="label" x="${b.x + 10}" y="${b.y + 18}">${esc(fit(b.label, 24))}</text>` +
        `<text class="sub" x="${b.x + 10}" y="${b.y + 35}">${esc(fit(b.sub, 32))}</text></g>`,
    )
    .join("\n");
  const s = p.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:16px;background:#fafafa;color:#222}
h1{font-size:18px;margin:0 0 4px}p{margin:0 0 12px;color:#555}
.node rect{fill:#fff;stroke:#4a6fa5;stroke-width:1.5}.node.source rect{fill:#f3f3f3;stroke:#888;stroke-dasharray:4 3}
.node.test rect{fill:#f6fbf3;stroke:#5a9a3a}.label{font-size:13px;font-weight:600}.sub{font-size:11px;fill:#666}
.head{font-size:12px;fill:#888;text-transform:uppercase}.edge{fill:none;stroke:#8aa;stroke-width:1.4}.edge.check{stroke-dasharray:3 3}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${s.total_nodes} nodes, ${s.total_edges} edges, ${s.execution_layers} execution layers, ${p.sources.length} sources</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8aa"/></marker></defs>
${heads}
${paths}
${boxes}
</svg>
</body></html>
`;
}
