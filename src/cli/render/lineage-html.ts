/**
 * One self-contained HTML page: the graph laid out server-side as inline SVG (tables
 * as boxes in left-to-right levels, columns as rows, edges as curves), with inline
 * CSS only, so it opens anywhere with no network and no script.
 */
import { type Picture, columnKey } from "./lineage-picture.ts";

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const BOX_W = 240;
const GAP_X = 120;
const HEAD = 30;
const ROW = 22;
const GAP_Y = 28;
const PAD = 24;

/** Words of `text` in lines of at most `width` characters; the last line ends with … when cut. */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const word of text.split(/\s+/)) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = `${kept[maxLines - 1]!.slice(0, width - 1)}…`;
  return kept;
}

/** Edge colour by transform family. */
function kindOf(transform: string): string {
  if (transform === "direct") return "direct";
  if (transform === "cast") return "cast";
  if (transform.startsWith("aggregation")) return "aggregation";
  if (transform.startsWith("window")) return "window";
  return "expression";
}

export function renderHtml(p: Picture): string {
  const pos = new Map<string, { x: number; y: number }>();
  const heightAt = new Map<number, number>();
  const boxes: string[] = [];
  let width = 0;
  let height = 0;
  for (const t of p.tables) {
    const x = PAD + t.level * (BOX_W + GAP_X);
    const y = heightAt.get(t.level) ?? PAD;
    // The reason a table is unavailable, wrapped to the box (its full text is in the tooltip).
    const why =
      t.unavailable !== undefined && t.columns.length === 0
        ? wrap(`unavailable: ${t.unavailable}`, 36, 3)
        : [];
    const rows = Math.max(t.columns.length, why.length);
    const h = HEAD + rows * ROW + 8;
    heightAt.set(t.level, y + h + GAP_Y);
    width = Math.max(width, x + BOX_W + PAD);
    height = Math.max(height, y + h + PAD);
    const cls = ["table", t.kind, t.unavailable !== undefined ? "unavailable" : ""].join(" ").trim();
    const parts = [
      `<g class="${cls}" data-table="${esc(t.name)}">`,
      `<rect x="${x}" y="${y}" width="${BOX_W}" height="${h}" rx="6"/>`,
      `<text class="head" x="${x + 10}" y="${y + 20}">${esc(t.name)}${t.kind === "source" ? " (source)" : ""}</text>`,
    ];
    t.columns.forEach((c, i) => {
      const cy = y + HEAD + i * ROW + ROW / 2 + 4;
      pos.set(columnKey({ model: t.name, column: c }), { x, y: cy });
      const focused = t.name === p.focus.model && p.focus.column !== undefined && p.focus.column === c;
      parts.push(
        `<text class="col${focused ? " focus" : ""}" data-column="${esc(`${t.name}.${c}`)}" x="${x + 14}" y="${cy + 4}">${esc(c)}</text>`,
      );
    });
    why.forEach((line, k) => {
      parts.push(`<text class="why" x="${x + 14}" y="${y + HEAD + 14 + k * ROW}">${esc(line)}</text>`);
    });
    if (t.unavailable !== undefined) parts.push(`<title>unavailable: ${esc(t.unavailable)}</title>`);
    parts.push("</g>");
    boxes.push(parts.join(""));
  }
  const curves = p.edges.map((e) => {
    const a = pos.get(columnKey(e.source));
    const b = pos.get(columnKey(e.target));
    if (!a || !b) return "";
    const x1 = a.x + BOX_W;
    const x2 = b.x;
    const mid = Math.max(40, Math.abs(x2 - x1) / 2);
    const d = `M${x1},${a.y} C${x1 + mid},${a.y} ${x2 - mid},${b.y} ${x2},${b.y}`;
    const title = `${e.source.model}.${e.source.column} → ${e.target.model}.${e.target.column} (${e.transform})`;
    return `<path class="edge ${kindOf(e.transform)}" d="${d}" marker-end="url(#arrow)"><title>${esc(title)}</title></path>`;
  });
  const legend = ["direct", "cast", "expression", "aggregation", "window"]
    .map((k) => `<span class="key ${k}">${k}</span>`)
    .join(" ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(p.title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, sans-serif; margin: 16px; color: #1f2328; background: #fff; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  p.meta { margin: 0 0 12px; color: #57606a; font-size: 13px; }
  .key { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
  .key.direct { background: #8c959f; } .key.cast { background: #0969da; } .key.expression { background: #8250df; }
  .key.aggregation { background: #bc4c00; } .key.window { background: #1a7f37; }
  svg { display: block; margin-top: 12px; max-width: 100%; height: auto; }
  .table rect { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1.2; }
  .table.source rect { fill: #fff8c5; stroke-dasharray: 5 3; }
  .table.unavailable rect { fill: #ffebe9; stroke: #cf222e; stroke-dasharray: 4 3; }
  .head { font-weight: 600; font-size: 13px; }
  .col { font-size: 12px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  .col.focus { font-weight: 700; fill: #cf222e; }
  .why { font-size: 11px; fill: #cf222e; }
  .edge { fill: none; stroke-width: 1.6; opacity: 0.85; }
  .edge:hover { stroke-width: 3.5; opacity: 1; }
  .edge.direct { stroke: #8c959f; } .edge.cast { stroke: #0969da; } .edge.expression { stroke: #8250df; }
  .edge.aggregation { stroke: #bc4c00; } .edge.window { stroke: #1a7f37; }
</style>
</head>
<body>
<h1>${esc(p.title)}</h1>
<p class="meta">${p.tables.length} tables, ${p.edges.length} edges. Hover an edge for its transform. ${legend}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(p.title)}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>
${curves.join("\n")}
${boxes.join("\n")}
</svg>
</body>
</html>
`;
}
