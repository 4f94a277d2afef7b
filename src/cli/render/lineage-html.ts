/**
 * The column-lineage picture as HTML: the graph laid out server-side as inline SVG
 * (tables as boxes in left-to-right levels, columns as rows, edges as curves, indirect
 * ones dashed), with inline CSS and one small inline script, so it opens anywhere with
 * no network. The script adds a search box, click-to-focus (a column's upstream and
 * downstream highlighted, the rest dimmed) and value/indirect toggles; `#focus=m.c`,
 * `#q=text` and `#hide=indirect|value` in the URL do the same, so a link can point at a
 * column. `lineageWidget` is the component (the docs site embeds it); `renderHtml` the page.
 */
import { kindOfRendered } from "../../sql/transform.ts";
import { type Picture, columnKey, isIndirect } from "./lineage-picture.ts";

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

/** Edge colour by transform kind (edges carry Rocky's string). */
const kindOf = (transform: string): string => kindOfRendered(transform) ?? "expression";

/** The SVG of a picture, with the data attributes the script walks (`data-key`, `data-src`, `data-tgt`). */
function svgOf(p: Picture): string {
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
      const k = columnKey({ model: t.name, column: c });
      pos.set(k, { x, y: cy });
      const focused = t.name === p.focus.model && p.focus.column !== undefined && p.focus.column === c;
      parts.push(
        `<g class="colrow" data-key="${esc(k)}"><rect class="hit-area" x="${x + 4}" y="${cy - ROW / 2 + 1}" width="${BOX_W - 8}" height="${ROW - 2}" rx="3"/>`,
        `<text class="col${focused ? " focus" : ""}" data-column="${esc(`${t.name}.${c}`)}" x="${x + 14}" y="${cy + 4}">${esc(c)}</text></g>`,
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
    const sk = columnKey(e.source);
    const tk = columnKey(e.target);
    const a = pos.get(sk);
    const b = pos.get(tk);
    if (!a || !b) return "";
    const x1 = a.x + BOX_W;
    const x2 = b.x;
    const mid = Math.max(40, Math.abs(x2 - x1) / 2);
    const d = `M${x1},${a.y} C${x1 + mid},${a.y} ${x2 - mid},${b.y} ${x2},${b.y}`;
    const how = isIndirect(e) ? `indirect: ${e.via ?? "?"}` : e.transform;
    const title = `${e.source.model}.${e.source.column} → ${e.target.model}.${e.target.column} (${how})`;
    const cls = isIndirect(e) ? "edge indirect" : `edge value ${kindOf(e.transform)}`;
    return `<path class="${cls}" data-src="${esc(sk)}" data-tgt="${esc(tk)}" d="${d}" marker-end="url(#lg-arrow)"><title>${esc(title)}</title></path>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(p.title)}">
<defs><marker id="lg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>
${curves.join("\n")}
${boxes.join("\n")}
</svg>`;
}

/** Styles of the component, scoped to `.lg` so a host page's own classes do not leak in. */
export const LINEAGE_CSS = `
  .lg .key { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; }
  .lg .key.direct { background: #8c959f; } .lg .key.cast { background: #0969da; } .lg .key.expression { background: #8250df; }
  .lg .key.aggregation { background: #bc4c00; } .lg .key.window { background: #1a7f37; }
  .lg .key.indirect { background: #fff; color: #9a6700; border: 1px dashed #bf8700; }
  .lg .controls { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; font-size: 13px; margin: 4px 0; }
  .lg .lg-q { padding: 4px 6px; width: 260px; font-size: 13px; }
  .lg .lg-status { color: #57606a; font-size: 13px; }
  .lg svg { display: block; margin-top: 12px; max-width: 100%; height: auto; }
  .lg .table rect { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1.2; }
  .lg .table.source > rect { fill: #fff8c5; stroke-dasharray: 5 3; }
  .lg .table.unavailable > rect { fill: #ffebe9; stroke: #cf222e; stroke-dasharray: 4 3; }
  .lg .head { font-weight: 600; font-size: 13px; fill: #1f2328; text-transform: none; }
  .lg .col { font-size: 12px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
  .lg .colrow { cursor: pointer; }
  .lg .colrow .hit-area { fill: transparent; stroke: none; }
  .lg .colrow:hover .hit-area { fill: #ddf4ff; }
  .lg .col.focus { font-weight: 700; fill: #cf222e; }
  .lg .why { font-size: 11px; fill: #cf222e; }
  .lg .edge { fill: none; stroke-width: 1.6; opacity: 0.85; }
  .lg .edge:hover { stroke-width: 3.5; opacity: 1; }
  .lg .edge.direct { stroke: #8c959f; } .lg .edge.cast { stroke: #0969da; } .lg .edge.expression { stroke: #8250df; }
  .lg .edge.aggregation { stroke: #bc4c00; } .lg .edge.window { stroke: #1a7f37; }
  .lg .edge.indirect { stroke: #bf8700; stroke-dasharray: 6 4; }
  .lg.hide-value .edge.value, .lg.hide-indirect .edge.indirect { display: none; }
  .lg.searching .colrow:not(.hit) .col { opacity: 0.35; }
  .lg .colrow.hit .hit-area { fill: #fff4c2; }
  .lg.focusing .table:not(.on) { opacity: 0.3; }
  .lg.focusing .colrow:not(.on) .col { opacity: 0.3; }
  .lg.focusing .edge:not(.on) { opacity: 0.07; }
  .lg.focusing .edge.on { stroke-width: 2.4; opacity: 1; }
  .lg .colrow.on .col { font-weight: 600; }
  .lg .colrow.focused .col { font-weight: 700; fill: #cf222e; }
  .lg .colrow.focused .hit-area { fill: #ffebe9; }
`;

/**
 * The behaviour of the `.lg` the script sits in. Adjacency is built once, so a focus costs
 * the columns it reaches. No network, no dependencies; old-browser-safe syntax.
 */
const SCRIPT = `(function () {
  function all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  // The widget this script is inside: each widget on a page runs its own copy.
  (function (root) {
    var edges = all(root, "path.edge"), rows = all(root, ".colrow"), tables = all(root, "g.table");
    var q = root.querySelector(".lg-q"), tv = root.querySelector(".lg-value"), ti = root.querySelector(".lg-indirect");
    var status = root.querySelector(".lg-status"), initial = status.textContent, focused = null;
    var row = {}, up = {}, down = {};
    rows.forEach(function (r) { row[r.getAttribute("data-key")] = r; });
    edges.forEach(function (e) {
      var s = e.getAttribute("data-src"), t = e.getAttribute("data-tgt");
      (down[s] = down[s] || []).push(e);
      (up[t] = up[t] || []).push(e);
    });
    function shown(e) { return e.classList.contains("indirect") ? ti.checked : tv.checked; }
    function reach(start, adj, end) {
      var seen = {}, stack = [start], n = 0;
      seen[start] = true;
      while (stack.length) {
        (adj[stack.pop()] || []).forEach(function (e) {
          if (!shown(e)) return;
          e.classList.add("on");
          var o = e.getAttribute(end);
          if (!seen[o]) { seen[o] = true; n++; stack.push(o); }
        });
      }
      return { seen: seen, n: n };
    }
    function apply() {
      root.classList.toggle("hide-value", !tv.checked);
      root.classList.toggle("hide-indirect", !ti.checked);
      edges.forEach(function (e) { e.classList.remove("on"); });
      rows.forEach(function (r) { r.classList.remove("on", "focused"); });
      tables.forEach(function (t) { t.classList.remove("on"); });
      root.classList.toggle("focusing", focused !== null);
      if (focused === null) { status.textContent = initial; return; }
      var u = reach(focused, up, "data-src"), d = reach(focused, down, "data-tgt");
      [u.seen, d.seen].forEach(function (set) {
        Object.keys(set).forEach(function (k) {
          var r = row[k];
          if (!r) return;
          r.classList.add("on");
          r.parentNode.classList.add("on");
        });
      });
      row[focused].classList.add("focused");
      status.textContent = row[focused].querySelector(".col").getAttribute("data-column") + ": " +
        u.n + " upstream, " + d.n + " downstream columns (click it again or press Esc to clear)";
    }
    function focus(key) { focused = key !== null && row[key] ? key : null; apply(); }
    function search() {
      var s = q.value.trim().toLowerCase(), first = null;
      root.classList.toggle("searching", s !== "");
      rows.forEach(function (r) {
        var hit = s !== "" && r.getAttribute("data-key").indexOf(s) >= 0;
        r.classList.toggle("hit", hit);
        if (hit && first === null) first = r;
      });
      return first;
    }
    function fromHash() {
      var h = {};
      location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
        var i = kv.indexOf("=");
        if (i > 0) h[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
      });
      if (h.hide !== undefined) { tv.checked = h.hide.indexOf("value") < 0; ti.checked = h.hide.indexOf("indirect") < 0; }
      if (h.q !== undefined) { q.value = h.q; search(); }
      focus(h.focus !== undefined ? h.focus.toLowerCase() : null);
    }
    rows.forEach(function (r) {
      r.addEventListener("click", function () {
        var k = r.getAttribute("data-key");
        focus(focused === k ? null : k);
        try { history.replaceState(null, "", focused === null ? "#" : "#focus=" + encodeURIComponent(focused)); } catch (e) {}
      });
    });
    q.addEventListener("input", search);
    q.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { var f = search(); if (f) focus(f.getAttribute("data-key")); }
      if (ev.key === "Escape") { q.value = ""; search(); focus(null); }
    });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && ev.target !== q) focus(null); });
    tv.addEventListener("change", apply);
    ti.addEventListener("change", apply);
    window.addEventListener("hashchange", function () {
      fromHash();
      // A link to a column (the docs site's column tables) brings the graph into view.
      if (focused !== null) row[focused].scrollIntoView({ block: "center", inline: "center" });
    });
    fromHash();
  })(document.currentScript.parentNode);
})();`;

/** The picture with its controls and behaviour, for embedding in a page that includes LINEAGE_CSS. */
export function lineageWidget(p: Picture, intro = ""): string {
  const indirect = p.edges.filter(isIndirect).length;
  const legend = ["direct", "cast", "expression", "aggregation", "window"]
    .map((k) => `<span class="key ${k}">${k}</span>`)
    .join(" ");
  const counts = `${p.tables.length} tables, ${p.edges.length - indirect} value edges${indirect > 0 ? `, ${indirect} indirect edges` : ""}.`;
  return `<div class="lg">
<div class="controls"><input class="lg-q" type="search" placeholder="Find a column (Enter focuses it)" aria-label="Find a column">
<label><input class="lg-value" type="checkbox" checked> value</label>
<label><input class="lg-indirect" type="checkbox" checked> indirect</label>
<span>${legend} <span class="key indirect">indirect (dashed)</span></span></div>
<p class="lg-status">${intro}${counts} Click a column to focus its upstream and downstream; hover an edge for its transform.</p>
${svgOf(p)}
<script>
${SCRIPT}
</script>
</div>`;
}

export function renderHtml(p: Picture): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(p.title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, sans-serif; margin: 16px; color: #1f2328; background: #fff; }
  h1 { font-size: 18px; margin: 0 0 4px; }
${LINEAGE_CSS}
</style>
</head>
<body>
<h1>${esc(p.title)}</h1>
${lineageWidget(p)}
</body>
</html>
`;
}
