/** The "done means": playground → run → history → replay latest → replay latest --execute. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { expectOk } from "./project.ts";

test("a new user's first session on the playground records real, replayable runs", () => {
  const dir = join(tempDir(), "demo");
  expectOk(rocky(["playground", dir]));
  const run = rocky(["run", "-o", "json"], { cwd: dir });
  expectOk(run);
  const rj = run.json<{ run_id: string; status: string; models: { status: string }[] }>();
  expectSchemas("run", rj, "run");
  expect(rj.status).toBe("success");
  expect(rj.models.length).toBeGreaterThan(3);

  const history = rocky(["history", "-o", "table"], { cwd: dir });
  expectOk(history);
  expect(history.stdout).toContain(rj.run_id);
  expect(history.stdout).toContain("Total runs: 1");

  const replay = rocky(["replay", "latest", "-o", "table"], { cwd: dir });
  expectOk(replay);
  expect(replay.stdout).toContain(`run:          ${rj.run_id}`);

  const exec = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir });
  expectOk(exec);
  const ej = exec.json<{ models: { replay: { verdict: string } }[]; execute: { identical: number } }>();
  expectSchemas("replay", ej, "replay");
  expect(ej.models.every((m) => m.replay.verdict === "identical")).toBe(true);
  expect(ej.execute.identical).toBe(rj.models.length);

  // A second run with no new data: the incremental model re-processes only its latest
  // period (the rows at its high-water mark), replacing them; the table equals a rebuild.
  const rowsBefore = rj.models as unknown as { name: string; strategy: string; rows: number }[];
  const again = rocky(["run", "-o", "json"], { cwd: dir });
  expectOk(again);
  const inc = again
    .json<{ models: { name: string; strategy: string; rows: number }[] }>()
    .models.filter((m) => m.strategy === "incremental");
  expect(inc.length).toBeGreaterThan(0);
  for (const m of inc) {
    const first = rowsBefore.find((b) => b.name === m.name)!.rows;
    expect(m.rows).toBeGreaterThan(0);
    expect(m.rows).toBeLessThan(first);
  }
  expect(rocky(["history", "-o", "json"], { cwd: dir }).json<{ count: number }>().count).toBe(2);
});
