/**
 * Graph algorithms over a dependency map (model -> models it reads): strongly connected
 * components (every one with more than one model is a cycle), the path around one, and
 * a provisional upstream-first order that tolerates cycles. All iterative, so a
 * 10k-model chain cannot overflow the call stack.
 */

/** Tarjan's strongly connected components: every component with more than one model is a cycle. */
export function cycles(deps: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (root: string) => {
    const work: [string, number][] = [[root, 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const [v, i] = frame;
      const ds = deps.get(v) ?? [];
      if (i < ds.length) {
        frame[1]++;
        const w = ds[i]!;
        if (!deps.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
          if (w === v) break;
        }
        if (comp.length > 1) out.push(comp.sort());
      }
    }
  };
  for (const n of [...deps.keys()].sort()) if (!index.has(n)) visit(n);
  return out;
}

/** The shortest path around a cycle through its first model, the way data flows: `a -> b -> a`. */
export function cyclePath(comp: string[], deps: Map<string, string[]>): string[] {
  const inComp = new Set(comp);
  const start = comp[0]!;
  const parent = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const cur = queue[q]!;
    for (const d of deps.get(cur) ?? []) {
      if (!inComp.has(d)) continue;
      if (d === start) {
        const path = [start];
        for (let n: string | undefined = cur; n !== undefined && n !== start; n = parent.get(n)) path.push(n);
        // deps point upstream; reversed, the arrows read as data flow.
        return [...path, start].reverse();
      }
      if (!parent.has(d)) {
        parent.set(d, cur);
        queue.push(d);
      }
    }
  }
  return [...comp, start];
}

/** Depth-first post-order over (guessed) dependencies: upstream first; cycles are cut anywhere. */
export function provisionalOrder(names: string[], deps: Map<string, string[]>): string[] {
  const out: string[] = [];
  const state = new Map<string, 1 | 2>();
  for (const root of names) {
    if (state.has(root)) continue;
    const stack: [string, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length > 0) {
      const frame = stack.at(-1)!;
      const ds = deps.get(frame[0]) ?? [];
      if (frame[1] < ds.length) {
        const d = ds[frame[1]++]!;
        if (!state.has(d) && deps.has(d)) {
          state.set(d, 1);
          stack.push([d, 0]);
        }
        continue;
      }
      stack.pop();
      state.set(frame[0], 2);
      out.push(frame[0]);
    }
  }
  return out;
}
