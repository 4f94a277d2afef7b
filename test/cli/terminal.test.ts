/**
 * What a person sees on a terminal: `rocky run` in a real pseudo-terminal (a tmux pane),
 * read back with capture-pane. Live progress (START/OK/ERROR/SKIP lines, the in-flight
 * line), the failure recap at the bottom, --quiet, NO_COLOR, and no progress in JSON mode.
 * Piped output is covered by test/run/run.test.ts (unchanged there).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { makeProject } from "../run/project.ts";
import { type Pane, rockyInTmux, tmuxMissing } from "../helpers/tty.ts";

if (tmuxMissing) console.log(`skipping terminal tests: ${tmuxMissing}`);

// `slow` takes a second or so, long enough to see it in flight; `bad` fails at run time
// (a cast the compiler cannot check); `after_bad` is skipped because of it.
const PROJECT = {
  "models/a.sql": "SELECT 1 AS id UNION ALL SELECT 2\n",
  "models/slow.sql": "SELECT sum(i) AS s FROM range(250000000) t(i)\n",
  "models/bad.sql": "SELECT CAST('x' || id AS INTEGER) AS v FROM a\n",
  "models/after_bad.sql": "SELECT v FROM bad\n",
};

let pane: Pane | undefined;
afterEach(() => {
  pane?.kill();
  pane = undefined;
});

const ansiColour = /\u001b\[(3[0-7]|9[0-7])m/;

describe.skipIf(tmuxMissing !== undefined)("rocky run on a terminal", () => {
  test("live progress, the in-flight line, then the failure recap at the bottom", async () => {
    const dir = makeProject(PROJECT);
    pane = rockyInTmux(["run"], { cwd: dir, env: { NO_COLOR: "1" } });
    // While `slow` runs, the status line says so, with its time and the counters.
    const during = await pane.waitFor(/running \d: .*slow \d+\.\ds.* · \d of 4 done · \d+\.\ds/);
    expect(during).toMatch(/\d of 4 START slow \.+ \[RUN\]/);
    const { code, screen } = await pane.exit();
    expect(code).toBe(1);
    expect(screen).toMatch(/\d of 4 OK {4}a \.+ \[\d+\.\ds, 2 rows\]/);
    expect(screen).toMatch(/\d of 4 OK {4}slow \.+ \[\d+\.\ds, 1 row\]/);
    expect(screen).toMatch(/\d of 4 ERROR bad \.+ \[ERROR in \d+\.\ds\]/);
    expect(screen).toMatch(/4 of 4 SKIP {2}after_bad \.+ \[SKIP\]/);
    // Lines are filled to the same width: the brackets line up.
    const ends = screen
      .split("\n")
      .filter((l) => / of 4 /.test(l))
      .map((l) => l.trimEnd().length);
    expect(new Set(ends).size).toBe(1);
    // The recap: the failure with its file and error, the skipped model with why.
    const recap = screen.slice(screen.indexOf("Completed with 1 error and 1 skipped:"));
    expect(recap).toMatch(/✗ bad {2}models\/bad\.sql:1\n\s+Conversion Error: Could not convert string 'x1'/);
    expect(recap).toMatch(/- after_bad {2}models\/after_bad\.sql:1 {2}upstream model 'bad' failed/);
    expect(recap).toMatch(/Run run-\S+ partial_failure: 2 succeeded, 1 failed, 1 skipped/);
    // The per-model table is not repeated under the live lines, and the status line is gone.
    expect(screen).not.toContain("✓");
    expect(screen).not.toMatch(/running \d:.*\n.*Completed/);
    // NO_COLOR: progress, but no colour.
    expect(pane.capture(true)).not.toMatch(ansiColour);
  }, 90_000);

  test("colours the status words when NO_COLOR is unset", async () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n" });
    pane = rockyInTmux(["run"], { cwd: dir });
    const { code } = await pane.exit();
    expect(code).toBe(0);
    const coloured = pane.capture(true);
    expect(coloured).toMatch(ansiColour);
    expect(coloured).toMatch(/OK/);
  }, 60_000);

  test("--quiet: no line per model, still the recap and the summary", async () => {
    const dir = makeProject(PROJECT);
    pane = rockyInTmux(["run", "--quiet"], { cwd: dir, env: { NO_COLOR: "1" } });
    const { code, screen } = await pane.exit();
    expect(code).toBe(1);
    expect(screen).not.toMatch(/ of 4 (START|OK)/);
    expect(screen).toContain("Completed with 1 error and 1 skipped:");
    expect(screen).toContain("models/bad.sql:1");
    expect(screen).toMatch(/Run run-\S+ partial_failure: 2 succeeded/);
  }, 90_000);

  test("Ctrl-C: the notice above the status line, in-flight models finish, the rest is listed as not run", async () => {
    const dir = makeProject({
      "models/slow.sql": PROJECT["models/slow.sql"],
      "models/after_slow.sql": "SELECT s FROM slow\n",
    });
    pane = rockyInTmux(["run"], { cwd: dir, env: { NO_COLOR: "1" } });
    await pane.waitFor(/running 1: slow \d/);
    pane.keys("C-c");
    const { code, screen } = await pane.exit();
    expect(code).toBe(130);
    expect(screen).toMatch(/interrupt: finishing in-flight models.*\n.*1 of 2 OK {4}slow /);
    expect(screen).toMatch(/2 of 2 SKIP {2}after_slow \.+ \[SKIP\]/);
    expect(screen).toMatch(
      /Interrupted with 1 not run:\n\n {2}- after_slow {2}models\/after_slow\.sql:1 {2}not run: /,
    );
    expect(screen).toMatch(/Run run-\S+ interrupted: 1 succeeded, 0 failed, 1 skipped/);
  }, 90_000);

  test("JSON mode on a terminal: no progress, one JSON document", async () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n" });
    pane = rockyInTmux(["run", "-o", "json"], { cwd: dir, env: { NO_COLOR: "1" } });
    const { code, screen } = await pane.exit();
    expect(code).toBe(0);
    expect(screen).not.toMatch(/START|running \d|compiling/);
    const json = JSON.parse(screen.slice(screen.indexOf("{"), screen.lastIndexOf("}") + 1));
    expect(json.command).toBe("run");
    expect(json.status).toBe("success");
  }, 60_000);
});
