/**
 * Model selection, dbt's grammar (https://docs.getdbt.com/reference/node-selection/syntax),
 * one module for run, test, compile, lineage and diff. Pure: the `changed` sets come in
 * already computed (src/diff/changed.ts), so this needs no git and no compile.
 */
import { didYouMean, RockyError, UsageError } from "../errors.ts";
import type { Project } from "../project/types.ts";
import { type Dag, reachable } from "./dag.ts";

export interface SelectionOptions {
  /** `--model NAME` (repeatable): exact names. */
  models?: string[];
  /** `--select` values: space-separated or repeated selectors unite, commas intersect. */
  select?: string[];
  /** `--exclude` values, same grammar: removed from what the rest selects. */
  exclude?: string[];
  /** Model name -> file path relative to the project (`models/marts/fct.sql`), for path selectors. */
  paths?: ReadonlyMap<string, string>;
  /** Model name -> its tags (sidecar `tags` plus `_defaults.toml` ones), for `tag:`. */
  tags?: ReadonlyMap<string, readonly string[]>;
  /** For `changed` / `changed:REV`: the models changed against each base ("" = the default base). */
  changed?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The methods a selector may name, as `method:value`. */
export const METHODS = ["path", "tag", "changed"] as const;

/** Path and tag maps of a project, as `selectModels` wants them. */
export function selectionMaps(project: Project): Pick<SelectionOptions, "paths" | "tags"> {
  return {
    paths: new Map(project.models.map((m) => [m.name, m.relPath.split("\\").join("/")])),
    tags: new Map(project.models.map((m) => [m.name, m.tags ?? []])),
  };
}

/**
 * The models a project's selectors pick (`--model`, `--select`, `--exclude`, `changed`),
 * with its path and tag maps: what every command that selects calls.
 */
export function selectInProject(
  compiled: { dag: Dag; project: Project },
  selectors: Omit<SelectionOptions, "paths" | "tags">,
): string[] {
  return selectModels(compiled.dag, { ...selectionMaps(compiled.project), ...selectors });
}

/** Split `--select` values into selectors (spaces separate; commas stay inside one selector). */
export function selectorsOf(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((s) => s.split(/\s+/)).filter((s) => s.length > 0);
}

interface Parsed {
  at: boolean;
  /** Hops of ancestors (`+`: all) and descendants; 0 when absent. */
  up: number;
  down: number;
  method: "name" | "glob" | (typeof METHODS)[number];
  value: string;
}

const hops = (m: RegExpExecArray | null) =>
  m === null ? 0 : m[1] === "" ? Number.POSITIVE_INFINITY : Number(m[1]);

/** One selector's parts: `@`, `N+`/`+` before, `+`/`+N` after, and what it names. */
function parse(token: string, flag: string): Parsed {
  const at = token.startsWith("@");
  let rest = at ? token.slice(1) : token;
  const up = /^(\d*)\+/.exec(rest);
  if (up) rest = rest.slice(up[0].length);
  const down = /\+(\d*)$/.exec(rest);
  if (down) rest = rest.slice(0, -down[0].length);
  // dbt: "@" prefix and "+" suffix are incompatible (@ already takes every descendant).
  if (at && down)
    throw new UsageError(`${flag}: '${token}' mixes @ with a + suffix`, "use @name alone, or +name+");
  const parts = { at, up: hops(up), down: hops(down) };
  const colon = /^([a-z_]+):(.*)$/.exec(rest);
  if (colon) {
    const method = colon[1]!;
    if (!(METHODS as readonly string[]).includes(method))
      throw new UsageError(
        `${flag}: unknown selector method '${method}:' in '${token}'`,
        `use ${METHODS.map((m) => `${m}:`).join(", ")}, a model name, a glob or a path`,
      );
    if (colon[2] === "" && method !== "changed")
      throw new UsageError(
        `${flag}: '${token}' names no ${method}`,
        `write ${method}:VALUE, e.g. ${method === "tag" ? "tag:finance" : "path:models/marts"}`,
      );
    return { ...parts, method: method as Parsed["method"], value: colon[2]! };
  }
  if (rest === "changed") return { ...parts, method: "changed", value: "" };
  if (rest === "") throw new UsageError(`${flag}: '${token}' names no model`, "e.g. +fct_orders");
  if (rest.includes("/") || rest.endsWith(".sql")) return { ...parts, method: "path", value: rest };
  return { ...parts, method: /[*?]/.test(rest) ? "glob" : "name", value: rest };
}

/** The bases (`""`: the default) the `changed` selectors among `values` compare with. */
export function changedBases(...values: (readonly string[] | undefined)[]): string[] {
  const out = new Set<string>();
  for (const v of values)
    for (const s of selectorsOf(v))
      for (const part of s.split(",")) {
        if (part === "") continue;
        const p = parse(part, "--select");
        if (p.method === "changed") out.add(p.value);
      }
  return [...out];
}

const knownCache = new WeakMap<Dag, Set<string>>();
function known(dag: Dag): Set<string> {
  let s = knownCache.get(dag);
  if (!s) knownCache.set(dag, (s = new Set(dag.order)));
  return s;
}

/** Names within `depth` hops of `start` (Infinity: all), excluding it. */
function within(dag: Dag, start: string, direction: "upstream" | "downstream", depth: number): Set<string> {
  if (depth === 0) return new Set();
  if (depth === Number.POSITIVE_INFINITY) return reachable(dag, start, direction);
  const edges = direction === "upstream" ? dag.upstream : dag.downstream;
  const seen = new Set<string>();
  let frontier = [start];
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const n of frontier)
      for (const m of edges.get(n) ?? [])
        if (!seen.has(m) && m !== start) {
          seen.add(m);
          next.push(m);
        }
    frontier = next;
  }
  return seen;
}

// Like dbt's fnmatch: `*` any run, `?` one character, case-sensitive as model names are.
const globRe = (g: string) =>
  new RegExp(
    `^${g
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

/** The models one selector names, before graph operators. */
function base(dag: Dag, p: Parsed, token: string, flag: string, opts: SelectionOptions): string[] {
  switch (p.method) {
    case "name": {
      if (known(dag).has(p.value)) return [p.value];
      throw new RockyError(`${flag}: no model named '${p.value}'`, {
        code: "not_found",
        hint: didYouMean(p.value, dag.order) ?? "see 'rocky dag' for the models of this project",
      });
    }
    case "glob": {
      const re = globRe(p.value);
      const out = dag.order.filter((n) => re.test(n));
      if (out.length === 0)
        throw new RockyError(`${flag}: '${p.value}' matches no model`, {
          code: "not_found",
          hint: "see 'rocky dag' for the models of this project",
        });
      return out;
    }
    case "path": {
      // dbt: a folder selects every model below it; a file path selects that model.
      const want = p.value.split("\\").join("/").replace(/^\.\//, "").replace(/\/+$/, "");
      const out = dag.order.filter((n) => {
        const path = opts.paths?.get(n) ?? "";
        return path === want || path.startsWith(`${want}/`) || path === `${want}.sql`;
      });
      if (out.length === 0)
        throw new RockyError(`${flag}: '${p.value}' selects no model (no model file under that path)`, {
          code: "not_found",
          hint: "paths are relative to the folder holding rocky.toml, e.g. models/marts",
        });
      return out;
    }
    case "tag": {
      const re = /[*?]/.test(p.value) ? globRe(p.value) : undefined;
      const has = (tags: readonly string[]) => tags.some((t) => (re ? re.test(t) : t === p.value));
      const out = dag.order.filter((n) => has(opts.tags?.get(n) ?? []));
      if (out.length === 0) {
        const all = new Set([...(opts.tags?.values() ?? [])].flat());
        throw new RockyError(`${flag}: no model has the tag '${p.value}'`, {
          code: "not_found",
          hint:
            all.size === 0
              ? 'no model has tags; set tags = ["..."] in a model\'s .toml sidecar or a _defaults.toml'
              : (didYouMean(p.value, all) ?? `tags in this project: ${[...all].sort().join(", ")}`),
        });
      }
      return out;
    }
    case "changed": {
      const set = opts.changed?.get(p.value);
      if (set === undefined) throw new Error(`changed set for '${p.value}' was not computed (${token})`);
      // Unlike a name, "nothing changed" is an answer, not a typo: the empty check below says it.
      return dag.order.filter((n) => set.has(n));
    }
  }
}

/**
 * One selector with its graph operators: `+`/`N+` before (ancestors, N hops), `+`/`+N`
 * after (descendants), `@` (descendants and all their ancestors).
 */
function selectOne(dag: Dag, token: string, flag: string, opts: SelectionOptions): Set<string> {
  const p = parse(token, flag);
  const out = new Set<string>();
  for (const b of base(dag, p, token, flag, opts)) {
    out.add(b);
    for (const a of within(dag, b, "upstream", p.up)) out.add(a);
    for (const d of within(dag, b, "downstream", p.at ? Number.POSITIVE_INFINITY : p.down)) {
      out.add(d);
      if (p.at) for (const a of reachable(dag, d, "upstream")) out.add(a);
    }
  }
  return out;
}

/** The union over selectors, each an intersection of its comma-joined parts. */
function unionOf(dag: Dag, selectors: string[], flag: string, opts: SelectionOptions): Set<string> {
  const chosen = new Set<string>();
  for (const s of selectors) {
    let acc: Set<string> | undefined;
    for (const part of s.split(",").filter((x) => x.length > 0)) {
      const one = selectOne(dag, part, flag, opts);
      acc = acc === undefined ? one : new Set([...acc].filter((x) => one.has(x)));
    }
    for (const n of acc ?? []) chosen.add(n);
  }
  return chosen;
}

/** Whether any selection flag was given (else every model is selected). */
export function hasSelection(opts: SelectionOptions): boolean {
  return (
    (opts.models?.length ?? 0) > 0 ||
    selectorsOf(opts.select).length > 0 ||
    selectorsOf(opts.exclude).length > 0
  );
}

/**
 * The selected model names, in DAG order. No flags: every model. `--model` and `--select`
 * unite; `--exclude` removes. An empty result is an error that says which flags led there.
 */
export function selectModels(dag: Dag, opts: SelectionOptions): string[] {
  const models = opts.models ?? [];
  const select = selectorsOf(opts.select);
  const exclude = selectorsOf(opts.exclude);
  if (models.length === 0 && select.length === 0 && exclude.length === 0) return [...dag.order];
  let chosen: Set<string>;
  if (models.length === 0 && select.length === 0) chosen = new Set(dag.order);
  else {
    chosen = unionOf(dag, select, "--select", opts);
    for (const m of models) {
      if (!known(dag).has(m))
        throw new RockyError(`--model: no model named '${m}'`, {
          code: "not_found",
          hint: didYouMean(m, dag.order) ?? "see 'rocky dag' for the models of this project",
        });
      chosen.add(m);
    }
  }
  const excluded = unionOf(dag, exclude, "--exclude", opts);
  const out = dag.order.filter((n) => chosen.has(n) && !excluded.has(n));
  if (out.length === 0) {
    const said = [
      ...models.map((m) => `--model ${m}`),
      ...(select.length > 0 ? [`--select ${select.join(" ")}`] : []),
      ...(exclude.length > 0 ? [`--exclude ${exclude.join(" ")}`] : []),
    ].join(" ");
    const usesChanged = changedBases(select).length > 0;
    throw new RockyError(`${said}: the selection is empty`, {
      code: "not_found",
      hint: usesChanged
        ? "'changed' selects the models that differ from the base; none do (cosmetic edits excluded)"
        : exclude.length > 0 && chosen.size > 0
          ? `--exclude removes all ${chosen.size} selected models`
          : "an intersection (a,b) keeps only the models both sides select",
    });
  }
  return out;
}
