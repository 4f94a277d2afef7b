import { RockyError } from "../errors.ts";

export interface Dag {
  /** Model names in topological order (alphabetical among ready nodes, so output is stable). */
  order: string[];
  /** Execution layers: every model's layer is 1 + the highest layer of its dependencies. */
  layers: string[][];
  upstream: Map<string, string[]>;
  downstream: Map<string, string[]>;
}

/** A min-heap of strings, for Kahn's algorithm with alphabetical tie-breaking in O(n log n). */
class NameHeap {
  private items: string[] = [];
  get size() {
    return this.items.length;
  }
  push(x: string) {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      // Plain swaps: a destructuring swap allocates an array per step until the JIT removes it.
      const t = a[p]!;
      a[p] = a[i]!;
      a[i] = t;
      i = p;
    }
  }
  pop(): string {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        const t = a[m]!;
        a[m] = a[i]!;
        a[i] = t;
        i = m;
      }
    }
    return top;
  }
}

/** Find one cycle among `remaining` nodes, as `a -> b -> a`. */
function findCycle(remaining: Set<string>, upstream: Map<string, string[]>): string[] {
  const color = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let cycle: string[] = [];
  const visit = (n: string): boolean => {
    color.set(n, 1);
    stack.push(n);
    for (const d of upstream.get(n) ?? []) {
      if (!remaining.has(d)) continue;
      if (color.get(d) === 1) {
        cycle = [...stack.slice(stack.indexOf(d)), d];
        return true;
      }
      if (!color.has(d) && visit(d)) return true;
    }
    stack.pop();
    color.set(n, 2);
    return false;
  };
  for (const n of [...remaining].sort()) if (!color.has(n) && visit(n)) break;
  // Upstream edges walk against data flow; print it the way data flows.
  return cycle.reverse();
}

/**
 * Build the DAG from each model's dependencies. Unknown dependencies and cycles are
 * errors that name the models involved.
 */
export function buildDag(deps: Map<string, Iterable<string>>): Dag {
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>();
  for (const name of deps.keys()) downstream.set(name, []);
  for (const [name, ds] of deps) {
    const uniq = [...new Set(ds)].sort();
    for (const d of uniq) {
      if (!deps.has(d))
        throw new RockyError(`model '${name}' depends on '${d}', which is not a model`, {
          hint: `check depends_on in ${name}'s sidecar, or add models/${d}.sql`,
        });
    }
    upstream.set(name, uniq);
    for (const d of uniq) downstream.get(d)!.push(name);
  }
  for (const list of downstream.values()) list.sort();
  const indegree = new Map<string, number>();
  const heap = new NameHeap();
  for (const [name, ups] of upstream) {
    indegree.set(name, ups.length);
    if (ups.length === 0) heap.push(name);
  }
  const order: string[] = [];
  const layerOf = new Map<string, number>();
  while (heap.size > 0) {
    const n = heap.pop();
    order.push(n);
    let layer = 0;
    for (const u of upstream.get(n)!) layer = Math.max(layer, layerOf.get(u)! + 1);
    layerOf.set(n, layer);
    for (const d of downstream.get(n)!) {
      const left = indegree.get(d)! - 1;
      indegree.set(d, left);
      if (left === 0) heap.push(d);
    }
  }
  if (order.length < upstream.size) {
    const remaining = new Set([...upstream.keys()].filter((n) => !layerOf.has(n)));
    const cycle = findCycle(remaining, upstream);
    throw new RockyError(`dependency cycle: ${cycle.join(" -> ")}`, {
      hint: "a model cannot read, directly or through others, a model that reads it; break the cycle",
    });
  }
  const layers: string[][] = [];
  for (const n of order) {
    const l = layerOf.get(n)!;
    (layers[l] ??= []).push(n);
  }
  return { order, layers, upstream, downstream };
}

/** Names reachable upstream (`ancestors`) or downstream (`descendants`) of `start`, excluding it. */
export function reachable(dag: Dag, start: string, direction: "upstream" | "downstream"): Set<string> {
  const edges = direction === "upstream" ? dag.upstream : dag.downstream;
  const seen = new Set<string>();
  const stack = [...(edges.get(start) ?? [])];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(edges.get(n) ?? []));
  }
  return seen;
}
