/**
 * Runs tasks over a DAG: a node starts once every selected upstream succeeded, at most
 * `threads` at once, ties broken by the given order. A failed node marks its selected
 * descendants skipped (with the reason) and the rest goes on; `stop()` (fail-fast, a
 * signal, a state-store error) lets running nodes finish and starts no more. Knows
 * nothing of models or warehouses, so it is tested alone (test/run/scheduler.test.ts).
 */

export interface ScheduleOptions<R> {
  /** Selected nodes in a topological order (also the tie-break order). */
  order: readonly string[];
  upstream: (n: string) => readonly string[];
  downstream: (n: string) => readonly string[];
  threads: number;
  run: (n: string) => Promise<R>;
  succeeded: (r: R) => boolean;
  onStart?: (n: string) => void;
  /** Called once per finished node, before its dependants are released. */
  onDone?: (n: string, r: R) => void;
  signal?: AbortSignal;
}

export interface ScheduleResult<R> {
  /** Finished nodes in completion order. */
  finished: { name: string; result: R }[];
  /** Nodes not run, with why: an upstream failed, or the schedule was stopped. */
  skipped: Map<string, string>;
  stopReason: string | undefined;
}

export interface Scheduler<R> {
  /** Start no more nodes; running ones finish. The first reason wins. */
  stop(reason: string): void;
  done: Promise<ScheduleResult<R>>;
}

export function schedule<R>(opts: ScheduleOptions<R>): Scheduler<R> {
  const selected = new Set(opts.order);
  const rank = new Map(opts.order.map((n, i) => [n, i]));
  const waiting = new Map<string, number>();
  for (const n of opts.order) waiting.set(n, opts.upstream(n).filter((u) => selected.has(u)).length);
  const ready = opts.order.filter((n) => waiting.get(n) === 0);
  const finished: { name: string; result: R }[] = [];
  const skipped = new Map<string, string>();
  const threads = Math.max(1, opts.threads);
  let running = 0;
  let stopReason: string | undefined;
  let resolveDone!: (r: ScheduleResult<R>) => void;
  const done = new Promise<ScheduleResult<R>>((r) => {
    resolveDone = r;
  });
  let settled = false;

  const finish = (): void => {
    if (settled) return;
    settled = true;
    opts.signal?.removeEventListener("abort", onAbort);
    const stopped = stopReason ?? "an upstream model did not run";
    const ran = new Set(finished.map((f) => f.name));
    for (const n of opts.order) {
      if (ran.has(n) || skipped.has(n)) continue;
      skipped.set(n, `not run: ${stopped}`);
    }
    resolveDone({ finished, skipped, stopReason });
  };
  /** Keep `ready` in the given order: a binary insert, not a sort per released node. */
  const insertByRank = (n: string): void => {
    const r = rank.get(n)!;
    let lo = 0;
    let hi = ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rank.get(ready[mid]!)! < r) lo = mid + 1;
      else hi = mid;
    }
    ready.splice(lo, 0, n);
  };
  const skipDescendants = (failed: string): void => {
    const stack = [...opts.downstream(failed)];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (!selected.has(d) || skipped.has(d)) continue;
      skipped.set(d, `upstream model '${failed}' failed`);
      stack.push(...opts.downstream(d));
    }
  };
  const pump = (): void => {
    if (opts.signal?.aborted) stopReason ??= "the run was interrupted";
    while (stopReason === undefined && running < threads && ready.length > 0) {
      const name = ready.shift()!;
      running++;
      opts.onStart?.(name);
      void opts.run(name).then((result) => {
        running--;
        finished.push({ name, result });
        opts.onDone?.(name, result);
        if (opts.succeeded(result)) {
          for (const d of opts.downstream(name)) {
            if (!selected.has(d) || skipped.has(d)) continue;
            const left = waiting.get(d)! - 1;
            waiting.set(d, left);
            if (left === 0) insertByRank(d);
          }
        } else skipDescendants(name);
        pump();
      });
    }
    if (running === 0 && (ready.length === 0 || stopReason !== undefined)) finish();
  };
  const onAbort = (): void => {
    stopReason ??= "the run was interrupted";
    if (running === 0) finish();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  // Started on the next tick so the caller holds `stop` before the first onDone.
  queueMicrotask(pump);
  return {
    stop(reason) {
      stopReason ??= reason;
    },
    done,
  };
}
