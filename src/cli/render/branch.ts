/** Text output of the branch commands (JSON is the payload itself). */
import type { BranchObject, BranchRecord } from "../../state/branches.ts";
import type { CompareResult, ModelComparison } from "../../branch/compare.ts";
import { formatDuration } from "../../config/duration.ts";
import { noun, padVisible, plural } from "../../format.ts";
import type { DeleteResult } from "../../branch/delete.ts";
import type { GcResult } from "../../branch/gc.ts";
import { branchEntry, describeObject } from "../../branch/objects.ts";
import type { listEntries } from "../../branch/list-flow.ts";
import type { PromoteResult } from "../../branch/promote.ts";
import type { RollbackResult } from "../../branch/rollback.ts";
import type { PromoteDryRun } from "../../testing/gate.ts";

const KIND_LABEL: Record<BranchObject["kind"], string> = {
  schema: "schema",
  table: "table",
  view: "view",
  clone_table: "clone",
  clone_view: "clone view",
};

function objectLines(objects: readonly BranchObject[], indent = "  "): string[] {
  return objects.map((o) => `${indent}${padVisible(KIND_LABEL[o.kind], 10)} ${describeObject(o).object}`);
}

/** What `--clone` made: views read production's current data, so say so rather than "copy". */
function cloneSummary(branch: string, cloned: readonly BranchObject[]): string {
  const n = cloned.length;
  const views = cloned.every((o) => o.kind === "clone_view");
  const what = views
    ? `${plural(n, "view")} over production (zero-copy: ${noun(n, "it reads", "they read")} production's current data, not an isolated copy)`
    : `${plural(n, "zero-copy clone")} of production`;
  return `${what}; 'rocky run --branch ${branch}' replaces each with a branch table as it rebuilds the model:`;
}

export function renderCreate(rec: BranchRecord, cloned: readonly BranchObject[] | undefined): string {
  const lines = [`created branch '${rec.name}' (schema_prefix: ${rec.schema_prefix})`];
  if (cloned !== undefined) {
    lines.push(
      cloned.length === 0
        ? "nothing to clone: no model has a production table yet"
        : cloneSummary(rec.name, cloned),
      ...objectLines(cloned),
    );
  }
  return lines.join("\n");
}

/** One `branch list` entry, as the flow builds it (and the schema checks). */
export type ListEntry = Awaited<ReturnType<typeof listEntries>>["entries"][number];

function expiry(e: ListEntry, now: number): string {
  if (e.expires_at === null) return "never expires";
  const left = Date.parse(e.expires_at) - now;
  return left <= 0
    ? `EXPIRED ${formatDuration(-left)} ago (rocky branch gc)`
    : `expires in ${formatDuration(left)}`;
}

export function renderList(
  records: readonly ListEntry[],
  leftovers: readonly { name: string; objects: number }[] = [],
  now = Date.now(),
): string {
  const tail = leftovers.map(
    (l) =>
      `left in the warehouse by deleted branch '${l.name}': ${plural(l.objects, "object")} (rocky branch delete ${l.name} --drop)`,
  );
  if (records.length === 0) return ["no branches", ...tail].join("\n");
  return [
    `branches (${records.length}):`,
    ...records.map((e) => {
      const desc = e.description === undefined ? "" : `  (${e.description})`;
      return (
        `  ${e.name}  schema_prefix=${e.schema_prefix}${desc}  by ${e.created_by} at ${e.created_at}\n` +
        `    age ${formatDuration(e.age_seconds * 1000)}, ${expiry(e, now)}, ${plural(e.objects, "object")}, ` +
        `last run ${e.last_run === null ? "never" : e.last_run.replace(/Z$/, "+00:00")}`
      );
    }),
    ...tail,
  ].join("\n");
}

export function renderShow(rec: BranchRecord, objects: readonly BranchObject[]): string {
  const e = branchEntry(rec);
  const lines = [
    `branch: ${e.name}`,
    `schema_prefix: ${e.schema_prefix}`,
    `created_by: ${e.created_by}`,
    `created_at: ${e.created_at}`,
  ];
  if (e.description !== undefined) lines.push(`description: ${e.description}`);
  lines.push(`expires_at: ${e.expires_at ?? "never"}`);
  lines.push(
    objects.length === 0 ? "objects: none in the warehouse" : `objects (${objects.length}):`,
    ...objectLines(objects),
  );
  return lines.join("\n");
}

export function renderDelete(r: DeleteResult, dropRequested: boolean): string {
  const lines: string[] = [];
  if (r.removed) lines.push(`deleted branch '${r.name}'`);
  else if (r.errors.length === 0) lines.push(`no branch named '${r.name}'`);
  else lines.push(`branch '${r.name}' kept: some objects could not be dropped`);
  if (r.dropped.length > 0) lines.push(`dropped (${r.dropped.length}):`, ...objectLines(r.dropped));
  for (const e of r.errors) lines.push(`  failed     ${describeObject(e.object).object}: ${e.error}`);
  if (r.left.length > 0) {
    lines.push(`left in the warehouse (${r.left.length}):`, ...objectLines(r.left));
    lines.push(
      dropRequested
        ? `re-run 'rocky branch delete ${r.name} --drop' once the cause is fixed`
        : `run 'rocky branch delete ${r.name} --drop' to drop them`,
    );
  }
  return lines.join("\n");
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "string") return v;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function sampleLines(title: string, rows: readonly Record<string, unknown>[], total: number): string[] {
  if (total === 0) return [];
  const out = [`    ${title} (${total}${rows.length < total ? `, showing ${rows.length}` : ""}):`];
  for (const r of rows)
    out.push(
      `      ${Object.entries(r)
        .map(([k, v]) => `${k}=${cell(v)}`)
        .join("  ")}`,
    );
  return out;
}

const share = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
const fmt = (x: number | null) =>
  x === null ? "NULL" : Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, "");

/** A sample value as the warehouse shows it: a DECIMAL with its scale (`25.90`, not `25.9`). */
function typed(v: unknown, type: string | undefined): string {
  const scale = type ? /^(?:DECIMAL|NUMERIC|NUMBER)\(\d+,\s*(\d+)\)$/i.exec(type)?.[1] : undefined;
  if (scale !== undefined && typeof v === "number") return v.toFixed(Number(scale));
  return cell(v);
}

/** Which declaration the key came from; nothing for `--key`, which the user just typed. */
function keySourceNote(source: ModelComparison["key_source"]): string {
  if (source === null || source === "flag") return "";
  return ` (${source === "contract" ? "contract primary key" : source})`;
}

function keyedLines(m: ModelComparison): string[] {
  const k = m.keyed!;
  const types = new Map(k.columns.map((c) => [c.name, c.type]));
  const lines = [
    `    keyed on ${k.key.join(", ")}${keySourceNote(m.key_source)}: ${k.rows_added} added, ${k.rows_removed} removed, ${k.rows_changed} changed, ${k.rows_unchanged} unchanged`,
  ];
  const side = (s: { branch: number; production: number }) =>
    `branch ${s.branch}, production ${s.production}`;
  if (k.null_key_rows.branch + k.null_key_rows.production > 0)
    lines.push(`    rows with a NULL key (not compared): ${side(k.null_key_rows)}`);
  if (k.duplicate_keys.branch + k.duplicate_keys.production > 0)
    lines.push(
      `    duplicate keys (counted once, values not compared): ${side(k.duplicate_keys)} keys holding ${side(k.duplicate_key_rows)} rows`,
    );
  for (const c of k.columns) {
    if (c.changed === 0) continue;
    const delta = c.delta
      ? `  delta min ${fmt(c.delta.min)} max ${fmt(c.delta.max)} mean ${fmt(c.delta.mean)}`
      : "";
    lines.push(`    ~ ${c.name}: ${c.changed} changed (${share(c.changed_share)})${delta}`);
  }
  if (k.sample_changed.length > 0) {
    lines.push(`    changed rows (showing ${k.sample_changed.length} of ${k.rows_changed}):`);
    for (const r of k.sample_changed) {
      const key = Object.entries(r.key)
        .map(([n, v]) => `${n}=${cell(v)}`)
        .join(" ");
      lines.push(
        `      ${key}: ${r.changes.map((c) => `${c.column} ${typed(c.production, types.get(c.column))} → ${typed(c.branch, types.get(c.column))}`).join(", ")}`,
      );
    }
  }
  lines.push(...sampleLines("added", k.sample_added, k.rows_added));
  lines.push(...sampleLines("removed", k.sample_removed, k.rows_removed));
  return lines;
}

function modelBlock(m: ModelComparison): string[] {
  const lines = [`  ${m.model}: ${m.verdict}`, `    ${m.shadow_table} vs ${m.production_table}`];
  lines.push(`    rows: branch ${m.shadow_count}, production ${m.production_count}`);
  for (const c of m.columns_added) lines.push(`    + column ${c.name} ${c.type}`);
  for (const c of m.columns_removed) lines.push(`    - column ${c.name} ${c.type}`);
  for (const c of m.columns_retyped)
    lines.push(`    ~ column ${c.name} ${c.production_type} -> ${c.branch_type}`);
  if (m.keyed) lines.push(...keyedLines(m));
  else if (m.verdict !== "missing_in_production") {
    lines.push(`    unkeyed row-hash diff (${m.unkeyed_reason ?? "no key"})`);
    lines.push(...sampleLines("only in branch", m.sample_only_in_branch, m.rows_only_in_branch));
    lines.push(...sampleLines("only in production", m.sample_only_in_production, m.rows_only_in_production));
  }
  for (const b of m.blast_radius) {
    lines.push(
      b.downstream.length === 0
        ? `    ${b.change} ${m.model}.${b.column}: no downstream column reads it`
        : `    ${b.change} ${m.model}.${b.column} is read by: ${b.downstream.map((d) => `${d.model}.${d.column}${d.kind === "indirect" ? " (indirect)" : ""}`).join(", ")}`,
    );
  }
  return lines;
}

export function renderCompare(r: CompareResult): string {
  if (r.results.length === 0) {
    return `branch '${r.branch}': no model built in the branch${r.filter ? ` matching ${r.filter}` : ""} (run 'rocky run --branch ${r.branch}' first)`;
  }
  return [
    `branch '${r.branch}' vs production: ${r.overall_verdict}`,
    ...r.results.flatMap(modelBlock),
    `${r.tables_compared} compared: ${r.tables_passed} identical, ${r.tables_warned} changed, ${r.tables_failed} schema changed`,
    ...r.threshold_failures.map(
      (f) =>
        `FAIL ${f.model}: ${fmt(f.changed_pct)}% of rows changed, above --max-changed-pct ${f.max_changed_pct}`,
    ),
  ].join("\n");
}

export function renderPromote(r: PromoteResult): string {
  const mark = { promoted: "ok ", failed: "ERR", rolled_back: "-- ", not_run: "-- " } as const;
  const lines = [
    r.status === "success"
      ? `promoted branch '${r.branch}' to production (${plural(r.targets.length, "object")}, run ${r.run_id})`
      : `promote of branch '${r.branch}' failed (run ${r.run_id})`,
    ...r.targets.map(
      (t) =>
        `  ${mark[t.status]} ${t.model}: ${t.from} -> ${t.to}${t.status === "promoted" ? "" : ` (${t.status.replace("_", " ")})`}`,
    ),
  ];
  if (r.stale_downstream.length > 0) {
    lines.push(
      `not rebuilt, still computed from the old tables: ${r.stale_downstream.join(", ")}`,
      `  refresh them with 'rocky run ${r.stale_downstream.map((m) => `--model ${m}`).join(" ")}'`,
    );
  }
  if (r.backups.length > 0)
    lines.push(
      `kept the replaced production ${noun(r.backups.length, "table")} (${r.lifecycle.backup}); undo with 'rocky branch rollback ${r.run_id}'`,
    );
  if (r.expired_backups.length > 0)
    lines.push(`dropped ${plural(r.expired_backups.length, "backup")} of older promotes (keep_promotions)`);
  lines.push(lifecycleLine(r.lifecycle));
  if (r.error) lines.push(r.error);
  return lines.join("\n");
}

function lifecycleLine(l: PromoteResult["lifecycle"]): string {
  const yes = (b: boolean) => (b ? "yes" : "no");
  return `on this adapter: promote atomic ${yes(l.promote.atomic)}, zero-copy ${yes(l.promote.zero_copy)}; rollback atomic ${yes(l.rollback.atomic)}, zero-copy ${yes(l.rollback.zero_copy)} (backups by ${l.backup})`;
}

export function renderRollback(r: RollbackResult): string {
  const mark: Record<RollbackResult["targets"][number]["action"], string> = {
    restored: "ok ",
    dropped: "ok ",
    not_restorable: "-- ",
    failed: "ERR",
    rolled_back: "-- ",
    not_run: "-- ",
  };
  const lines = [
    r.status === "success"
      ? `rolled back promote ${r.promote_run_id} of branch '${r.branch}' (run ${r.run_id})`
      : `rollback of promote ${r.promote_run_id} failed (run ${r.run_id})`,
    ...r.targets.map((t) => {
      const what =
        t.action === "restored"
          ? `restored from ${t.backup}${t.fingerprint_match === true ? " (content hash matches the pre-promote table)" : t.fingerprint_match === false ? " (CONTENT HASH DIFFERS from the pre-promote table)" : ""}`
          : t.action === "dropped"
            ? "dropped (the promote created it)"
            : `${t.action.replace("_", " ")}${t.error ? `: ${t.error}` : ""}`;
      return `  ${mark[t.action]} ${t.model}: ${t.table} ${what}`;
    }),
    lifecycleLine(r.lifecycle),
  ];
  if (r.error) lines.push(r.error);
  return lines.join("\n");
}

export function renderGc(r: GcResult): string {
  if (r.branches.length === 0)
    return `nothing to collect: no branch has expired${r.older_than_ms === undefined ? "" : " or is older than that"}`;
  const lines = [
    r.dry_run
      ? `dry run: would collect ${plural(r.branches.length, "branch", "branches")} (nothing changed)`
      : `branch gc ${r.gc_id}:`,
  ];
  for (const b of r.branches) {
    const why = b.reason === "expired" ? `expired ${b.expires_at}` : `created ${b.created_at}`;
    const head =
      b.status === "would_collect"
        ? `would collect '${b.name}' (${why})`
        : b.status === "collected"
          ? `collected '${b.name}' (${why})`
          : `FAILED '${b.name}' (${why}): kept, the others went on`;
    lines.push(`  ${head}`);
    if (b.status === "would_collect") lines.push(...objectLines(b.left, "    would drop "));
    else lines.push(...objectLines(b.dropped, "    dropped "));
    for (const f of b.failed)
      lines.push(`    failed  ${f.object ? describeObject(f.object).object : "(connection)"}: ${f.error}`);
    if (b.status === "failed" && b.left.length > 0)
      lines.push(`    left (${b.left.length}):`, ...objectLines(b.left, "      "));
  }
  if (!r.dry_run) {
    const failed = r.branches.filter((b) => b.status === "failed").length;
    lines.push(
      `${r.branches.length - failed} collected, ${failed} failed${failed > 0 ? ": fix the cause and re-run 'rocky branch gc'" : ""}`,
    );
  }
  return lines.join("\n");
}

export function renderDryRun(p: PromoteDryRun): string {
  const lines = [`Dry run: promoting branch '${p.branch}' would publish ${p.targets.length} object(s):`];
  for (const t of p.targets) lines.push(`  ${t.model}  ${t.from} -> ${t.to}  (${t.kind})`);
  lines.push("");
  const tests = p.gate.refusals.filter((r) => r.gate !== "compare");
  const compare = p.gate.refusals.filter((r) => r.gate === "compare");
  lines.push(tests.length === 0 ? "Test gate: passed" : "Test gate: refused");
  for (const r of tests) lines.push(`  ${r.model}: ${r.reason}`);
  if (p.compare_threshold_pct !== null) {
    lines.push(
      `Compare gate (max ${p.compare_threshold_pct}% changed): ${compare.length === 0 ? "passed" : "refused"}`,
    );
    for (const r of compare) lines.push(`  ${r.model}: ${r.reason}`);
  }
  lines.push(p.would_promote ? "Nothing was written." : "Nothing was written; the promote would be refused.");
  return lines.join("\n");
}
