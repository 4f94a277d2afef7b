/** Text (terminal) and Markdown (pull-request comment) renderings of a DiffReport. */
import { padVisible, plural } from "../../format.ts";
import { bold, dim, green, red, yellow } from "../style.ts";
import type { ColumnChange, DiffReport, ImpactedColumn, ModelDiff } from "../../diff/diff.ts";

function kindText(c: ColumnChange): string {
  return c.kinds
    .map((k) => {
      switch (k) {
        case "renamed":
          return `renamed from ${c.renamed_from}`;
        case "type_changed":
          return `type ${c.old_type} -> ${c.new_type}`;
        case "expression_changed":
          return "expression changed";
        case "rows_changed":
          return "rows changed";
        case "sources_changed":
          return `sources ${c.old_sources?.join(", ") || "(none)"} -> ${c.new_sources?.join(", ") || "(none)"}`;
        default:
          return k;
      }
    })
    .join("; ");
}

const depthText = (x: ImpactedColumn) => (x.via === "indirect" ? `${x.depth}, indirect` : `${x.depth}`);

function impactText(d: ImpactedColumn[], limit = 8): string {
  const shown = d.slice(0, limit).map((x) => `${x.model}.${x.column} (${depthText(x)})`);
  return d.length > limit ? `${shown.join(", ")}, … ${d.length - limit} more` : shown.join(", ");
}

export function summaryLine(r: DiffReport): string {
  const s = r.summary;
  const changed = s.added + s.removed + s.modified;
  if (changed === 0) return `No model changes between ${r.base_ref} and ${r.head_ref}.`;
  const parts = [
    s.added ? `${s.added} added` : "",
    s.removed ? `${s.removed} removed` : "",
    s.modified ? `${s.modified} modified` : "",
  ].filter(Boolean);
  const classes = [`${s.breaking} breaking`, `${s.non_breaking} non-breaking`, `${s.cosmetic} cosmetic`];
  return `${plural(changed, "model")} changed (${parts.join(", ")}): ${classes.join(", ")}; ${plural(r.rebuild.length, "model")} to rebuild.`;
}

const badge = (m: ModelDiff) =>
  m.classification === "breaking"
    ? red("breaking")
    : m.classification === "cosmetic"
      ? dim("cosmetic")
      : green("non-breaking");

export function renderDiffText(r: DiffReport): string {
  const lines = [bold(`rocky diff: ${r.base_ref} -> ${r.head_ref}`), ""];
  for (const m of r.models) {
    const mark = m.status === "added" ? green("+") : m.status === "removed" ? red("-") : yellow("~");
    lines.push(`${mark} ${bold(m.model_name)}  ${m.status}  [${badge(m)}]  ${dim(m.changes.join(", "))}`);
    if (m.base_unavailable) lines.push(`    ${dim(`base: columns unavailable (${m.base_unavailable})`)}`);
    if (m.head_unavailable)
      lines.push(`    ${dim(`working tree: columns unavailable (${m.head_unavailable})`)}`);
    for (const n of m.notes) lines.push(`    ${dim(n)}`);
    if (m.status === "modified" || m.columns.length <= 12) {
      const w = Math.max(6, ...m.columns.map((c) => c.column.length));
      for (const c of m.columns) {
        const cls = c.classification === "breaking" ? red("breaking") : c.classification;
        lines.push(`    ${padVisible(c.column, w)}  ${kindText(c)}  [${cls}]`);
        if (c.downstream.length > 0)
          lines.push(`    ${" ".repeat(w)}  ${dim(`-> ${impactText(c.downstream)}`)}`);
      }
    } else lines.push(`    ${plural(m.columns.length, "column")}`);
    if (m.downstream_models.length > 0)
      lines.push(`    ${dim(`downstream: ${m.downstream_models.join(", ")}`)}`);
    lines.push("");
  }
  if (r.rebuild.length > 0) lines.push(`Rebuild: ${r.rebuild.join(", ")}`, "");
  lines.push(bold(summaryLine(r)));
  return lines.join("\n");
}

/** Columns shown per blast radius, and models detailed, in a comment (GitHub caps a comment at 65,536 characters). */
const MD_RADIUS = 12;
const MD_MODELS = 40;
const MD_PICTURE = 60;
const MD_TABLE = 100;

/** Model names as code, at most `limit` of them. */
function names(list: string[], limit: number): string {
  if (list.length === 0) return "—";
  const shown = list.slice(0, limit).map(code).join(", ");
  return list.length > limit ? `${shown}, … and ${list.length - limit} more` : shown;
}

const md = (s: string) => s.replace(/([|\\`*_[\]<>])/g, "\\$1");
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const icon = (m: ModelDiff) =>
  m.classification === "breaking" ? "🔴" : m.classification === "cosmetic" ? "⚪" : "🟢";

function mermaid(r: DiffReport): string[] {
  const changed = new Map(r.models.map((m) => [m.model_name, m]));
  const nodes = new Set<string>(r.rebuild);
  for (const m of r.models) nodes.add(m.model_name);
  for (const e of r.impact_edges) {
    nodes.add(e.from);
    nodes.add(e.to);
  }
  if (nodes.size === 0) return [];
  if (nodes.size > MD_PICTURE)
    return [`_${nodes.size} models are impacted: too many to draw here (see \`rocky diff -o json\`)._`];
  const ids = new Map([...nodes].map((n, i) => [n, `m${i}`]));
  const lines = ["```mermaid", "flowchart LR"];
  for (const [n, id] of ids) {
    const m = changed.get(n);
    const what = m ? `${m.status}, ${m.classification}` : "impacted";
    lines.push(`  ${id}["${n.replace(/"/g, "#quot;")}<br/>${what}"]`);
  }
  for (const e of r.impact_edges) lines.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);
  lines.push("  classDef breaking fill:#fdd,stroke:#c00");
  lines.push("  classDef changed fill:#dfd,stroke:#080");
  lines.push("  classDef impacted fill:#ffd,stroke:#aa0");
  for (const [n, id] of ids) {
    const m = changed.get(n);
    lines.push(
      `  class ${id} ${m ? (m.classification === "breaking" ? "breaking" : "changed") : "impacted"}`,
    );
  }
  lines.push("```");
  return lines;
}

function radius(d: ImpactedColumn[]): string {
  if (d.length === 0) return "—";
  const shown = d.slice(0, MD_RADIUS).map((x) => `${code(`${x.model}.${x.column}`)} (${depthText(x)})`);
  return d.length > MD_RADIUS ? `${shown.join(", ")}, … and ${d.length - MD_RADIUS} more` : shown.join(", ");
}

export function renderDiffMarkdown(r: DiffReport): string {
  const out = [
    "## rocky diff",
    "",
    `**${md(summaryLine(r))}**`,
    "",
    `Base: ${code(r.base_ref)} · head: ${code(r.head_ref)}`,
  ];
  if (r.models.length === 0) return out.join("\n");
  out.push("", "| model | status | change | columns | downstream |", "|---|---|---|---|---|");
  for (const m of r.models.slice(0, MD_TABLE))
    out.push(
      `| ${icon(m)} ${code(m.model_name)} | ${m.status} | ${m.classification} | ${m.columns.length} | ${names(m.downstream_models, 6)} |`,
    );
  if (r.models.length > MD_TABLE) out.push(`| … and ${r.models.length - MD_TABLE} more | | | | |`);
  const picture = mermaid(r);
  if (picture.length > 0) out.push("", "### Impacted models", "", ...picture);
  const detailed = r.models.slice(0, MD_MODELS);
  for (const m of detailed) {
    out.push("", `### ${icon(m)} ${code(m.model_name)} — ${m.status}, ${m.classification}`, "");
    if (m.file)
      out.push(`File: ${code(m.file)}${m.changes.length ? ` · changed: ${m.changes.join(", ")}` : ""}`, "");
    if (m.base_unavailable) out.push(`> Base: columns unavailable (${md(m.base_unavailable)})`, "");
    if (m.head_unavailable) out.push(`> Working tree: columns unavailable (${md(m.head_unavailable)})`, "");
    for (const n of m.notes) out.push(`> ${md(n)}`, "");
    if (m.columns.length === 0) {
      if (m.classification === "cosmetic") out.push("Formatting only: no column computes differently.");
      continue;
    }
    out.push(
      "| column | change | class | blast radius (depth; indirect: read by a WHERE, JOIN, GROUP BY, …) |",
      "|---|---|---|---|",
    );
    for (const c of m.columns)
      out.push(
        `| ${code(c.column)} | ${md(kindText(c))} | ${c.classification === "breaking" ? "**breaking**" : c.classification} | ${radius(c.downstream)} |`,
      );
  }
  if (r.models.length > detailed.length)
    out.push(
      "",
      `… and ${r.models.length - detailed.length} more changed models: see \`rocky diff -o json\`.`,
    );
  if (r.rebuild.length > 0) out.push("", `**Rebuild set** (${r.rebuild.length}): ${names(r.rebuild, 100)}`);
  return out.join("\n");
}
