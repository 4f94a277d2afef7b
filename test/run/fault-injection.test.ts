/**
 * kill -9 at every disk write (issue 9): strace injects SIGKILL at the N-th pwrite64
 * of a real `rocky run` and of a `rocky branch promote`, for every N the command
 * performs (DuckDB's and SQLite's writes alike). After each kill, the next ordinary run
 * must leave every table equal to a full rebuild — zero duplicated rows, zero lost
 * rows — and a killed promote must leave production wholly old or wholly promoted.
 * Skipped, saying why, where strace or ptrace is unavailable.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky, tempDir } from "../helpers/cli.ts";
import { expectOk, makeProject, sql } from "./project.ts";

const MAIN = join(REPO, "src", "cli", "main.ts");

const ROWS = "SELECT id, day, amount, loaded_at FROM raw.orders";
const DAILY =
  "SELECT day, count(*) AS n, sum(amount) AS total, max(loaded_at) AS loaded_until FROM raw.orders GROUP BY day";
const DAILY_PROMOTED =
  "SELECT day, count(*) AS n, sum(amount) * 2 AS total, max(loaded_at) AS loaded_until FROM raw.orders GROUP BY day";

function straceWorks(): string | undefined {
  const p = Bun.spawnSync(["strace", "-f", "-o", "/dev/null", "true"], { stdout: "ignore", stderr: "pipe" });
  if (p.exitCode === 0) return undefined;
  return p.exitCode === null
    ? "strace is not installed"
    : `strace cannot trace here: ${p.stderr.toString().trim()}`;
}
const skipWhy = (() => {
  try {
    return straceWorks();
  } catch {
    return "strace is not installed";
  }
})();
if (skipWhy) console.log(`fault-injection tests skipped: ${skipWhy} (apt-get install strace)`);

/** Run rocky under strace, killed at the `n`-th pwrite64; returns the exit code. */
function killedAt(n: number, args: string[], cwd: string): number {
  const p = Bun.spawnSync(
    [
      "strace",
      "-f",
      "-o",
      "/dev/null",
      "-e",
      "trace=pwrite64",
      "-e",
      `inject=pwrite64:signal=SIGKILL:when=${n}`,
      process.execPath,
      MAIN,
      ...args,
    ],
    { cwd, env: { ...process.env, NO_COLOR: "1" }, stdout: "ignore", stderr: "ignore" },
  );
  return p.exitCode ?? -1;
}

/** How many pwrite64 calls a clean run of `args` makes (on a copy of `template`). */
function writesOf(template: string, args: string[]): number {
  const dir = join(tempDir(), "count");
  cpSync(template, dir, { recursive: true });
  const out = join(dir, "strace.txt");
  Bun.spawnSync(["strace", "-f", "-o", out, "-e", "trace=pwrite64", process.execPath, MAIN, ...args], {
    cwd: dir,
    stdout: "ignore",
    stderr: "ignore",
  });
  // One line per call (an interrupted call shows as "pwrite64(… <unfinished …>" once).
  const calls = readFileSync(out, "utf8")
    .split("\n")
    .filter((l) => /\bpwrite64\(/.test(l)).length;
  rmSync(dir, { recursive: true, force: true });
  return calls;
}

const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

async function expectRebuildEqual(dir: string, tables: Record<string, string>): Promise<void> {
  for (const [table, select] of Object.entries(tables)) {
    const got = sorted(await sql(dir, `SELECT * FROM main.${table}`));
    const want = sorted(await sql(dir, select));
    expect({ table, rows: got }).toEqual({ table, rows: want });
  }
}

/** A project built once, then loaded with new rows for the last (partly loaded) day. */
async function incrementalTemplate(): Promise<string> {
  const dir = makeProject({
    "models/rows.sql": `${ROWS}\n`,
    "models/rows.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_at"\n',
    "models/daily.sql": `${DAILY}\n`,
    "models/daily.toml":
      '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_until"\nunique_key = ["day"]\n',
  });
  await sql(
    dir,
    `CREATE SCHEMA raw;
CREATE TABLE raw.orders AS SELECT i AS id, DATE '2026-01-01' + CAST(i % 4 AS INTEGER) AS day, 10 AS amount, TIMESTAMP '2026-01-05 00:00:00' AS loaded_at FROM range(25) t(i)`,
  );
  expectOk(rocky(["run"], { cwd: dir }));
  await sql(
    dir,
    "INSERT INTO raw.orders SELECT 100 + i, DATE '2026-01-04', 10, TIMESTAMP '2026-01-06 00:00:00' FROM range(15) t(i)",
  );
  return dir;
}

describe.skipIf(skipWhy !== undefined)("kill -9 at every write", () => {
  test("an incremental run: after any kill, the next run equals a full rebuild", async () => {
    const template = await incrementalTemplate();
    const n = writesOf(template, ["run"]);
    console.log(`fault injection: an incremental run makes ${n} pwrite64 calls; killing at each`);
    expect(n).toBeGreaterThan(10);
    const failures: string[] = [];
    for (let i = 1; i <= n; i++) {
      const dir = join(tempDir(), `k${i}`);
      cpSync(template, dir, { recursive: true });
      const code = killedAt(i, ["run"], dir);
      const again = rocky(["run", "-o", "json"], { cwd: dir });
      if (again.code !== 0)
        failures.push(`kill at write ${i} (exit ${code}): recovery run failed: ${again.stderr}`);
      try {
        await expectRebuildEqual(dir, { rows: ROWS, daily: DAILY });
      } catch (e) {
        failures.push(`kill at write ${i}: ${(e as Error).message.split("\n").slice(0, 6).join(" ")}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(failures).toEqual([]);
  }, 600_000);

  test("a promote: production is wholly old or wholly promoted, and the next run equals a full rebuild", async () => {
    const template = await incrementalTemplate();
    expectOk(rocky(["branch", "create", "fix"], { cwd: template }));
    writeFileSync(join(template, "models/daily.sql"), `${DAILY_PROMOTED}\n`);
    expectOk(rocky(["run", "--branch", "fix"], { cwd: template }));
    const before = {
      rows: sorted(await sql(template, "SELECT * FROM main.rows")),
      daily: sorted(await sql(template, "SELECT * FROM main.daily")),
    };
    const promoted = {
      rows: sorted(await sql(template, 'SELECT * FROM "branch__fix__main".rows')),
      daily: sorted(await sql(template, 'SELECT * FROM "branch__fix__main".daily')),
    };
    const n = writesOf(template, ["branch", "promote", "fix"]);
    console.log(`fault injection: a promote makes ${n} pwrite64 calls; killing at each`);
    expect(n).toBeGreaterThan(5);
    const failures: string[] = [];
    for (let i = 1; i <= n; i++) {
      const dir = join(tempDir(), `p${i}`);
      cpSync(template, dir, { recursive: true });
      const code = killedAt(i, ["branch", "promote", "fix"], dir);
      const now = {
        rows: sorted(await sql(dir, "SELECT * FROM main.rows")),
        daily: sorted(await sql(dir, "SELECT * FROM main.daily")),
      };
      const whole = JSON.stringify(now);
      if (whole !== JSON.stringify(before) && whole !== JSON.stringify(promoted))
        failures.push(
          `kill at write ${i} (exit ${code}): production is neither the old nor the promoted state`,
        );
      await sql(
        dir,
        "INSERT INTO raw.orders SELECT 500 + i, DATE '2026-01-02', 1, TIMESTAMP '2026-01-09 00:00:00' FROM range(3) t(i)",
      );
      const again = rocky(["run", "-o", "json"], { cwd: dir });
      if (again.code !== 0) failures.push(`kill at write ${i}: the run after it failed: ${again.stderr}`);
      try {
        await expectRebuildEqual(dir, { rows: ROWS, daily: DAILY_PROMOTED });
      } catch (e) {
        failures.push(`kill at write ${i}: ${(e as Error).message.split("\n").slice(0, 6).join(" ")}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
