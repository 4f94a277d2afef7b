/**
 * A project written in Snowflake's dialect (`:` paths, `::` casts, LATERAL FLATTEN, IFF,
 * QUALIFY) end to end through the real snowflake-sdk and the loopback stand-in
 * (test/standins/snowflake.ts), whose statements are executed by an embedded DuckDB
 * (test/standins/duckdb-engine.ts: as sent, or transpiled from Snowflake SQL with polyglot
 * where DuckDB rejects them). Asserted: the SQL that went over the wire (the user's own,
 * references rewritten) and the tables each command leaves in the warehouse.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rockyAsync, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { DuckEngine, snowflakeAnswers } from "../standins/duckdb-engine.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";

const PASSWORD = "s3cret-pass-word";
const sf = new SnowflakeStandin({ users: { ALICE: { password: PASSWORD } } });
let engine: DuckEngine;
beforeAll(async () => {
  engine = await DuckEngine.open(
    "snowflake",
    ["ANALYTICS"],
    [
      `CREATE SCHEMA "RAW"`,
      `CREATE TABLE "RAW"."EVENTS" ("ID" INTEGER, "PAYLOAD" JSON, "AMOUNT" DECIMAL(10, 2))`,
      `INSERT INTO "RAW"."EVENTS" VALUES
        (1, '{"user": {"name": "ann"}, "items": [{"sku": "a1"}, {"sku": "a2"}]}', 5),
        (2, '{"user": {"name": "bob"}, "items": [{"sku": "b1"}]}', 0),
        (3, '{"user": {"name": "cy"}, "items": [{"sku": "c1"}, {"sku": "c2"}]}', 2)`,
    ],
  );
  sf.onQuery = snowflakeAnswers(engine);
  sf.start();
});
afterAll(() => {
  sf.stop();
  engine.close();
});

const STG =
  "SELECT e.id, e.payload:user.name::string AS user_name, f.value:sku::string AS sku, IFF(e.amount > 0, 'paid', 'free') AS status\n" +
  "FROM raw.events e, LATERAL FLATTEN(input => e.payload:items) f\n" +
  "QUALIFY ROW_NUMBER() OVER (PARTITION BY e.id ORDER BY f.index) = 1";
const TOTALS = "SELECT status, COUNT(*) AS n FROM stg_events GROUP BY status";
/** The branch's change: free events are no longer counted. */
const TOTALS_FIX = "SELECT status, COUNT(*) AS n FROM stg_events WHERE status <> 'free' GROUP BY status";

/** Async spawn (rockyAsync): the stand-in answers from this process's event loop. */
const cli = (args: string[], cwd: string) => rockyAsync(args, { cwd, env: { SF_PASSWORD: PASSWORD } });

const rowsOf = (table: string) => engine.query(`SELECT * FROM ${table} ORDER BY ALL`);

describe("a Snowflake-dialect project on the Snowflake stand-in (statements executed)", () => {
  test("run, run --branch, branch compare, branch promote, replay --execute: the user's SQL, real table contents", async () => {
    const dir = tempDir("rocky-sf-dialect-");
    writeFileSync(
      join(dir, "rocky.toml"),
      `[project]\nname = "t"\n\n[adapter]\ntype = "snowflake"\naccount = "standin"\nuser = "alice"\npassword = "\${SF_PASSWORD}"\nwarehouse = "WH"\ndatabase = "ANALYTICS"\nschema = "MARTS"\naccess_url = "${sf.url}"\nretry_delay_ms = 20\n`,
    );
    mkdirSync(join(dir, "models"));
    writeFileSync(join(dir, "models/stg_events.sql"), `${STG}\n`);
    writeFileSync(join(dir, "models/totals.sql"), `${TOTALS}\n`);
    const ctas = (n: number) =>
      sf.statements
        .slice(n)
        .map((s) => s.sql)
        .filter((q) => /^CREATE OR REPLACE TABLE .* AS\n/.test(q));

    let n = sf.statements.length;
    const run = await cli(["run", "-o", "json"], dir);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const runJson = JSON.parse(run.stdout) as { run_id: string; models: { model: string; status: string }[] };
    expectOurSchema("run", runJson);
    expect(runJson.models.map((m) => [m.model, m.status])).toEqual([
      ["stg_events", "success"],
      ["totals", "success"],
    ]);
    // `raw.events` (a source) is sent as written; the model `stg_events` is qualified.
    const M = `"ANALYTICS"."MARTS"`;
    expect(ctas(n)).toEqual([
      `CREATE OR REPLACE TABLE ${M}."STG_EVENTS" AS\n${STG}`,
      `CREATE OR REPLACE TABLE ${M}."TOTALS" AS\n${TOTALS.replace("stg_events", `${M}."STG_EVENTS"`)}`,
    ]);
    // What the Snowflake SQL computes: the first item of each event, its user, IFF's status.
    expect(await rowsOf(`${M}."STG_EVENTS"`)).toEqual([
      ["1", "ann", "a1", "paid"],
      ["2", "bob", "b1", "free"],
      ["3", "cy", "c1", "paid"],
    ]);
    expect(await rowsOf(`${M}."TOTALS"`)).toEqual([
      ["free", "1"],
      ["paid", "2"],
    ]);

    expect((await cli(["branch", "create", "fix"], dir)).code).toBe(0);
    writeFileSync(join(dir, "models/totals.sql"), `${TOTALS_FIX}\n`);
    n = sf.statements.length;
    const branchRun = await cli(["run", "--branch", "fix", "-o", "json"], dir);
    expect(branchRun.stderr).toBe("");
    expect(branchRun.code).toBe(0);
    expectOurSchema("run", JSON.parse(branchRun.stdout));
    const B = `"ANALYTICS"."BRANCH__FIX__MARTS"`;
    expect(ctas(n)).toContain(
      `CREATE OR REPLACE TABLE ${B}."TOTALS" AS\n${TOTALS_FIX.replace("stg_events", `${B}."STG_EVENTS"`)}`,
    );
    expect(await rowsOf(`${B}."TOTALS"`)).toEqual([["paid", "2"]]);
    // Production is untouched by the branch.
    expect(await rowsOf(`${M}."TOTALS"`)).toEqual([
      ["free", "1"],
      ["paid", "2"],
    ]);

    // Computed from the tables: the branch's totals lack the `free` row.
    const compare = await cli(["branch", "compare", "fix", "-o", "json"], dir);
    expect(compare.code).toBe(0);
    const cmp = JSON.parse(compare.stdout) as {
      tables_compared: number;
      results: {
        model: string;
        verdict: string;
        rows_only_in_branch: number;
        rows_only_in_production: number;
      }[];
    };
    expectOurSchema("branch_compare", cmp);
    expect(cmp.tables_compared).toBe(2);
    expect(
      cmp.results.map((r) => [r.model, r.verdict, r.rows_only_in_branch, r.rows_only_in_production]),
    ).toEqual([
      ["stg_events", "identical", 0, 0],
      ["totals", "changed", 0, 1],
    ]);

    n = sf.statements.length;
    const promote = await cli(["branch", "promote", "fix", "--force", "--reason", "test", "-o", "json"], dir);
    expect(promote.stderr).toBe("");
    expect(promote.code).toBe(0);
    expectOurSchema("branch_promote", JSON.parse(promote.stdout));
    // Zero-copy: the branch table is cloned beside production and swapped in (SWAP WITH).
    const promoted = sf.statements.slice(n).map((s) => s.sql);
    const clone = promoted.find((s) => s.endsWith(` CLONE ${B}."TOTALS"`));
    const backup = /^CREATE OR REPLACE TABLE (\S+) CLONE /.exec(clone ?? "")?.[1];
    expect(backup).toStartWith(`${M}."TOTALS__ROCKY_BACKUP_`);
    expect(promoted).toContain(`ALTER TABLE ${backup} SWAP WITH ${M}."TOTALS"`);
    expect(await rowsOf(`${M}."TOTALS"`)).toEqual([["paid", "2"]]);

    // Replaying the first run against unchanged inputs: real fingerprints, identical.
    n = sf.statements.length;
    const replay = await cli(["replay", runJson.run_id, "--execute", "-o", "json"], dir);
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    const replayJson = JSON.parse(replay.stdout) as { execute: { identical: number; diverged: number } };
    expectOurSchema("replay", replayJson);
    const replayed = ctas(n);
    expect(replayed).toHaveLength(2);
    expect(replayed[0]).toEndWith(` AS\n${STG}`);
    const schema = /^CREATE OR REPLACE TABLE "ANALYTICS"\."([^"]+)"\."STG_EVENTS"/.exec(
      replayed[0] ?? "",
    )?.[1];
    expect(schema).toStartWith("REPLAY__");
    expect(replayed[1]).toBe(
      `CREATE OR REPLACE TABLE "ANALYTICS"."${schema}"."TOTALS" AS\n${TOTALS.replace("stg_events", `"ANALYTICS"."${schema}"."STG_EVENTS"`)}`,
    );
    expect([replayJson.execute.identical, replayJson.execute.diverged]).toEqual([2, 0]);

    // A new event upstream: the recorded inputs no longer hold, and replay says so.
    await engine.query(
      `INSERT INTO "RAW"."EVENTS" VALUES (4, '{"user": {"name": "di"}, "items": [{"sku": "d1"}]}', 1)`,
    );
    const again = JSON.parse(
      (await cli(["replay", runJson.run_id, "--execute", "-o", "json"], dir)).stdout,
    ) as {
      execute: { identical: number; diverged: number; not_comparable: number };
    };
    expect(again.execute).toMatchObject({ identical: 0, diverged: 0, not_comparable: 2 });
  }, 120_000);
});
