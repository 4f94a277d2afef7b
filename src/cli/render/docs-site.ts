/**
 * `rocky docs`: one self-contained page (no network): every model with its description,
 * target, strategy, tests, columns (declared types) and SQL, the sources, each column's
 * upstream fields (value and indirect), the DAG picture, and the project's column-lineage
 * graph — the lineage html component (search, click to focus, value/indirect toggles),
 * each column of the tables linking to its focus. A small inline script filters by name.
 */
import type { catalogPayload } from "../../catalog/catalog.ts";
import type { DagPayload } from "../../compile/dag-view.ts";
import type { Execution } from "../../catalog/history.ts";
import { renderDagHtml } from "./dag-html.ts";
import { LINEAGE_CSS, lineageWidget } from "./lineage-html.ts";
import { buildPicture, type PictureEdge, type TableLookup } from "./lineage-picture.ts";

/** Above this many columns the whole-project graph is not drawn (a browser would crawl). */
const MAX_GRAPH_COLUMNS = 1500;

type Catalog = ReturnType<typeof catalogPayload>;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function renderDocsSite(
  catalog: Catalog,
  dag: DagPayload,
  sqlOf: (model: string) => string | undefined,
  history: Map<string, Execution[]> = new Map(),
): string {
  const svg = /<svg[\s\S]*<\/svg>/.exec(renderDagHtml(dag))?.[0] ?? "";
  const inputs = new Map<string, string[]>();
  const rowsBy = new Map<string, string[]>();
  const note = (m: Map<string, string[]>, k: string, text: string) => {
    const list = m.get(k) ?? [];
    list.push(text);
    m.set(k, list);
  };
  for (const e of catalog.edges)
    note(
      inputs,
      `${e.target.model}.${e.target.column}`,
      `${e.source.model}.${e.source.column} (${e.transform})`,
    );
  for (const e of catalog.indirect_edges)
    note(rowsBy, `${e.target.model}.${e.target.column}`, `${e.source.model}.${e.source.column} (${e.via})`);
  const fromCell = (k: string) => {
    const rows = rowsBy.get(k);
    return `${esc((inputs.get(k) ?? []).join(", "))}${rows ? `<span class="rows">rows: ${esc(rows.join(", "))}</span>` : ""}`;
  };
  const graph = projectGraph(catalog);
  const sections = catalog.assets
    .map((a) => {
      const cols = a.columns
        .map(
          (c) =>
            `<tr data-col="${esc(c.name.toLowerCase())}"><td>${esc(c.name)}</td><td>${esc(c.type ?? "")}</td><td>${fromCell(`${a.name}.${c.name}`)}</td>${graph.drawn ? `<td><a href="#focus=${esc(encodeURIComponent(`${a.name}.${c.name}`.toLowerCase()))}" title="focus it in the column-lineage graph">graph</a></td>` : ""}</tr>`,
        )
        .join("");
      const sql = sqlOf(a.name);
      const runs = (history.get(a.name) ?? [])
        .map(
          (e) =>
            `<tr><td>${esc(e.started_at.replace("T", " ").replace(/\.\d+Z$/, "Z"))}</td><td class="st-${esc(e.status)}">${esc(e.status)}</td><td>${(e.duration_ms / 1000).toFixed(2)}s</td><td>${e.rows_affected ?? "-"}</td><td>${esc(e.run_id)}</td></tr>`,
        )
        .join("");
      const meta = [
        a.kind,
        a.target ? `${a.target.catalog}.${a.target.schema}.${a.target.table}` : undefined,
        a.strategy ?? undefined,
        a.file ?? undefined,
      ].filter((x) => x !== undefined);
      return `<section class="asset" id="${esc(a.name)}" data-name="${esc(a.name.toLowerCase())}">
<h2>${esc(a.name)}</h2><p class="meta">${meta.map(esc).join(" · ")}</p>
${a.description ? `<p>${esc(a.description)}</p>` : ""}
${a.tests.length > 0 ? `<p>Tests: ${a.tests.map((t) => esc(t.column ? `${t.type}(${t.column})` : t.type)).join(", ")}</p>` : ""}
${a.upstream.length > 0 ? `<p>Reads: ${a.upstream.map((u) => `<a href="#${esc(u)}">${esc(u)}</a>`).join(", ")}</p>` : ""}
${a.columns_unavailable ? `<p class="warn">Columns unknown: ${esc(a.columns_unavailable)}</p>` : ""}
${cols ? `<table><tr><th>column</th><th>type</th><th>computed from</th>${graph.drawn ? "<th></th>" : ""}</tr>${cols}</table>` : ""}
${runs ? `<details class="runs" open><summary>Recent runs</summary><table><tr><th>started</th><th>status</th><th>duration</th><th>rows</th><th>run</th></tr>${runs}</table></details>` : ""}
${sql !== undefined ? `<details><summary>SQL</summary><pre>${esc(sql)}</pre></details>` : ""}
</section>`;
    })
    .join("\n");
  const s = catalog.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(catalog.project)} · rocky docs</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;padding:16px 24px;color:#222;background:#fafafa}
h1{font-size:20px}h2{font-size:16px;margin:0 0 4px}.meta{color:#666;font-size:12px;margin:0 0 6px}
.asset{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:10px 0}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #eee;padding:3px 10px;text-align:left}
pre{background:#f4f4f4;padding:8px;overflow:auto}.warn{color:#a15c00}#q{padding:6px;width:320px;font-size:14px}
tr.hit td{background:#fff4c2}.st-success{color:#2a7a2a}.st-failed{color:#b00020}
.dag{overflow:auto;border:1px solid #ddd;background:#fff;margin:10px 0}
.node rect{fill:#fff;stroke:#4a6fa5;stroke-width:1.5}.node.source rect{fill:#f3f3f3;stroke:#888;stroke-dasharray:4 3}
.node.test rect{fill:#f6fbf3;stroke:#5a9a3a}.label{font-size:13px;font-weight:600}.sub{font-size:11px;fill:#666}
.head{font-size:12px;fill:#888;text-transform:uppercase}.edge{fill:none;stroke:#8aa;stroke-width:1.4}.edge.check{stroke-dasharray:3 3}
.rows{display:block;color:#9a6700;font-size:12px}.lineage{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:10px 0;overflow:auto}
.lineage h2{margin:0}
${LINEAGE_CSS}
</style></head><body>
<h1>${esc(catalog.project)}</h1>
<p>${s.models} models, ${s.sources} sources, ${s.columns} columns, ${s.edges} column edges</p>
<div class="dag">${svg}</div>
<div class="lineage" id="lineage"><h2>Column lineage</h2>${graph.html}</div>
<input id="q" type="search" placeholder="Find models, sources and columns">
${sections}
<script>
document.getElementById("q").addEventListener("input", function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll(".asset").forEach(function (s) {
    var hit = false;
    s.querySelectorAll("tr[data-col]").forEach(function (r) {
      var on = q !== "" && r.dataset.col.indexOf(q) >= 0;
      r.classList.toggle("hit", on);
      hit = hit || on;
    });
    s.style.display = hit || s.dataset.name.indexOf(q) >= 0 ? "" : "none";
  });
});
</script>
</body></html>
`;
}

/** The whole project's column-lineage graph (value and indirect), or why it is not drawn. */
function projectGraph(catalog: Catalog): { html: string; drawn: boolean } {
  const columns = catalog.assets.reduce((n, a) => n + a.columns.length, 0);
  if (catalog.assets.length === 0) return { html: "<p>No models.</p>", drawn: false };
  if (columns > MAX_GRAPH_COLUMNS)
    return {
      html: `<p>${columns} columns are too many to draw on one page; draw a part with <code>rocky lineage --select SELECTOR --indirect --format html</code>.</p>`,
      drawn: false,
    };
  const byName = new Map(catalog.assets.map((a) => [a.name.toLowerCase(), a]));
  const lookup: TableLookup = {
    table(name) {
      const a = byName.get(name.toLowerCase());
      if (!a) return undefined;
      return {
        name: a.name,
        kind: a.kind,
        columns: a.columns.map((c) => c.name),
        ...(a.columns_unavailable !== null ? { unavailable: a.columns_unavailable } : {}),
      };
    },
    allTables: () => catalog.assets,
  };
  const edges: PictureEdge[] = [
    ...catalog.edges,
    ...catalog.indirect_edges.map((e) => ({ ...e, transform: "indirect", kind: "indirect" as const })),
  ];
  const picture = buildPicture(
    lookup,
    `Column lineage of ${catalog.project}`,
    { model: catalog.assets[0]!.name },
    edges,
    true,
  );
  return { html: lineageWidget(picture), drawn: true };
}
