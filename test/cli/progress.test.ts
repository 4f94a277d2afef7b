/** RunProgress alone: a fake clock and the text it writes (the tmux tests see it on a real terminal). */
import { describe, expect, test } from "bun:test";
import { RunProgress } from "../../src/cli/render/progress.ts";
import { duration } from "../../src/format.ts";
import type { ModelResult } from "../../src/run/engine.ts";

const result = (name: string, over: Partial<ModelResult> = {}): ModelResult =>
  ({
    name,
    target: `"main"."${name}"`,
    strategy: "full_refresh",
    status: "success",
    rows: 1200,
    durationMs: 400,
    error: null,
    reads: [],
    ...over,
  }) as ModelResult;

function harness(opts: { columns?: number; quiet?: boolean; redraw?: boolean } = {}) {
  let now = 0;
  const out: string[] = [];
  const p = new RunProgress({
    write: (t) => out.push(t),
    columns: () => opts.columns ?? 80,
    colour: false,
    redraw: opts.redraw ?? true,
    ...(opts.quiet ? { quiet: true } : {}),
    intervalMs: 60_000,
    now: () => now,
  });
  return {
    p,
    tick: (ms: number) => {
      now += ms;
    },
    /** What a terminal would show: `\r\x1b[2K` wipes the current line. */
    screen: () => {
      const lines = [""];
      for (const chunk of out.join("").split(/(\r\u001b\[2K|\n)/)) {
        if (chunk === "\n") lines.push("");
        else if (chunk === "\r\u001b[2K") lines[lines.length - 1] = "";
        else lines[lines.length - 1] += chunk;
      }
      return lines;
    },
  };
}

describe("RunProgress", () => {
  test("durations read like a person's: 0.4s, 12.3s, 1m02s, 1h05m", () => {
    expect([400, 12_345, 62_000, 3_900_000].map(duration)).toEqual(["0.4s", "12.3s", "1m02s", "1h05m"]);
  });

  test("START and OK lines with counters, dots to one width, rows; the status line last", () => {
    const h = harness();
    expect(h.screen()).toEqual(["compiling… 0.0s"]);
    h.tick(1000);
    h.p.onEvent({ type: "start", model: "stg_orders", done: 0, total: 12 });
    h.p.onEvent({ type: "start", model: "fct_orders", done: 0, total: 12 });
    h.tick(400);
    h.p.onEvent({ type: "done", result: result("stg_orders"), done: 1, total: 12 });
    h.tick(11_900);
    h.p.onEvent({ type: "start", model: "dim_x", done: 1, total: 12 });
    const s = h.screen();
    expect(s.slice(0, 3)).toEqual([
      `   1 of 12 START stg_orders ${".".repeat(46)} [RUN]`,
      `   2 of 12 START fct_orders ${".".repeat(46)} [RUN]`,
      `   1 of 12 OK    stg_orders ${".".repeat(33)} [0.4s, 1,200 rows]`,
    ]);
    expect(s.slice(0, 3).map((l) => l.length)).toEqual([80, 80, 80]);
    expect(s.at(-1)).toBe("running 2: fct_orders 12.3s, dim_x 0.0s · 1 of 12 done · 13.3s");
  });

  test("a failed model is ERROR with its time; the status line is cut to the terminal, counters kept", () => {
    const h = harness({ columns: 50 });
    for (const m of ["a_very_long_model_name", "another_long_model_name", "third"])
      h.p.onEvent({ type: "start", model: m, done: 0, total: 3 });
    h.p.onEvent({
      type: "done",
      result: result("third", { status: "failed", rows: null, durationMs: 2100, error: "boom" }),
      done: 1,
      total: 3,
    });
    const s = h.screen();
    expect(s).toContainEqual(expect.stringMatching(/^ {2}3 of 3 ERROR third \.+ \[ERROR in 2\.1s\]$/));
    const status = s.at(-1)!;
    expect(status.length).toBeLessThanOrEqual(49);
    expect(status).toMatch(/^running 2: a_very_long_mode… · 1 of 3 done · 0\.0s$/);
  });

  test("finish clears the status line and lists the models that never started as SKIP", () => {
    const h = harness();
    h.p.onEvent({ type: "start", model: "a", done: 0, total: 2 });
    h.p.onEvent({ type: "done", result: result("a", { status: "failed" }), done: 1, total: 2 });
    h.p.finish([result("a", { status: "failed" }), result("b", { status: "skipped" })]);
    const s = h.screen();
    expect(s.at(-2)).toMatch(/^ {2}2 of 2 SKIP {2}b \.+ \[SKIP\]$/);
    expect(s.at(-1)).toBe("");
  });

  test("quiet: only the status line; TERM=dumb (no redraw): only whole lines", () => {
    const q = harness({ quiet: true });
    q.p.onEvent({ type: "start", model: "a", done: 0, total: 1 });
    q.p.onEvent({ type: "done", result: result("a"), done: 1, total: 1 });
    expect(q.screen()).toEqual(["waiting · 1 of 1 done · 0.0s"]);
    const d = harness({ redraw: false });
    d.p.onEvent({ type: "start", model: "a", done: 0, total: 1 });
    d.p.finish();
    expect(d.screen()).toEqual([`  1 of 1 START a ${".".repeat(57)} [RUN]`, ""]);
  });
});
