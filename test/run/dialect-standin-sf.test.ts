/**
 * A project written in Snowflake's dialect (`:` paths, `::` casts, LATERAL FLATTEN, IFF,
 * QUALIFY) end to end through the real snowflake-sdk and the loopback stand-in
 * (test/standins/snowflake.ts). The stand-in is no SQL engine: it records every statement
 * and answers from a small catalogue kept here (tables created, canned fingerprints), so
 * what is asserted is the SQL that went over the wire and the commands' outcomes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { SF_STATEMENT_TYPE, SnowflakeStandin } from "../standins/snowflake.ts";

const PASSWORD = "s3cret-pass-word";
const sf = new SnowflakeStandin({ users: { ALICE: { password: PASSWORD } } });
beforeAll(() => sf.start());
afterAll(() => sf.stop());

const STG =
  "SELECT e.id, e.payload:user.name::string AS user_name, f.value:sku::string AS sku, IFF(e.amount > 0, 'paid', 'free') AS status\n" +
  "FROM raw.events e, LATERAL FLATTEN(input => e.payload:items) f\n" +
  "QUALIFY ROW_NUMBER() OVER (PARTITION BY e.id ORDER BY f.index) = 1";
const TOTALS = "SELECT status, COUNT(*) AS n FROM stg_events GROUP BY status";

async function cli(args: string[], cwd: string) {
  const p = Bun.spawn([process.execPath, join(REPO, "src", "cli", "main.ts"), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", SF_PASSWORD: PASSWORD },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}
describe("a Snowflake-dialect project on the Snowflake stand-in (canned answers)", () => {
  test("run, run --branch, branch compare, branch promote, replay --execute: the user's SQL, references rewritten", async () => {
    const tables = new Set(["RAW.EVENTS"]);
    const text = (name: string) => ({ name, type: "text" });
    sf.onQuery = (sql) => {
      const ok = { columns: [text("status")], rows: [["ok"]], statementTypeId: SF_STATEMENT_TYPE.DDL };
      let m = /^CREATE (?:OR REPLACE )?(?:TABLE|VIEW) "[^"]+"\."([^"]+)"\."([^"]+)"/.exec(sql);
      if (m) tables.add(`${m[1]}.${m[2]}`);
      if (sql.includes("HASH_AGG"))
        return {
          columns: [
            { name: "ROW_COUNT", type: "fixed" },
            { name: "CONTENT_HASH", type: "fixed" },
          ],
          rows: [["2", "123"]],
          statementTypeId: SF_STATEMENT_TYPE.SELECT,
        };
      const fixed = (names: string[], row: (string | null)[]) => ({
        columns: names.map((name) => ({ name, type: "fixed" })),
        rows: [row],
        statementTypeId: SF_STATEMENT_TYPE.SELECT,
      });
      if (/^SELECT COUNT\(\*\) AS n FROM/.test(sql)) return fixed(["N"], ["2"]);
      if (sql.startsWith("WITH b AS")) return fixed(["ADDED", "REMOVED"], ["0", "0"]);
      if (sql.includes("INFORMATION_SCHEMA.COLUMNS"))
        return {
          columns: [
            "COLUMN_NAME",
            "DATA_TYPE",
            "IS_NULLABLE",
            "NUMERIC_PRECISION",
            "NUMERIC_SCALE",
            "CHARACTER_MAXIMUM_LENGTH",
          ].map(text),
          rows: [
            ["ID", "NUMBER", "YES", "38", "0", null],
            ["STATUS", "TEXT", "YES", null, null, "16777216"],
          ],
          statementTypeId: SF_STATEMENT_TYPE.SELECT,
        };
      m = /INFORMATION_SCHEMA\.TABLES\s+WHERE table_schema = '([^']+)'/.exec(sql);
      if (m) {
        const schema = m[1];
        const names = [...tables]
          .filter((t) => t.startsWith(`${schema}.`))
          .map((t) => [t.slice(schema!.length + 1)]);
        return { columns: [text("TABLE_NAME")], rows: names, statementTypeId: SF_STATEMENT_TYPE.SELECT };
      }
      return ok;
    };
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

    expect((await cli(["branch", "create", "fix"], dir)).code).toBe(0);
    n = sf.statements.length;
    const branchRun = await cli(["run", "--branch", "fix", "-o", "json"], dir);
    expect(branchRun.code).toBe(0);
    expectOurSchema("run", JSON.parse(branchRun.stdout));
    const B = `"ANALYTICS"."BRANCH__FIX__MARTS"`;
    expect(ctas(n)).toEqual([
      `CREATE OR REPLACE TABLE ${B}."STG_EVENTS" AS\n${STG}`,
      `CREATE OR REPLACE TABLE ${B}."TOTALS" AS\n${TOTALS.replace("stg_events", `${B}."STG_EVENTS"`)}`,
    ]);

    // The stand-in's answers are canned, so only that both tables were compared is asserted.
    const compare = await cli(["branch", "compare", "fix", "-o", "json"], dir);
    expect(compare.code).toBe(0);
    const cmp = JSON.parse(compare.stdout) as { tables_compared: number };
    expectOurSchema("branch_compare", cmp);
    expect(cmp.tables_compared).toBe(2);

    n = sf.statements.length;
    const promote = await cli(["branch", "promote", "fix", "-o", "json"], dir);
    expect(promote.code).toBe(0);
    expectOurSchema("branch_promote", JSON.parse(promote.stdout));
    // Zero-copy: the branch table is cloned beside production and swapped in (SWAP WITH).
    const promoted = sf.statements.slice(n).map((s) => s.sql);
    const clone = promoted.find((s) => s.endsWith(` CLONE ${B}."STG_EVENTS"`));
    const backup = /^CREATE OR REPLACE TABLE (\S+) CLONE /.exec(clone ?? "")?.[1];
    expect(backup).toStartWith(`${M}."STG_EVENTS__ROCKY_BACKUP_`);
    expect(promoted).toContain(`ALTER TABLE ${backup} SWAP WITH ${M}."STG_EVENTS"`);

    n = sf.statements.length;
    const replay = await cli(["replay", runJson.run_id, "--execute", "-o", "json"], dir);
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    expectOurSchema("replay", JSON.parse(replay.stdout));
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
  });
});
