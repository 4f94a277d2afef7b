/**
 * Live run progress for a person at a terminal (stderr), dbt-style:
 *
 *     1 of 7 START stg_orders ................................ [RUN]
 *     1 of 7 OK    stg_orders ................................ [0.4s, 1,200 rows]
 *   running 2: fct_orders 12.3s, dim_customers 0.8s · 3 of 7 done · 14.2s
 *
 * Lines of started and finished models scroll; the last line (what is in flight) is
 * redrawn in place every second, so a long model never looks hung. The caller decides
 * whether progress is shown at all (never in JSON mode, nor when stderr is not a
 * terminal); this module only formats and writes. No dependency: a few escape codes.
 */
import type { ModelResult, RunEvent } from "../../run/engine.ts";
import { CLEAR_LINE, duration, padVisible, progressCounts, rowCount, visibleLength } from "../../format.ts";

export interface ProgressOptions {
  /** Where text goes (stderr, queued in order with other writes). */
  write: (text: string) => void;
  /** Terminal width in columns. */
  columns: () => number;
  /** Colour the status words (off with NO_COLOR). */
  colour: boolean;
  /** Redraw the in-flight line in place (off for TERM=dumb: only whole lines). */
  redraw: boolean;
  /** Summary only: no per-model lines, just the in-flight line. */
  quiet?: boolean;
  /** Milliseconds between redraws of the in-flight line (default 1000). */
  intervalMs?: number;
  now?: () => number;
}

/** Lines are filled with dots up to this width (or the terminal's, if narrower). */
const LINE_WIDTH = 100;

const rowsText = (m: ModelResult): string | undefined =>
  m.rows === null ? (m.strategy === "view" ? "view" : undefined) : rowCount(m.rows);

export class RunProgress {
  private readonly opts: ProgressOptions;
  private readonly now: () => number;
  private readonly started = new Map<string, { index: number; at: number }>();
  private readonly startedAt: number;
  private total = 0;
  private done = 0;
  private phase: string | undefined = "compiling";
  private timer: ReturnType<typeof setInterval> | undefined;
  private statusShown = false;

  constructor(opts: ProgressOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    if (opts.redraw) {
      this.timer = setInterval(() => this.drawStatus(), opts.intervalMs ?? 1000);
      // A timer must never keep the process alive.
      (this.timer as { unref?: () => void }).unref?.();
    }
    this.drawStatus();
  }

  private paint(code: string, s: string): string {
    return this.opts.colour ? `\u001b[${code}m${s}\u001b[39m` : s;
  }

  /** Before models start: what rocky is doing ("compiling", "connecting"). */
  setPhase(phase: string | undefined): void {
    this.phase = phase;
    this.drawStatus();
  }

  onEvent(e: RunEvent): void {
    // Other event kinds (e.g. per-test events) only refresh the status line.
    if (e.type !== "start" && e.type !== "done") {
      this.drawStatus();
      return;
    }
    this.total = e.total;
    this.phase = undefined;
    if (e.type === "start") {
      const index = this.started.size + 1;
      this.started.set(e.model, { index, at: this.now() });
      this.line(this.modelLine(index, "START", "36", e.model, "RUN"));
    } else {
      this.done = e.done;
      const r = e.result;
      const s = this.started.get(r.name);
      const index = s?.index ?? this.started.size + 1;
      if (s) s.at = Number.NaN; // finished: no longer in flight
      if (r.status === "success") {
        const info = [duration(r.durationMs), rowsText(r)].filter((x) => x !== undefined).join(", ");
        this.line(this.modelLine(index, "OK", "32", r.name, info));
      } else if (r.status === "failed") {
        this.line(this.modelLine(index, "ERROR", "31", r.name, `ERROR in ${duration(r.durationMs)}`));
      } else {
        this.line(this.modelLine(index, "SKIP", "33", r.name, "SKIP"));
      }
    }
    this.drawStatus();
  }

  /** A line that is not about one model (e.g. the interrupt notice), above the status line. */
  note(text: string): void {
    this.clearStatus();
    this.opts.write(`${text}\n`);
    this.drawStatus();
  }

  /** The run is over: stop redrawing, clear the status line, list the models never started. */
  finish(models?: ModelResult[]): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clearStatus();
    if (models === undefined) return;
    let index = this.started.size;
    for (const m of models) {
      if (this.started.has(m.name) || m.status !== "skipped") continue;
      index++;
      if (!this.opts.quiet) this.opts.write(`${this.modelLine(index, "SKIP", "33", m.name, "SKIP")}\n`);
    }
  }

  private modelLine(index: number, label: string, colour: string, name: string, info: string): string {
    const total = String(this.total);
    const head = `  ${String(index).padStart(total.length)} of ${total} ${this.paint(colour, padVisible(label, 5))} ${name} `;
    const tail = ` [${label === "OK" || label === "START" ? info : this.paint(colour, info)}]`;
    const width = Math.min(LINE_WIDTH, Math.max(40, this.opts.columns()));
    const dots = Math.max(3, width - visibleLength(head) - visibleLength(tail));
    return `${head}${".".repeat(dots)}${tail}`;
  }

  private line(text: string): void {
    if (this.opts.quiet) return;
    this.clearStatus();
    this.opts.write(`${text}\n`);
  }

  private clearStatus(): void {
    if (this.statusShown) this.opts.write(CLEAR_LINE);
    this.statusShown = false;
  }

  /** `running 3: fct_orders 12.3s, stg_a 1.0s · 5 of 200 done · 1m02s`, cut to the terminal. */
  statusText(): string {
    const now = this.now();
    if (this.phase !== undefined) return `${this.phase}… ${duration(now - this.startedAt)}`;
    const inFlight = [...this.started]
      .filter(([, s]) => !Number.isNaN(s.at))
      .sort((a, b) => a[1].at - b[1].at)
      .map(([name, s]) => `${name} ${duration(now - s.at)}`);
    const head = inFlight.length > 0 ? `running ${inFlight.length}: ${inFlight.join(", ")}` : "waiting";
    // The counters always show; a long in-flight list is cut instead.
    const tail = ` · ${progressCounts(this.done, this.total, now - this.startedAt, " done")}`;
    const room = Math.max(10, this.opts.columns() - 1 - tail.length);
    return `${head.length <= room ? head : `${head.slice(0, room - 1)}…`}${tail}`;
  }

  private drawStatus(): void {
    if (!this.opts.redraw) return;
    const text = this.statusText();
    this.opts.write(`${CLEAR_LINE}${this.opts.colour ? `\u001b[2m${text}\u001b[22m` : text}`);
    this.statusShown = true;
  }
}
