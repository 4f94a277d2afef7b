/**
 * A project written in Databricks SQL (backticks, `raw:a.b` paths, LATERAL VIEW explode,
 * a `transform` lambda) end to end through the real @databricks/sql driver and the
 * loopback Thrift stand-in (test/standins/databricks.ts). The stand-in is no SQL engine:
 * it records every statement and answers from a small catalogue kept here (tables
 * created, canned fingerprints and counts), so what is asserted is the SQL that went over
 * the wire and the commands' outcomes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { type DbxAnswer, DatabricksStandin } from "../standins/databricks.ts";

const TOKEN = "dapi0123456789abcdef";
const dbx = new DatabricksStandin({ tokens: [TOKEN] });
beforeAll(() => dbx.start());
afterAll(() => dbx.stop());

const STG =
  "SELECT e.id, e.raw:user.name AS user_name, item, transform(e.tags, t -> upper(t)) AS tags\n" +
  "FROM `main`.`raw`.`events` e\n" +
  "LATERAL VIEW explode(e.items) x AS item";
const TOTALS = "SELECT item, COUNT(*) AS n FROM `stg_events` GROUP BY item";

async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  // Async spawn: the stand-in answers from this process's event loop.
  const p = Bun.spawn([process.execPath, join(REPO, "src", "cli", "main.ts"), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", DBX_TOKEN: TOKEN },
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

describe("a Databricks-dialect project on the Databricks stand-in (canned answers)", () => {
  test("run, run --branch, branch compare, branch promote, replay --execute: the user's SQL, references rewritten", async () => {
    const tables = new Set(["raw.events"]);
    dbx.onQuery = (sql): DbxAnswer => {
      let m = /^CREATE (?:OR REPLACE )?(?:TABLE|VIEW) `[^`]+`\.`([^`]+)`\.`([^`]+)`/.exec(sql);
      if (m) tables.add(`${m[1]}.${m[2]}`);
      m = /^DESCRIBE TABLE (?:EXTENDED )?`[^`]+`\.`([^`]+)`\.`([^`]+)`$/.exec(sql);
      if (m) {
        if (!tables.has(`${m[1]}.${m[2]}`))
          return { error: { message: `[TABLE_OR_VIEW_NOT_FOUND] ${m[1]}.${m[2]}`, sqlState: "42P01" } };
        return {
          columns: [
            { name: "col_name", type: "STRING" },
            { name: "data_type", type: "STRING" },
          ],
          rows: sql.includes("EXTENDED")
            ? [["Type", "MANAGED"]]
            : [
                ["id", "bigint"],
                ["item", "string"],
              ],
        };
      }
      m = /^SHOW TABLES IN `[^`]+`\.`([^`]+)`$/.exec(sql);
      if (m) {
        const schema = m[1] as string;
        return {
          columns: [
            { name: "database", type: "STRING" },
            { name: "tableName", type: "STRING" },
            { name: "isTemporary", type: "BOOLEAN" },
          ],
          rows: [...tables]
            .filter((t) => t.startsWith(`${schema}.`))
            .map((t) => [schema, t.slice(schema.length + 1), false]),
        };
      }
      if (sql.includes("xxhash64"))
        return {
          columns: [
            { name: "row_count", type: "BIGINT" },
            { name: "hash_sum", type: "STRING" },
            { name: "hash_xor", type: "BIGINT" },
          ],
          rows: [[2n, "5", 7n]],
        };
      if (/^SELECT COUNT\(\*\) AS n FROM/.test(sql))
        return { columns: [{ name: "n", type: "BIGINT" }], rows: [[2n]] };
      if (sql.startsWith("WITH b AS"))
        return {
          columns: [
            { name: "added", type: "BIGINT" },
            { name: "removed", type: "BIGINT" },
          ],
          rows: [[0n, 0n]],
        };
      return { columns: [], rows: [] };
    };
    const dir = tempDir("rocky-dbx-dialect-");
    writeFileSync(
      join(dir, "rocky.toml"),
      `[project]\nname = "t"\n\n[adapter]\ntype = "databricks"\nhost = "http://127.0.0.1:${dbx.port}"\nhttp_path = "${dbx.path}"\ntoken = "\${DBX_TOKEN}"\ncatalog = "main"\nschema = "marts"\nretry_delay_ms = 20\n`,
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
    const M = "`main`.`marts`";
    expect(ctas(n)).toEqual([
      `CREATE OR REPLACE TABLE ${M}.\`stg_events\` AS\n${STG}`,
      `CREATE OR REPLACE TABLE ${M}.\`totals\` AS\n${TOTALS.replace("`stg_events`", `${M}.\`stg_events\``)}`,
    ]);

    expect((await cli(["branch", "create", "fix"], dir)).code).toBe(0);
    n = dbx.statements.length;
    const branchRun = await cli(["run", "--branch", "fix", "-o", "json"], dir);
    expect(branchRun.code).toBe(0);
    expectOurSchema("run", JSON.parse(branchRun.stdout));
    const B = "`main`.`branch__fix__marts`";
    expect(ctas(n)).toEqual([
      `CREATE OR REPLACE TABLE ${B}.\`stg_events\` AS\n${STG}`,
      `CREATE OR REPLACE TABLE ${B}.\`totals\` AS\n${TOTALS.replace("`stg_events`", `${B}.\`stg_events\``)}`,
    ]);

    const compare = await cli(["branch", "compare", "fix", "-o", "json"], dir);
    expect(compare.code).toBe(0);
    const cmp = JSON.parse(compare.stdout) as { results: { model: string; verdict: string }[] };
    expectOurSchema("branch_compare", cmp);
    expect(cmp.results.map((r) => [r.model, r.verdict])).toEqual([
      ["stg_events", "identical"],
      ["totals", "identical"],
    ]);

    n = dbx.statements.length;
    const promote = await cli(["branch", "promote", "fix", "-o", "json"], dir);
    expect(promote.code).toBe(0);
    expectOurSchema("branch_promote", JSON.parse(promote.stdout));
    expect(dbx.statements.slice(n).map((s) => s.sql)).toContain(
      // Production gets its own copy of the data (DEEP CLONE), not a reference to the branch's files.
      `CREATE OR REPLACE TABLE ${M}.\`stg_events\` DEEP CLONE ${B}.\`stg_events\``,
    );

    n = dbx.statements.length;
    const replay = await cli(["replay", runJson.run_id, "--execute", "-o", "json"], dir);
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    expectOurSchema("replay", JSON.parse(replay.stdout));
    const replayed = ctas(n);
    expect(replayed).toHaveLength(2);
    const schema = /^CREATE OR REPLACE TABLE `main`\.`([^`]+)`\.`stg_events` AS\n/.exec(
      replayed[0] ?? "",
    )?.[1];
    expect(schema).toStartWith("replay__");
    expect(replayed).toEqual([
      `CREATE OR REPLACE TABLE \`main\`.\`${schema}\`.\`stg_events\` AS\n${STG}`,
      `CREATE OR REPLACE TABLE \`main\`.\`${schema}\`.\`totals\` AS\n${TOTALS.replace("`stg_events`", `\`main\`.\`${schema}\`.\`stg_events\``)}`,
    ]);
  });
});
