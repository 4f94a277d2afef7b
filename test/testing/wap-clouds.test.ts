/**
 * Write-audit-publish on Snowflake and Databricks through their real SDKs against the
 * loopback stand-ins. These stand-ins answer what the test installs rather than run SQL,
 * so "production untouched" is asserted on the wire: on a failing test (or a broken
 * contract) no statement received writes the target, the staging table is dropped, and on
 * a passing run the one publish statement is the dialect's golden SQL. BigQuery's stand-in
 * executes SQL and has its own run test (wap-staged.test.ts); its publish SQL is golden here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { DatabricksDialect } from "../../adapters/databricks/dialect.ts";
import { loadConfig } from "../../src/config/load.ts";
import { runProject } from "../../src/run/run.ts";
import { stagedWrite } from "../../src/testing/wap.ts";
import { tempDir } from "../helpers/cli.ts";
import { DatabricksStandin } from "../standins/databricks.ts";
import { SF_STATEMENT_TYPE, SnowflakeStandin } from "../standins/snowflake.ts";

const TEST = '[[tests]]\ntype = "expression"\nexpression = "amount >= 0"\n';

function project(adapter: string, sidecar: string): string {
  const dir = tempDir("rocky-wap-cloud-");
  writeFileSync(join(dir, "rocky.toml"), `[project]\nname = "t"\n\n[adapter]\n${adapter}`);
  mkdirSync(join(dir, "models"));
  writeFileSync(join(dir, "models/out.sql"), "SELECT 1 AS id, 5 AS amount\n");
  writeFileSync(join(dir, "models/out.toml"), sidecar);
  return dir;
}

async function run(dir: string) {
  const outcome = await runProject({ config: await loadConfig(join(dir, "rocky.toml")), trigger: "manual" });
  return outcome.models.find((m) => m.name === "out")!;
}

/** Statements that write `target` (anything but reading it or cloning it into the staging table). */
function writesTo(sent: string[], target: string): string[] {
  const t = target.toUpperCase();
  return sent.filter((s) => {
    const u = s.toUpperCase();
    if (!u.includes(t)) return false;
    if (/^(SELECT|WITH|DESCRIBE|SHOW)\b/.test(u.trimStart())) return false;
    // Into the staging table: `CREATE ... <audit> CLONE <target>` / `DROP TABLE IF EXISTS <audit>`.
    return u.replaceAll(`${t.slice(0, -1)}__ROCKY_AUDIT${t.slice(-1)}`, "").includes(t);
  });
}

describe("snowflake stand-in: staged write, SWAP WITH on publish", () => {
  const PASSWORD = "s3cret-pass-word";
  const sf = new SnowflakeStandin({ users: { ALICE: { password: PASSWORD } } });
  let failing = 0;
  let amountType = "fixed";
  const target = '"ANALYTICS"."PUBLIC"."OUT"';
  const audit = '"ANALYTICS"."PUBLIC"."OUT__ROCKY_AUDIT"';
  beforeAll(() => {
    sf.start();
    sf.onQuery = (sql) => {
      if (sql.startsWith("WITH rocky_failing"))
        return {
          columns: [
            { name: "ROCKY_FAILING_ROWS", type: "fixed" },
            { name: "ID", type: "fixed" },
            { name: "AMOUNT", type: "fixed" },
          ],
          rows: failing > 0 ? [[String(failing), "1", "-5"]] : [["0", null, null]],
          statementTypeId: SF_STATEMENT_TYPE.SELECT,
        };
      if (sql.startsWith("SELECT table_type"))
        return {
          columns: [{ name: "TABLE_TYPE", type: "text" }],
          rows: [["BASE TABLE"]],
          statementTypeId: SF_STATEMENT_TYPE.SELECT,
        };
      if (sql.startsWith("SELECT column_name"))
        return {
          columns: ["COLUMN_NAME", "DATA_TYPE", "IS_NULLABLE", "P", "S", "L"].map((name) => ({
            name,
            type: "text",
          })),
          rows: [
            ["ID", "NUMBER", "YES", "38", "0", null],
            ["AMOUNT", amountType === "fixed" ? "NUMBER" : "TEXT", "YES", "38", "0", null],
          ],
          statementTypeId: SF_STATEMENT_TYPE.SELECT,
        };
      if (sql.startsWith("SELECT COUNT(*) AS ROW_COUNT"))
        return {
          columns: [
            { name: "ROW_COUNT", type: "fixed" },
            { name: "CONTENT_HASH", type: "fixed" },
          ],
          rows: [["1", "42"]],
          statementTypeId: SF_STATEMENT_TYPE.SELECT,
        };
      return {
        columns: [{ name: "status", type: "text" }],
        rows: [["ok"]],
        statementTypeId: SF_STATEMENT_TYPE.DDL,
      };
    };
  });
  afterAll(() => sf.stop());
  const toml = () =>
    `type = "snowflake"\naccount = "standin"\nuser = "alice"\npassword = "${PASSWORD}"\nwarehouse = "TRANSFORMING"\ndatabase = "ANALYTICS"\naccess_url = "${sf.url}"\nretry_delay_ms = 20\n`;
  const sent = (from: number) => sf.statements.slice(from).map((s) => s.sql);

  test("a failing test: built in the staging table, tested there, dropped; nothing writes the target", async () => {
    failing = 1;
    const from = sf.statements.length;
    const out = await run(project(toml(), TEST));
    expect(out.status).toBe("failed");
    expect(out.error).toBe(
      `test out [expression] failed: 1 failing row (not published: ${target} is left as it was)`,
    );
    const s = sent(from);
    expect(s.some((x) => x.startsWith(`CREATE OR REPLACE TABLE ${audit}`))).toBe(true);
    expect(s.some((x) => x.includes(`FROM ${audit}`) && x.startsWith("WITH rocky_failing"))).toBe(true);
    expect(s.at(-1)).toBe(`DROP TABLE IF EXISTS ${audit}`);
    expect(s.filter((x) => x.includes("SWAP WITH"))).toEqual([]);
    expect(writesTo(s, target)).toEqual([]);
  });

  test("a passing test publishes with one ALTER TABLE … SWAP WITH", async () => {
    failing = 0;
    const from = sf.statements.length;
    const out = await run(project(toml(), TEST));
    expect(out.status).toBe("success");
    expect(writesTo(sent(from), target)).toEqual([`ALTER TABLE ${audit} SWAP WITH ${target}`]);
  });

  test("a contract the staged table breaks: not published, the column named", async () => {
    amountType = "text";
    const from = sf.statements.length;
    const out = await run(
      project(
        toml(),
        '[contract]\ncolumns = [{ name = "id", type = "INTEGER" }, { name = "amount", type = "INTEGER" }]\n',
      ),
    );
    amountType = "fixed";
    expect(out.status).toBe("failed");
    expect(out.error).toBe(
      `contract of out not met: column 'amount' built as VARCHAR, the contract says INTEGER (not published: ${target} is left as it was)`,
    );
    expect(writesTo(sent(from), target)).toEqual([]);
  });
});

describe("databricks stand-in: staged write, DEEP CLONE on publish", () => {
  const TOKEN = "dapi0123456789abcdef";
  const dbx = new DatabricksStandin({ tokens: [TOKEN] });
  let failing = 0;
  const target = "`main`.`default`.`out`";
  const audit = "`main`.`default`.`out__rocky_audit`";
  beforeAll(() => {
    dbx.start();
    dbx.onQuery = (sql) => {
      if (sql.startsWith("WITH rocky_failing"))
        return {
          columns: [
            { name: "rocky_failing_rows", type: "BIGINT" },
            { name: "id", type: "INT" },
            { name: "amount", type: "INT" },
          ],
          rows: failing > 0 ? [[BigInt(failing), 1, -5]] : [[0n, null, null]],
        };
      if (sql.startsWith("DESCRIBE TABLE EXTENDED"))
        return {
          columns: [
            { name: "col_name", type: "STRING" },
            { name: "data_type", type: "STRING" },
          ],
          rows: [["Type", "MANAGED"]],
        };
      if (sql.startsWith("SELECT COUNT(*) AS row_count"))
        return {
          columns: [
            { name: "row_count", type: "BIGINT" },
            { name: "hash_sum", type: "STRING" },
            { name: "hash_xor", type: "BIGINT" },
          ],
          rows: [[1n, "7", 7n]],
        };
      return { columns: [], rows: [] };
    };
  });
  afterAll(() => dbx.stop());
  const toml = () =>
    `type = "databricks"\nhost = "http://127.0.0.1:${dbx.port}"\nhttp_path = "${dbx.path}"\ntoken = "${TOKEN}"\ncatalog = "main"\nretry_delay_ms = 20\n`;
  const sent = (from: number) => dbx.statements.slice(from).map((s) => s.sql);

  test("a failing test: built in the staging table, tested there, dropped; nothing writes the target", async () => {
    failing = 2;
    const from = dbx.statements.length;
    const out = await run(project(toml(), TEST));
    expect(out.status).toBe("failed");
    expect(out.error).toBe(
      `test out [expression] failed: 2 failing rows (not published: ${target} is left as it was)`,
    );
    const s = sent(from);
    expect(s.some((x) => x.startsWith(`CREATE OR REPLACE TABLE ${audit}`))).toBe(true);
    expect(s.at(-1)).toBe(`DROP TABLE IF EXISTS ${audit}`);
    expect(writesTo(s, target)).toEqual([]);
  });

  test("a passing test publishes with one CREATE OR REPLACE TABLE … DEEP CLONE", async () => {
    failing = 0;
    const from = dbx.statements.length;
    const out = await run(project(toml(), TEST));
    expect(out.status).toBe("success");
    expect(writesTo(sent(from), target)).toEqual([`CREATE OR REPLACE TABLE ${target} DEEP CLONE ${audit}`]);
  });
});

describe("publish SQL per warehouse (golden)", () => {
  test("databricks: the staging table starts as a SHALLOW CLONE when updating in place; published by DEEP CLONE", () => {
    const d = new DatabricksDialect({ catalog: "main" });
    const t = { catalog: "main", schema: "marts", table: "orders" };
    const w = stagedWrite(d, t, { inPlace: true, targetExists: true });
    expect(w.setup).toEqual([
      "CREATE OR REPLACE TABLE `main`.`marts`.`orders__rocky_audit` SHALLOW CLONE `main`.`marts`.`orders`",
    ]);
    expect(w.publish).toEqual([
      "CREATE OR REPLACE TABLE `main`.`marts`.`orders` DEEP CLONE `main`.`marts`.`orders__rocky_audit`",
    ]);
    expect(w.cleanup).toEqual(["DROP TABLE IF EXISTS `main`.`marts`.`orders__rocky_audit`"]);
  });

  test("bigquery: published by CREATE OR REPLACE TABLE … CLONE", () => {
    const d = new BigQueryDialect({ project: "p1", dataset: "analytics" });
    const t = { catalog: "p1", schema: "analytics", table: "orders" };
    expect(stagedWrite(d, t, { inPlace: false, targetExists: true })).toMatchObject({
      setup: ["DROP TABLE IF EXISTS `p1`.`analytics`.`orders__rocky_audit`"],
      publish: [
        "CREATE OR REPLACE TABLE `p1`.`analytics`.`orders` CLONE `p1`.`analytics`.`orders__rocky_audit`",
      ],
    });
  });
});
