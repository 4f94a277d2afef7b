/**
 * A project written in BigQuery's dialect, end to end through the real BigQuery SDK and
 * its loopback stand-in (test/standins/bigquery.ts, which executes SQL with SQLite after
 * translating rocky's own shapes): run, run --branch, branch compare, branch promote,
 * replay. The statements the service received are the user's text with only the table
 * references rewritten, never a transpiled copy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rockyAsync, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";

let standin: BigQueryStandin;
beforeAll(() => {
  standin = BigQueryStandin.start();
});
afterAll(() => standin.stop());

/** Async spawn (rockyAsync): the stand-in answers from this process's event loop. */
const cli = (args: string[], cwd: string) => rockyAsync(args, { cwd });

const STG = 'SELECT e.id, e.amount, "paid" AS status\nFROM `analytics.events` AS e\nWHERE e.amount > 0';
const TOTALS = "SELECT t.status, SUM(t.amount) AS total\nFROM `stg_events` t\nGROUP BY t.status";

function project(): string {
  const dir = tempDir("rocky-bq-dialect-");
  writeFileSync(
    join(dir, "rocky.toml"),
    `[project]\nname = "t"\n\n[adapter]\ntype = "bigquery"\nproject_id = "${standin.project}"\ndataset = "analytics"\naccess_token = "${standin.token}"\napi_endpoint = "${standin.url}"\nretry_initial_ms = 5\n`,
  );
  mkdirSync(join(dir, "models"));
  // Written with a trailing newline, which rocky trims from the statement.
  writeFileSync(join(dir, "models/stg_events.sql"), `${STG}\n`);
  writeFileSync(join(dir, "models/totals.sql"), `${TOTALS}\n`);
  return dir;
}

/** The statements the service received since job `n`, without rocky's fingerprint queries. */
const queriesSince = (n: number) =>
  [...standin.jobs.values()]
    .slice(n)
    .map((j) => j.query)
    .filter((q) => !q.includes("_rocky_n") && q !== "SELECT 1");
const rows = (table: string) =>
  (standin.db.query(`SELECT * FROM "${table}" ORDER BY 1`).all() as Record<string, unknown>[]).map((r) =>
    Object.values(r).map((v) => (typeof v === "bigint" ? Number(v) : v)),
  );

describe("a BigQuery-dialect project on the BigQuery stand-in", () => {
  test("run, run --branch, branch compare, branch promote, replay --execute: the user's SQL, references rewritten", async () => {
    standin.datasets.set("analytics", { location: standin.location });
    standin.db.run('CREATE TABLE "analytics.events" (id INT64, amount INT64)');
    standin.db.run('INSERT INTO "analytics.events" VALUES (1, 10), (2, 0), (3, 5)');
    const dir = project();
    const P = `\`${standin.project}\``;

    let n = standin.jobs.size;
    const run = await cli(["run", "-o", "json"], dir);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const runJson = JSON.parse(run.stdout) as { run_id: string; models: { model: string; status: string }[] };
    expectOurSchema("run", runJson);
    expect(runJson.models.map((m) => [m.model, m.status])).toEqual([
      ["stg_events", "success"],
      ["totals", "success"],
    ]);
    // The source keeps the user's `analytics.events`; the model reference is qualified.
    expect(queriesSince(n)).toEqual([
      `CREATE OR REPLACE TABLE ${P}.\`analytics\`.\`stg_events\` AS\n${STG}`,
      `CREATE OR REPLACE TABLE ${P}.\`analytics\`.\`totals\` AS\n${TOTALS.replace("`stg_events`", `${P}.\`analytics\`.\`stg_events\``)}`,
    ]);
    expect(rows("analytics.stg_events")).toEqual([
      [1, 10, "paid"],
      [3, 5, "paid"],
    ]);
    expect(rows("analytics.totals")).toEqual([["paid", 15]]);

    expect((await cli(["branch", "create", "fix"], dir)).code).toBe(0);
    const FIXED = STG.replace("> 0", ">= 0");
    writeFileSync(join(dir, "models/stg_events.sql"), `${FIXED}\n`);
    n = standin.jobs.size;
    const branchRun = await cli(["run", "--branch", "fix", "-o", "json"], dir);
    expect(branchRun.code).toBe(0);
    expectOurSchema("run", JSON.parse(branchRun.stdout));
    const B = `${P}.\`branch__fix__analytics\``;
    expect(queriesSince(n).filter((q) => q.startsWith("CREATE OR REPLACE TABLE"))).toEqual([
      `CREATE OR REPLACE TABLE ${B}.\`stg_events\` AS\n${FIXED}`,
      `CREATE OR REPLACE TABLE ${B}.\`totals\` AS\n${TOTALS.replace("`stg_events`", `${B}.\`stg_events\``)}`,
    ]);
    expect(rows("analytics.stg_events")).toHaveLength(2); // production untouched
    expect(rows("branch__fix__analytics.stg_events")).toHaveLength(3);

    const compare = await cli(["branch", "compare", "fix", "-o", "json"], dir);
    expect(compare.code).toBe(0);
    const cmp = JSON.parse(compare.stdout) as {
      results: { model: string; verdict: string; rows_only_in_branch: number }[];
    };
    expectOurSchema("branch_compare", cmp);
    expect(cmp.results.map((m) => [m.model, m.verdict, m.rows_only_in_branch])).toEqual([
      ["stg_events", "changed", 1],
      ["totals", "identical", 0], // the new row has amount 0: the sum is the same
    ]);

    const promote = await cli(["branch", "promote", "fix", "-o", "json"], dir);
    expect(promote.code).toBe(0);
    expectOurSchema("branch_promote", JSON.parse(promote.stdout));
    expect(rows("analytics.stg_events")).toEqual([
      [1, 10, "paid"],
      [2, 0, "paid"],
      [3, 5, "paid"],
    ]);

    // Replaying the first run sends its recorded SQL, in BigQuery's dialect, into a replay schema.
    n = standin.jobs.size;
    const replay = await cli(["replay", runJson.run_id, "--execute", "-o", "json"], dir);
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    expectOurSchema("replay", JSON.parse(replay.stdout));
    const replayed = queriesSince(n).filter((q) => q.startsWith("CREATE OR REPLACE TABLE"));
    expect(replayed).toHaveLength(2);
    expect(replayed[0]).toEndWith(` AS\n${STG}`);
    expect(replayed[1]).toMatch(
      /^CREATE OR REPLACE TABLE `[^`]+`\.`([^`]+)`\.`totals` AS\nSELECT t\.status, SUM\(t\.amount\) AS total\nFROM `[^`]+`\.`\1`\.`stg_events` t\nGROUP BY t\.status$/,
    );
  });
});
