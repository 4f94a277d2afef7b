/**
 * A project written in Databricks SQL (backticks, `raw:a.b` paths, LATERAL VIEW explode,
 * a `transform` lambda) end to end through the real @databricks/sql driver and the
 * loopback Thrift stand-in (test/standins/databricks.ts), whose statements are executed
 * by an embedded DuckDB (test/standins/duckdb-engine.ts: backtick names requoted, or
 * transpiled from Databricks SQL with polyglot where DuckDB rejects them). Asserted: the
 * SQL that went over the wire (the user's own, references rewritten) and the tables each
 * command leaves in the warehouse. The catalog is `lake`: DuckDB reserves `main`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rockyAsync, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { DatabricksStandin } from "../standins/databricks.ts";
import { DuckEngine, databricksAnswers } from "../standins/duckdb-engine.ts";

const TOKEN = "dapi0123456789abcdef";
const dbx = new DatabricksStandin({ tokens: [TOKEN] });
let engine: DuckEngine;
beforeAll(async () => {
  engine = await DuckEngine.open(
    "databricks",
    ["lake"],
    [
      `CREATE SCHEMA raw`,
      `CREATE TABLE raw.events (id BIGINT, raw JSON, tags VARCHAR[], items VARCHAR[])`,
      `INSERT INTO raw.events VALUES
        (1, '{"user": {"name": "ann"}}', ['x', 'y'], ['a', 'b']),
        (2, '{"user": {"name": "bob"}}', ['z'], ['a'])`,
    ],
  );
  dbx.onQuery = databricksAnswers(engine);
  dbx.start();
});
afterAll(() => {
  dbx.stop();
  engine.close();
});

const STG =
  "SELECT e.id, e.raw:user.name AS user_name, item, transform(e.tags, t -> upper(t)) AS tags\n" +
  "FROM `lake`.`raw`.`events` e\n" +
  "LATERAL VIEW explode(e.items) x AS item";
const TOTALS = "SELECT item, COUNT(*) AS n FROM `stg_events` GROUP BY item";
/** The branch's change: item b is no longer counted. */
const TOTALS_FIX = "SELECT item, COUNT(*) AS n FROM `stg_events` WHERE item <> 'b' GROUP BY item";

/** Async spawn (rockyAsync): the stand-in answers from this process's event loop. */
const cli = (args: string[], cwd: string) => rockyAsync(args, { cwd, env: { DBX_TOKEN: TOKEN } });

const rowsOf = (table: string) => engine.query(`SELECT * FROM ${table} ORDER BY ALL`);

describe("a Databricks-dialect project on the Databricks stand-in (statements executed)", () => {
  test("run, run --branch, branch compare, branch promote, replay --execute: the user's SQL, real table contents", async () => {
    const dir = tempDir("rocky-dbx-dialect-");
    writeFileSync(
      join(dir, "rocky.toml"),
      `[project]\nname = "t"\n\n[adapter]\ntype = "databricks"\nhost = "http://127.0.0.1:${dbx.port}"\nhttp_path = "${dbx.path}"\ntoken = "\${DBX_TOKEN}"\ncatalog = "lake"\nschema = "marts"\nretry_delay_ms = 20\n`,
    );
    mkdirSync(join(dir, "models"));
    writeFileSync(join(dir, "models/stg_events.sql"), `${STG}\n`);
    writeFileSync(join(dir, "models/totals.sql"), `${TOTALS}\n`);
    const ctas = (n: number) =>
      dbx.statements
        .slice(n)
        .map((s) => s.sql)
        .filter((q) => /^CREATE OR REPLACE TABLE .* AS\n/.test(q));

    let n = dbx.statements.length;
    const run = await cli(["run", "-o", "json"], dir);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const runJson = JSON.parse(run.stdout) as { run_id: string; models: { model: string; status: string }[] };
    expectOurSchema("run", runJson);
    expect(runJson.models.map((m) => [m.model, m.status])).toEqual([
      ["stg_events", "success"],
      ["totals", "success"],
    ]);
    const M = "`lake`.`marts`";
    expect(ctas(n)).toEqual([
      `CREATE OR REPLACE TABLE ${M}.\`stg_events\` AS\n${STG}`,
      `CREATE OR REPLACE TABLE ${M}.\`totals\` AS\n${TOTALS.replace("`stg_events`", `${M}.\`stg_events\``)}`,
    ]);
    // What the Databricks SQL computes: one row per exploded item, the path's string, the lambda.
    expect(await rowsOf("lake.marts.stg_events")).toEqual([
      ["1", "ann", "a", '["X","Y"]'],
      ["1", "ann", "b", '["X","Y"]'],
      ["2", "bob", "a", '["Z"]'],
    ]);
    expect(await rowsOf("lake.marts.totals")).toEqual([
      ["a", "2"],
      ["b", "1"],
    ]);

    expect((await cli(["branch", "create", "fix"], dir)).code).toBe(0);
    writeFileSync(join(dir, "models/totals.sql"), `${TOTALS_FIX}\n`);
    n = dbx.statements.length;
    const branchRun = await cli(["run", "--branch", "fix", "-o", "json"], dir);
    expect(branchRun.stderr).toBe("");
    expect(branchRun.code).toBe(0);
    expectOurSchema("run", JSON.parse(branchRun.stdout));
    const B = "`lake`.`branch__fix__marts`";
    expect(ctas(n)).toContain(
      `CREATE OR REPLACE TABLE ${B}.\`totals\` AS\n${TOTALS_FIX.replace("`stg_events`", `${B}.\`stg_events\``)}`,
    );
    expect(await rowsOf("lake.branch__fix__marts.totals")).toEqual([["a", "2"]]);
    expect(await rowsOf("lake.marts.totals")).toEqual([
      ["a", "2"],
      ["b", "1"],
    ]);

    const compare = await cli(["branch", "compare", "fix", "-o", "json"], dir);
    expect(compare.code).toBe(0);
    const cmp = JSON.parse(compare.stdout) as {
      results: {
        model: string;
        verdict: string;
        rows_only_in_branch: number;
        rows_only_in_production: number;
      }[];
    };
    expectOurSchema("branch_compare", cmp);
    expect(
      cmp.results.map((r) => [r.model, r.verdict, r.rows_only_in_branch, r.rows_only_in_production]),
    ).toEqual([
      ["stg_events", "identical", 0, 0],
      ["totals", "changed", 0, 1],
    ]);

    n = dbx.statements.length;
    const promote = await cli(["branch", "promote", "fix", "--force", "--reason", "test", "-o", "json"], dir);
    expect(promote.stderr).toBe("");
    expect(promote.code).toBe(0);
    expectOurSchema("branch_promote", JSON.parse(promote.stdout));
    expect(dbx.statements.slice(n).map((s) => s.sql)).toContain(
      // Production gets its own copy of the data (DEEP CLONE), not a reference to the branch's files.
      `CREATE OR REPLACE TABLE ${M}.\`totals\` DEEP CLONE ${B}.\`totals\``,
    );
    expect(await rowsOf("lake.marts.totals")).toEqual([["a", "2"]]);

    n = dbx.statements.length;
    const replay = await cli(["replay", runJson.run_id, "--execute", "-o", "json"], dir);
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    const replayJson = JSON.parse(replay.stdout) as { execute: { identical: number; diverged: number } };
    expectOurSchema("replay", replayJson);
    const replayed = ctas(n);
    expect(replayed).toHaveLength(2);
    const schema = /^CREATE OR REPLACE TABLE `lake`\.`([^`]+)`\.`stg_events` AS\n/.exec(
      replayed[0] ?? "",
    )?.[1];
    expect(schema).toStartWith("replay__");
    expect(replayed).toEqual([
      `CREATE OR REPLACE TABLE \`lake\`.\`${schema}\`.\`stg_events\` AS\n${STG}`,
      `CREATE OR REPLACE TABLE \`lake\`.\`${schema}\`.\`totals\` AS\n${TOTALS.replace("`stg_events`", `\`lake\`.\`${schema}\`.\`stg_events\``)}`,
    ]);
    // Unchanged inputs, the recorded SQL: the same tables, by their real fingerprints.
    expect([replayJson.execute.identical, replayJson.execute.diverged]).toEqual([2, 0]);
  }, 120_000);
});
