/** Which models a run executes: all, `--model NAME` (repeatable), `--select` with dbt's selector grammar (below). */
import { didYouMean, RockyError } from "../errors.ts";
import { type Dag, reachable } from "../graph/dag.ts";

export interface SelectionOptions {
  models?: string[];
  select?: string[];
  /** Model name -> file path relative to the project (`models/marts/fct.sql`), for path selectors. */
  paths?: ReadonlyMap<string, string>;
}

function unknown(name: string, dag: Dag, flag: string): never {
  throw new RockyError(`${flag}: no model named '${name}'`, {
    code: "not_found",
    hint: didYouMean(name, dag.order) ?? "see 'rocky dag' for the models of this project",
  });
}

/** Names within `depth` hops of `start` (Infinity: all), excluding it. */
function within(dag: Dag, start: string, direction: "upstream" | "downstream", depth: number): Set<string> {
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

const globRe = (g: string) =>
  new RegExp(
    `^${g
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );

/**
 * One selector, dbt's grammar: `name`, a glob (`stg_*`), a path or folder (`path:models/marts`,
 * `models/staging`), with `+`/`N+` before (ancestors, N hops) and `+`/`+N` after (descendants),
 * or `@name` (descendants and all their ancestors).
 */
function selectOne(
  dag: Dag,
  token: string,
  known: Set<string>,
  paths: ReadonlyMap<string, string> | undefined,
): Set<string> {
  const at = token.startsWith("@");
  let rest = at ? token.slice(1) : token;
  const up = /^(\d*)\+/.exec(rest);
  if (up) rest = rest.slice(up[0].length);
  const down = /\+(\d*)$/.exec(rest);
  if (down) rest = rest.slice(0, -down[0].length);
  let base: string[];
  const isPath = rest.startsWith("path:") || rest.includes("/");
  if (isPath) {
    const want = rest
      .replace(/^path:/, "")
      .replace(/^\.\//, "")
      .replace(/\/+$/, "");
    base = dag.order.filter((n) => {
      const p = (paths?.get(n) ?? "").split("\\").join("/");
      return p === want || p.startsWith(`${want}/`) || p === `${want}.sql`;
    });
    if (base.length === 0)
      throw new RockyError(`--select: '${rest}' selects no model (no model file under that path)`, {
        code: "not_found",
        hint: "paths are relative to the folder holding rocky.toml, e.g. models/marts",
      });
  } else if (/[*?]/.test(rest)) {
    const re = globRe(rest);
    base = dag.order.filter((n) => re.test(n));
    if (base.length === 0)
      throw new RockyError(`--select: '${rest}' matches no model`, {
        code: "not_found",
        hint: "see 'rocky dag' for the models of this project",
      });
  } else {
    if (!known.has(rest)) unknown(rest, dag, "--select");
    base = [rest];
  }
  const hops = (m: RegExpExecArray | null) =>
    m === null ? 0 : m[1] === "" ? Number.POSITIVE_INFINITY : Number(m[1]);
  const out = new Set<string>(base);
  for (const b of base) {
    for (const a of within(dag, b, "upstream", hops(up))) out.add(a);
    const ds = within(dag, b, "downstream", at ? Number.POSITIVE_INFINITY : hops(down));
    for (const d of ds) {
      out.add(d);
      if (at) for (const a of reachable(dag, d, "upstream")) out.add(a);
    }
  }
  return out;
}

/**
 * The selected model names, in DAG order. No flags: every model. `--select` values are
 * unions of space-separated (or repeated) selectors; a comma joins selectors into an
 * intersection (`tag:x,stg_*` in dbt; here `models/marts,+fct_orders`).
 */
export function selectModels(dag: Dag, opts: SelectionOptions): string[] {
  const models = opts.models ?? [];
  const select = (opts.select ?? []).flatMap((s) => s.split(/\s+/)).filter((s) => s.length > 0);
  if (models.length === 0 && select.length === 0) return [...dag.order];
  const known = new Set(dag.order);
  const chosen = new Set<string>();
  for (const m of models) {
    if (!known.has(m)) unknown(m, dag, "--model");
    chosen.add(m);
  }
  for (const s of select) {
    const parts = s.split(",").filter((x) => x.length > 0);
    let acc: Set<string> | undefined;
    for (const part of parts) {
      const one = selectOne(dag, part, known, opts.paths);
      acc = acc === undefined ? one : new Set([...acc].filter((x) => one.has(x)));
    }
    for (const n of acc ?? []) chosen.add(n);
  }
  const out = dag.order.filter((n) => chosen.has(n));
  if (out.length === 0)
    throw new RockyError(`--select ${select.join(" ")}: the selection is empty`, {
      code: "not_found",
      hint: "an intersection (a,b) keeps only models both sides select",
    });
  return out;
}
