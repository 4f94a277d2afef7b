/**
 * `rocky history` on a terminal: statuses are coloured and the columns still line up
 * (widths measured on screen, not counting colour codes).
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, rocky } from "../helpers/cli.ts";
import { makeProject } from "../run/project.ts";

const ANSI = /\u001b\[[0-9;]*m/g;

test.skipIf(!Bun.which("script"))("history on a terminal: coloured statuses, aligned columns", () => {
  const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
  // --trigger: under CI the run would be recorded with trigger "ci".
  expect(rocky(["run", "--trigger", "manual"], { cwd: dir }).code).toBe(0);
  const main = join(REPO, "src", "cli", "main.ts");
  // `script` gives the command a pseudo-terminal, so rocky colours its output.
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of ["NO_COLOR", "FORCE_COLOR", "CI", "TERM"]) delete env[k];
  const r = Bun.spawnSync(["script", "-qec", `"${process.execPath}" "${main}" history`, "/dev/null"], {
    cwd: dir,
    env: { ...env, TERM: "xterm-256color" },
  });
  const raw = r.stdout.toString().replace(/\r/g, "");
  expect(raw).toContain("\u001b[32msuccess\u001b[39m");
  const [header, row] = raw.replace(ANSI, "").split("\n");
  expect(header!.indexOf("TRIGGER")).toBe(row!.indexOf("manual"));
  expect(header!.indexOf("DURATION")).toBe(row!.search(/\d+\.\d\ds$/));
});
