/** The DAG scheduler alone: order, parallelism, skip-on-failure, stop and abort. */
import { describe, expect, test } from "bun:test";
import { schedule } from "../../src/run/scheduler.ts";

// a → b → d, a → c → d, e alone.
const UP: Record<string, string[]> = { a: [], b: ["a"], c: ["a"], d: ["b", "c"], e: [] };
const DOWN: Record<string, string[]> = { a: ["b", "c"], b: ["d"], c: ["d"], d: [], e: [] };
const ORDER = ["a", "e", "b", "c", "d"];

function run(opts: { threads: number; fail?: string[]; order?: string[]; signal?: AbortSignal }) {
  const started: string[] = [];
  let live = 0;
  let peak = 0;
  const s = schedule({
    order: opts.order ?? ORDER,
    upstream: (n) => UP[n] ?? [],
    downstream: (n) => DOWN[n] ?? [],
    threads: opts.threads,
    run: async (n) => {
      started.push(n);
      live++;
      peak = Math.max(peak, live);
      await Bun.sleep(5);
      live--;
      return !(opts.fail ?? []).includes(n);
    },
    succeeded: (ok) => ok,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { s, started, peak: () => peak };
}

describe("scheduler", () => {
  test("upstream before downstream, ties in the given order, one at a time with one thread", async () => {
    const r = run({ threads: 1 });
    const done = await r.s.done;
    expect(r.started).toEqual(["a", "e", "b", "c", "d"]);
    expect(done.finished.map((f) => f.name)).toEqual(["a", "e", "b", "c", "d"]);
    expect(done.skipped.size).toBe(0);
    expect(r.peak()).toBe(1);
  });

  test("independent nodes run together up to the thread count", async () => {
    const r = run({ threads: 2 });
    await r.s.done;
    expect(r.peak()).toBe(2);
    expect(r.started.indexOf("d")).toBeGreaterThan(r.started.indexOf("b"));
    expect(r.started.indexOf("d")).toBeGreaterThan(r.started.indexOf("c"));
  });

  test("a failure skips every selected descendant, naming it; the rest goes on", async () => {
    const r = run({ threads: 2, fail: ["b"] });
    const done = await r.s.done;
    expect(r.started.sort()).toEqual(["a", "b", "c", "e"]);
    expect([...done.skipped]).toEqual([["d", "upstream model 'b' failed"]]);
  });

  test("an unselected upstream does not hold a node back", async () => {
    const r = run({ threads: 1, order: ["b", "d"] });
    const done = await r.s.done;
    // c is not selected: d waits for b alone.
    expect(done.finished.map((f) => f.name)).toEqual(["b", "d"]);
    expect(done.skipped.size).toBe(0);
  });

  test("stop starts nothing more; running nodes finish; the rest is skipped with the reason", async () => {
    const r = run({ threads: 1 });
    const sched = r.s;
    setTimeout(() => sched.stop("--fail-fast stopped the run"), 1);
    const done = await sched.done;
    expect(done.finished.map((f) => f.name)).toEqual(["a"]);
    expect(done.stopReason).toBe("--fail-fast stopped the run");
    expect(done.skipped.get("d")).toBe("not run: --fail-fast stopped the run");
  });

  test("an abort signal stops the schedule as interrupted", async () => {
    const ac = new AbortController();
    const r = run({ threads: 2, signal: ac.signal });
    setTimeout(() => ac.abort(), 1);
    const done = await r.s.done;
    expect(done.stopReason).toBe("the run was interrupted");
    expect(done.skipped.get("d")).toBe("not run: the run was interrupted");
  });
});
