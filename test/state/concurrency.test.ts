/**
 * Real child processes against one state file: a second writer is refused with the
 * holder's pid and run id, readers keep working, SIGKILL leaves a record that the next
 * command marks interrupted, SIGINT drains and exits 130.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO, rocky } from "../helpers/cli.ts";
import { expectOk, makeProject } from "../run/project.ts";

const MAIN = join(REPO, "src", "cli", "main.ts");

function spawnRun(dir: string, args: string[] = []) {
  return Bun.spawn([process.execPath, MAIN, "run", "-o", "json", ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Wait until the run recorded `model` as finished (the next model is then in flight). */
async function waitForModel(dir: string, model: string, timeoutMs = 30_000): Promise<string> {
  const path = join(dir, ".rocky-state.db");
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const db = new Database(path, { readonly: true });
      const row = db.query("SELECT run_id FROM model_runs WHERE model_name = ?").get(model) as {
        run_id: string;
      } | null;
      db.close();
      if (row) return row.run_id;
    } catch {
      // Not created yet.
    }
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${model}`);
}

// `slow` takes far longer than the test: it is only ever killed or interrupted.
const SLOW = {
  "models/fast.sql": "SELECT 1 AS x\n",
  "models/slow.sql": "SELECT sum(hash(range)) AS s FROM range(100000000000), fast\n",
  "models/after.sql": "SELECT * FROM slow\n",
};

describe("concurrent processes", () => {
  test("second writer refused with pid and run id; readers work; SIGKILL → interrupted; dead lock taken over", async () => {
    const dir = makeProject(SLOW);
    const child = spawnRun(dir, ["--threads", "1"]);
    const runId = await waitForModel(dir, "fast");
    await Bun.sleep(200);

    const second = rocky(["run", "--model", "fast"], { cwd: dir });
    expectOk(second, 1);
    expect(second.stderr).toContain(`pid ${child.pid}`);
    expect(second.stderr).toContain(runId);
    expect(second.stderr).toContain("locked by another rocky process");

    const during = rocky(["history", "-o", "json"], { cwd: dir });
    expectOk(during);
    expect(during.json<{ runs: { run_id: string; status: string }[] }>().runs[0]).toMatchObject({
      run_id: runId,
      status: "running",
    });

    child.kill("SIGKILL");
    await child.exited;

    const after = rocky(["history", "-o", "json"], { cwd: dir });
    expectOk(after);
    const run = after.json<{
      runs: { run_id: string; status: string; models: { model_name: string; status: string }[] }[];
    }>().runs[0]!;
    expect(run).toMatchObject({ run_id: runId, status: "interrupted" });
    expect(run.models).toEqual([expect.objectContaining({ model_name: "fast", status: "success" })]);

    // The dead process's lock does not block the next run.
    const next = rocky(["run", "--model", "fast", "-o", "json"], { cwd: dir });
    expectOk(next);
    const replay = rocky(["replay", runId, "-o", "json"], { cwd: dir });
    expectOk(replay);
    expect(replay.json<{ status: string }>().status).toBe("interrupted");
  }, 60_000);

  test("SIGINT drains in-flight models, records the run interrupted, skips the rest, exits 130", async () => {
    const dir = makeProject({
      "models/fast.sql": "SELECT 1 AS x\n",
      // Long enough to be in flight when the signal arrives, short enough to drain.
      "models/slow.sql": "SELECT sum(hash(range)) AS s FROM range(150000000), fast\n",
      "models/after.sql": "SELECT * FROM slow\n",
    });
    const child = spawnRun(dir, ["--threads", "1"]);
    const runId = await waitForModel(dir, "fast");
    await Bun.sleep(100);
    child.kill("SIGINT");
    const code = await child.exited;
    const out = JSON.parse(await new Response(child.stdout).text()) as {
      run_id: string;
      status: string;
      interrupted: boolean;
      models: { model: string; status: string; error: string | null }[];
    };
    expect(code).toBe(130);
    expect(out.run_id).toBe(runId);
    expect(out.interrupted).toBe(true);
    expect(out.status).toBe("interrupted");
    expect(Object.fromEntries(out.models.map((m) => [m.model, m.status]))).toEqual({
      fast: "success",
      slow: "success",
      after: "skipped",
    });
    expect(out.models.find((m) => m.model === "after")!.error).toContain("interrupted");
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{ runs: { status: string }[] }>();
    expect(h.runs[0]!.status).toBe("interrupted");
  }, 60_000);
});
