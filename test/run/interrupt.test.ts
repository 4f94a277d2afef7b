/** Ctrl-C twice on a real `rocky run` child: the second cancels in-flight SQL, worded as a cancel. */
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../helpers/cli.ts";
import { makeProject } from "./project.ts";

async function waitForRunningRun(stateFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (existsSync(stateFile)) {
      try {
        const db = new Database(stateFile, { readonly: true });
        try {
          if (db.query("SELECT 1 FROM runs WHERE status = 'running'").get()) return;
        } finally {
          db.close();
        }
      } catch {
        // Not yet migrated or busy: look again.
      }
    }
    await Bun.sleep(100);
  }
  throw new Error("rocky run did not start a run within 30 s");
}

test("second SIGINT cancels the in-flight model: 'cancelled', not the driver's INTERRUPT Error; exit 130", async () => {
  const dir = makeProject({
    // Tens of seconds of work: only a cancel ends it within the test's time.
    "models/slow.sql": "SELECT sum(i) AS s FROM range(30000000000) t(i)\n",
    "models/after_slow.sql": "SELECT s FROM slow\n",
  });
  const p = Bun.spawn([process.execPath, join(REPO, "src", "cli", "main.ts"), "run", "-o", "table"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(p.stderr).text();
  // The run row is written just before the first model starts; then give its SQL a moment.
  await waitForRunningRun(join(dir, ".rocky-state.db"));
  await Bun.sleep(700);
  p.kill("SIGINT");
  await Bun.sleep(300);
  p.kill("SIGINT");
  const t0 = performance.now();
  const code = await p.exited;
  const waited = performance.now() - t0;
  const out = await new Response(p.stdout).text();
  const err = await stderr;
  expect(code).toBe(130);
  expect(waited).toBeLessThan(10_000);
  expect(err).toContain(
    "interrupt: finishing in-flight models, then stopping (press Ctrl-C again to cancel them)",
  );
  expect(err).toContain("cancelling in-flight models…");
  expect(out).toMatch(/✗ slow .*failed: cancelled \(Ctrl-C pressed twice\)/);
  expect(out).not.toContain("INTERRUPT Error");
  expect(out).toMatch(/Run run-\S+ interrupted: 0 succeeded, 1 failed, 1 skipped/);
}, 60_000);
