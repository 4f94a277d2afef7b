/**
 * `rocky diff`: compare two compiled versions of a project (base and working tree) model
 * by model and column by column, trace each changed column downstream through the
 * working tree's semantic graph, and classify it. Pure over two CompileResults plus the
 * parse trees of the models whose SQL changed (see fingerprint.ts).
 */
import { readFileSync } from "node:fs";
import type { CompileResult, CompiledModel } from "../compile/types.ts";
import type { SemanticGraph } from "../graph/semantic.ts";
import type { Model } from "../project/types.ts";
import type { Statement } from "../sql/ast.ts";
import type { ParsedSql } from "../sql/types.ts";
import { BlastRadius } from "./blast.ts";
import { type ModelPrint, fingerprintModel } from "./fingerprint.ts";
import { normaliseSql } from "./tokens.ts";

export type ColumnChangeKind =
  | "added"
  | "removed"
  | "renamed"
  | "type_changed"
  | "expression_changed"
  | "rows_changed"
  | "sources_changed";
export type ModelChangeKind = "sql" | "sidecar" | "strategy" | "target" | "columns";
export type Classification = "breaking" | "non-breaking" | "cosmetic";
export type ModelStatus = "added" | "removed" | "modified";

export interface ImpactedColumn {
  model: string;
  column: string;
  /** 1: reads the changed column directly; 2: reads one that does; … */
  depth: number;
  /** Which kind of dependency reached it: a value edge, or an indirect read (WHERE, JOIN, GROUP BY, …). */
  via: "value" | "indirect";
}

export interface ColumnChange {
  column: string;
  kinds: ColumnChangeKind[];
  /** For `renamed`: the base name. */
  renamed_from?: string;
  old_type?: string | null;
  new_type?: string | null;
  /** For `sources_changed`: `model.column` lists of both sides. */
  old_sources?: string[];
  new_sources?: string[];
  classification: Classification;
  /** Why the classification: one sentence. */
  reason: string;
  /** Transitive downstream columns, by depth then graph order. */
  downstream: ImpactedColumn[];
}

/** Rocky 1.10 `ci_diff` column entry: only these three kinds. */
export interface CiColumnDiff {
  change_type: "added" | "removed" | "type_changed";
  column_name: string;
  old_type: string | null;
  new_type: string | null;
}

export interface ModelDiff {
  model_name: string;
  status: ModelStatus;
  classification: Classification;
  /** What differs in the model's files: SQL text, sidecar, strategy, target; `columns` for a change that came from upstream. */
  changes: ModelChangeKind[];
  file: string | null;
  column_changes: CiColumnDiff[];
  columns: ColumnChange[];
  /** Models reading a changed column (transitively), in DAG order. */
  downstream_models: string[];
  /** Set when the model's columns could not be analysed on that side: its columns are not compared. */
  base_unavailable?: string;
  head_unavailable?: string;
  /** Compile errors of the model on the working-tree side. */
  notes: string[];
}

export interface DiffReport {
  base_ref: string;
  head_ref: string;
  summary: {
    total_models: number;
    added: number;
    removed: number;
    modified: number;
    unchanged: number;
    breaking: number;
    non_breaking: number;
    cosmetic: number;
    columns_changed: number;
  };
  models: ModelDiff[];
  /** Changed models plus the downstream models that read a changed column, in DAG order. */
  rebuild: string[];
  /** Rebuild set edges, for pictures: `from` model's column feeds `to`. */
  impact_edges: { from: string; to: string }[];
}

export interface DiffInput {
  base: CompileResult;
  head: CompileResult;
  baseRef: string;
  headRef: string;
  /** Parses SQL (models whose text differs, both sides). */
  parse: (sqls: string[]) => Promise<ParsedSql[]>;
}

const lc = (s: string) => s.toLowerCase();
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function sidecarText(m: Model): string | undefined {
  if (!m.sidecar) return undefined;
  try {
    return readFileSync(m.sidecar, "utf8");
  } catch {
    return undefined;
  }
}

const stable = (v: unknown) =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );

function modelChanges(b: Model, h: Model, bc: CompiledModel, hc: CompiledModel): ModelChangeKind[] {
  const out: ModelChangeKind[] = [];
  if (bc.sqlHash !== hc.sqlHash) out.push("sql");
  const bs = sidecarText(b);
  const hs = sidecarText(h);
  if ((bs ?? "").trim() !== (hs ?? "").trim()) out.push("sidecar");
  if (stable(b.strategy) !== stable(h.strategy)) out.push("strategy");
  if (stable(b.target) !== stable(h.target)) out.push("target");
  return out;
}

function sourcesOf(graph: SemanticGraph, model: string, column: string): string[] {
  return [
    ...new Set(graph.producers(model, column).map((e) => `${e.source.model}.${e.source.column}`)),
  ].sort();
}

function typeLookup(result: CompileResult): (table: string, column: string) => string | undefined {
  const types = new Map<string, Map<string, string>>();
  for (const s of result.project.config.sources.values()) {
    const cols = new Map<string, string>();
    for (const c of s.columns) if (c.type) cols.set(lc(c.name), c.type.toUpperCase().replace(/\s+/g, ""));
    if (cols.size > 0) types.set(lc(s.name), cols);
  }
  return (table, column) => {
    const t = lc(table);
    let cols = types.get(t);
    if (!cols) for (const [k, v] of types) if (k.endsWith(`.${t}`) || t.endsWith(`.${k}`)) cols = v;
    return cols?.get(lc(column));
  };
}

export async function diffProjects(input: DiffInput): Promise<DiffReport> {
  const { base, head } = input;
  const names = new Map<string, { b?: CompiledModel; h?: CompiledModel }>();
  for (const [n, m] of base.models) names.set(lc(n), { b: m });
  for (const [n, m] of head.models) names.set(lc(n), { ...names.get(lc(n)), h: m });

  // Parse both sides of every model whose SQL text changed, in one batch per side.
  const edited = [...names.values()].filter((x) => x.b && x.h && x.b.sqlHash !== x.h.sqlHash);
  const baseModel = (c: CompiledModel) => base.project.byName.get(c.name)!;
  const headModel = (c: CompiledModel) => head.project.byName.get(c.name)!;
  const printsB = new Map<string, ModelPrint | undefined>();
  const printsH = new Map<string, ModelPrint | undefined>();
  const typesB = typeLookup(base);
  const typesH = typeLookup(head);
  const print = (p: ParsedSql | undefined, cols: string[] | undefined, types: typeof typesB) => {
    if (!p?.ok || !cols) return undefined;
    try {
      return fingerprintModel(p.statements as Statement[], cols, types);
    } catch {
      return undefined;
    }
  };
  if (edited.length > 0) {
    const parsed = await input.parse([
      ...edited.map((x) => baseModel(x.b!).sql),
      ...edited.map((x) => headModel(x.h!).sql),
    ]);
    edited.forEach((x, i) => {
      printsB.set(lc(x.b!.name), print(parsed[i], x.b!.columns, typesB));
      printsH.set(lc(x.h!.name), print(parsed[edited.length + i], x.h!.columns, typesH));
    });
  }

  const models: ModelDiff[] = [];
  let unchanged = 0;
  const headRank = new Map(head.dag.order.map((n, i) => [lc(n), i]));
  const byRank = (a: string, b: string) => (headRank.get(lc(a)) ?? 1e9) - (headRank.get(lc(b)) ?? 1e9);

  /**
   * Readers of a column that no longer exists: the working tree's graph has no edge for a
   * reference to a missing column, so the base graph says who read it, kept where the
   * reader still does (its SQL is unchanged, or compile warns about that column), then
   * traced on through the working tree's graph.
   */
  const goneReaders = (model: string, column: string): ImpactedColumn[] => {
    const out: ImpactedColumn[] = [];
    for (const e of base.graph.consumers(model, column)) {
      const reader = e.target.model;
      const hm = head.models.get(reader);
      const bm = base.models.get(reader);
      if (!hm || lc(reader) === lc(model)) continue;
      const still =
        (bm && bm.sqlHash === hm.sqlHash) ||
        head.diagnostics.some(
          (d) => d.model === reader && new RegExp(`\\b${escapeRe(column)}\\b`, "i").test(d.message),
        );
      if (still) out.push({ model: reader, column: e.target.column, depth: 1, via: "value" });
    }
    return out;
  };

  /** Column changes whose blast radius is traced once every model is compared. */
  const pending: { change: ColumnChange; model: string; traceFrom: string }[] = [];
  const finishColumn = (
    model: string,
    column: string,
    kinds: ColumnChangeKind[],
    traceFrom: string,
    extra: Partial<ColumnChange> = {},
  ): ColumnChange => {
    const change: ColumnChange = {
      column,
      kinds,
      ...extra,
      classification: "non-breaking",
      reason: "",
      downstream: [],
    };
    pending.push({ change, model, traceFrom });
    return change;
  };

  const classify = (c: ColumnChange) => {
    const readers = [...new Set(c.downstream.filter((d) => d.depth === 1).map((d) => d.model))];
    if (c.kinds.includes("added") && c.kinds.length === 1) c.reason = "a new column";
    else if (readers.length === 0) c.reason = "nothing downstream reads it";
    else {
      c.classification = "breaking";
      const what = c.kinds.includes("removed")
        ? "removed"
        : c.kinds.includes("renamed")
          ? "renamed"
          : c.kinds.includes("type_changed")
            ? "retyped"
            : "changed";
      c.reason = `${what}, and read by ${readers.join(", ")}`;
    }
  };

  /**
   * Columns renamed so far (`model.new` -> old name), upstream first: a reader that follows
   * a rename computes the same value, so its expression and sources are compared as if
   * the old name were still used.
   */
  const renamedUpstream = new Map<string, string>();
  const unrename = (qualified: string) => {
    const dot = qualified.lastIndexOf(".");
    const old = renamedUpstream.get(lc(qualified));
    return old === undefined ? qualified : `${qualified.slice(0, dot)}.${old}`;
  };
  const unrenameExpr = (expr: string) => {
    if (renamedUpstream.size === 0) return expr;
    let out = expr;
    for (const [from, old] of renamedUpstream) {
      const [model, col] = [from.slice(0, from.lastIndexOf(".")), from.slice(from.lastIndexOf(".") + 1)];
      out = out.replace(
        new RegExp(
          `(^|[^A-Za-z0-9_$])((?:[A-Za-z0-9_$]+\\.)*${escapeRe(model)})\\.${escapeRe(col)}(?![A-Za-z0-9_$])`,
          "g",
        ),
        (_m, pre: string, table: string) => `${pre}${table}.${old}`,
      );
    }
    return out;
  };

  for (const { b, h } of names.values()) {
    if (b && h) {
      const bm = baseModel(b);
      const hm = headModel(h);
      const changes = modelChanges(bm, hm, b, h);
      const columns: ColumnChange[] = [];
      const notes: string[] = [];
      let baseUnavailable: string | undefined;
      let headUnavailable: string | undefined;
      if (b.columns === undefined) baseUnavailable = b.unavailable ?? "the model could not be analysed";
      if (h.columns === undefined) headUnavailable = h.unavailable ?? "the model could not be analysed";
      const sameColumns =
        b.columns !== undefined &&
        h.columns !== undefined &&
        b.columns.length === h.columns.length &&
        b.columns.every((c, i) => c === h.columns![i]);
      if (changes.length === 0 && sameColumns) {
        unchanged++;
        continue;
      }
      if (b.columns && h.columns) {
        const pb = printsB.get(lc(b.name));
        const ph = printsH.get(lc(h.name));
        const sqlChanged = b.sqlHash !== h.sqlHash;
        const bset = new Map(b.columns.map((c) => [lc(c), c]));
        const hset = new Map(h.columns.map((c) => [lc(c), c]));
        const removed = b.columns.filter((c) => !hset.has(lc(c)));
        const added = h.columns.filter((c) => !bset.has(lc(c)));
        // Only formatting differs (token level): nothing computes differently.
        const sameTokens =
          sqlChanged && normaliseSql(bm.sql, bm.dialect) === normaliseSql(hm.sql, hm.dialect);
        const rowsChanged = sqlChanged && !sameTokens && (!pb || !ph || pb.rows !== ph.rows);
        // Renames: a removed and an added column computed the same way (one-to-one).
        const renames = new Map<string, string>();
        if (pb && ph) {
          const taken = new Set<string>();
          for (const r of removed) {
            const was = pb.columns.get(lc(r));
            if (!was) continue;
            const same = added.filter((a) => !taken.has(a) && ph.columns.get(lc(a))?.expr === was.expr);
            if (same.length === 1) {
              renames.set(same[0]!, r);
              taken.add(same[0]!);
            }
          }
        }
        const renamedFrom = new Set(renames.values());
        for (const [to, from] of renames) renamedUpstream.set(`${lc(h.name)}.${lc(to)}`, lc(from));
        for (const r of removed) {
          if (renamedFrom.has(r)) continue;
          columns.push(
            finishColumn(h.name, r, ["removed"], r, { old_type: pb?.columns.get(lc(r))?.type ?? null }),
          );
        }
        for (const col of h.columns) {
          const old = bset.get(lc(col)) ?? renames.get(col);
          if (old === undefined) {
            columns.push(
              finishColumn(h.name, col, ["added"], col, { new_type: ph?.columns.get(lc(col))?.type ?? null }),
            );
            continue;
          }
          const kinds: ColumnChangeKind[] = [];
          const extra: Partial<ColumnChange> = {};
          if (renames.has(col)) {
            kinds.push("renamed");
            extra.renamed_from = old;
          }
          if (sqlChanged) {
            const x = pb?.columns.get(lc(old));
            const y = ph?.columns.get(lc(col));
            if (!sameTokens && (!x || !y || x.expr !== unrenameExpr(y.expr)))
              kinds.push("expression_changed");
            if (x?.type && y?.type && x.type !== y.type) {
              kinds.push("type_changed");
              extra.old_type = x.type;
              extra.new_type = y.type;
            }
            if (rowsChanged) kinds.push("rows_changed");
          }
          const os = sourcesOf(base.graph, b.name, old);
          const ns = sourcesOf(head.graph, h.name, col).map(unrename);
          if (os.join("\n") !== ns.join("\n")) {
            kinds.push("sources_changed");
            extra.old_sources = os;
            extra.new_sources = ns;
          }
          if (kinds.length === 0) continue;
          // A renamed column breaks readers of the old name; any other change, readers of this one.
          columns.push(finishColumn(h.name, col, kinds, renames.has(col) ? old : col, extra));
        }
      }
      if (!changes.includes("sql") && !changes.includes("sidecar") && columns.length > 0)
        changes.push("columns");
      for (const d of head.diagnostics)
        if (d.model === h.name && d.severity === "Error") notes.push(`${d.code}: ${d.message}`);
      // Unavailable on both sides with the same tokens: a formatting edit of a model still broken.
      const cosmeticText = normaliseSql(bm.sql, bm.dialect) === normaliseSql(hm.sql, hm.dialect);
      const hasReal =
        columns.length > 0 ||
        changes.some((c) => c !== "sql") ||
        (headUnavailable && !baseUnavailable) ||
        (baseUnavailable && !cosmeticText);
      let classification: Classification = hasReal ? "non-breaking" : "cosmetic";
      if (headUnavailable && !baseUnavailable && (head.graph.table(h.name)?.downstream.length ?? 0) > 0) {
        classification = "breaking";
        notes.push(
          `its columns cannot be analysed any more, and ${head.graph.table(h.name)!.downstream.join(", ")} read it`,
        );
      }
      models.push({
        model_name: h.name,
        status: "modified",
        classification,
        changes,
        file: hm.relPath,
        column_changes: [],
        columns,
        downstream_models: [],
        ...(baseUnavailable ? { base_unavailable: baseUnavailable } : {}),
        ...(headUnavailable ? { head_unavailable: headUnavailable } : {}),
        notes,
      });
    } else if (h) {
      const hm = headModel(h);
      const columns = (h.columns ?? []).map((c) => finishColumn(h.name, c, ["added"], c));
      models.push({
        model_name: h.name,
        status: "added",
        classification: "non-breaking",
        changes: ["sql"],
        file: hm.relPath,
        column_changes: [],
        columns,
        downstream_models: [],
        ...(h.columns === undefined
          ? { head_unavailable: h.unavailable ?? "the model could not be analysed" }
          : {}),
        notes: [],
      });
    } else if (b) {
      // A removed model: what still reads it in the working tree now reads an external table of that name.
      const columns = (b.columns ?? []).map((c) => finishColumn(b.name, c, ["removed"], c));
      const readers = head.graph.table(b.name)?.downstream ?? [];
      const notes = readers.length > 0 ? [`still read by ${readers.join(", ")}`] : [];
      models.push({
        model_name: b.name,
        status: "removed",
        classification: readers.length > 0 ? "breaking" : "non-breaking",
        changes: ["sql"],
        file: baseModel(b).relPath,
        column_changes: [],
        columns,
        downstream_models: [],
        ...(b.columns === undefined
          ? { base_unavailable: b.unavailable ?? "the model could not be analysed" }
          : {}),
        notes,
      });
    }
  }

  // Blast radius of every column change, then the classifications that depend on it.
  const blast = new BlastRadius(head);
  for (const p of pending) {
    const c = p.change;
    if (c.kinds.length === 1 && c.kinds[0] === "added") continue;
    const gone = c.kinds.includes("removed") || c.kinds.includes("renamed");
    const first = gone ? goneReaders(p.model, p.traceFrom) : [];
    c.downstream = blast.from([{ model: p.model, column: p.traceFrom }], first);
    // A renamed column whose rows also changed affects the readers of its new name too.
    if (c.kinds.includes("renamed") && c.kinds.length > 1) {
      const more = blast.from([{ model: p.model, column: c.column }]);
      const has = new Set(c.downstream.map((d) => `${lc(d.model)}.${lc(d.column)}`));
      for (const d of more) if (!has.has(`${lc(d.model)}.${lc(d.column)}`)) c.downstream.push(d);
      c.downstream.sort((a, b) => a.depth - b.depth);
    }
  }
  for (const p of pending) classify(p.change);
  for (const m of models)
    if (m.columns.some((c) => c.classification === "breaking")) m.classification = "breaking";

  // ci_diff's view, the downstream models, the rebuild set.
  const rebuild = new Set<string>();
  const edges = new Map<string, { from: string; to: string }>();
  for (const m of models) {
    const downstream = new Set<string>();
    for (const c of m.columns) {
      if (c.kinds.includes("renamed")) {
        m.column_changes.push({
          change_type: "removed",
          column_name: c.renamed_from!,
          old_type: c.old_type ?? null,
          new_type: null,
        });
        m.column_changes.push({
          change_type: "added",
          column_name: c.column,
          old_type: null,
          new_type: c.new_type ?? null,
        });
      } else if (c.kinds.includes("added") || c.kinds.includes("removed")) {
        m.column_changes.push({
          change_type: c.kinds.includes("added") ? "added" : "removed",
          column_name: c.column,
          old_type: c.old_type ?? null,
          new_type: c.new_type ?? null,
        });
      } else if (c.kinds.includes("type_changed")) {
        m.column_changes.push({
          change_type: "type_changed",
          column_name: c.column,
          old_type: c.old_type ?? null,
          new_type: c.new_type ?? null,
        });
      }
      for (const d of c.downstream) {
        if (lc(d.model) === lc(m.model_name)) continue;
        downstream.add(d.model);
      }
    }
    m.downstream_models = [...downstream].filter((d) => head.models.has(d)).sort(byRank);
    if (m.status !== "removed" && m.classification !== "cosmetic") rebuild.add(m.model_name);
    for (const d of m.downstream_models) rebuild.add(d);
  }
  // Edges of the impacted subgraph, model to model, from the blast radii themselves: a
  // column reached at depth 1 hangs off the changed model, one at depth k off the models
  // of depth k-1 that it reads.
  const upstreamOf = (model: string) => new Set((head.graph.table(model)?.upstream ?? []).map(lc));
  const addEdge = (from: string, to: string) => {
    const k = `${lc(from)}\u0000${lc(to)}`;
    if (lc(from) !== lc(to) && !edges.has(k)) edges.set(k, { from, to });
  };
  for (const m of models)
    for (const c of m.columns) {
      const atDepth = new Map<number, Set<string>>();
      for (const d of c.downstream) {
        const set = atDepth.get(d.depth) ?? new Set<string>();
        set.add(d.model);
        atDepth.set(d.depth, set);
      }
      for (const d of c.downstream) {
        if (d.depth === 1) {
          addEdge(m.model_name, d.model);
          continue;
        }
        const ups = upstreamOf(d.model);
        for (const p of atDepth.get(d.depth - 1) ?? []) if (ups.has(lc(p))) addEdge(p, d.model);
      }
    }

  const order = (m: ModelDiff) =>
    headRank.get(lc(m.model_name)) ?? base.dag.order.indexOf(m.model_name) + head.dag.order.length;
  models.sort((a, b) => order(a) - order(b));
  const count = (f: (m: ModelDiff) => boolean) => models.filter(f).length;
  return {
    base_ref: input.baseRef,
    head_ref: input.headRef,
    summary: {
      total_models: names.size,
      added: count((m) => m.status === "added"),
      removed: count((m) => m.status === "removed"),
      modified: count((m) => m.status === "modified"),
      unchanged,
      breaking: count((m) => m.classification === "breaking"),
      non_breaking: count((m) => m.classification === "non-breaking"),
      cosmetic: count((m) => m.classification === "cosmetic"),
      columns_changed: models.reduce((n, m) => n + m.columns.length, 0),
    },
    models,
    rebuild: [...rebuild].sort(byRank),
    impact_edges: [...edges.values()],
  };
}
