/**
 * `rocky seed` on Snowflake, BigQuery and Databricks through the real SDKs and the loopback
 * stand-ins (test/standins/). The CSV is read here by DuckDB; what goes over the wire is a
 * staging table, the rows in INSERT batches, one statement publishing it over the seed and
 * a drop of the staging table. The BigQuery stand-in executes (SQLite), so its table is read
 * back; the other two answer canned, so their received statements are asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rockyAsync, tempDir } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";
import { DatabricksStandin } from "../standins/databricks.ts";
import { SF_STATEMENT_TYPE, SnowflakeStandin } from "../standins/snowflake.ts";

const SF_PASSWORD = "s3cret-pass-word";
const DBX_TOKEN = "dapi0123456789abcdef";
const sf = new SnowflakeStandin({ users: { ALICE: { password: SF_PASSWORD } } });
const dbx = new DatabricksStandin({ tokens: [DBX_TOKEN] });
let bq: BigQueryStandin;
beforeAll(async () => {
  await sf.start();
  await dbx.start();
  bq = BigQueryStandin.start();
});
afterAll(() => {
  sf.stop();
  dbx.stop();
  bq.stop();
});

const CSV = 'id,note,rate\n1,"it\'s a \\ path",0.50\n2,,12.25\n3,plain,7\n';

const seed = (dir: string) =>
  rockyAsync(["seed", "-o", "json"], { cwd: dir, env: { SF_PASSWORD, DBX_TOKEN } });

function project(adapter: string): string {
  const dir = tempDir("rocky-seed-cloud-");
  writeFileSync(join(dir, "rocky.toml"), `[project]\nname = "t"\n\n[adapter]\n${adapter}\n`);
  mkdirSync(join(dir, "seeds"));
  writeFileSync(join(dir, "seeds", "rates.csv"), CSV);
  writeFileSync(
    join(dir, "seeds", "rates.toml"),
    '[columns]\nid = "INTEGER"\nnote = "VARCHAR"\nrate = "DECIMAL(6,2)"\n',
  );
  return dir;
}

interface SeedJson {
  seeds: { table: string; rows: number; columns: { name: string; type: string }[] }[];
}

describe("rocky seed on cloud warehouses", () => {
  test("BigQuery: the seed table holds the CSV's rows; staging is gone", async () => {
    bq.datasets.set("analytics", { location: bq.location });
    const dir = project(
      `type = "bigquery"\nproject_id = "${bq.project}"\ndataset = "analytics"\naccess_token = "${bq.token}"\napi_endpoint = "${bq.url}"\nretry_initial_ms = 5`,
    );
    const n = bq.jobs.size;
    const r = await seed(dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as SeedJson;
    expectOurSchema("seed", out);
    expect(out.seeds).toMatchObject([
      {
        table: `\`${bq.project}\`.\`analytics\`.\`rates\``,
        rows: 3,
        columns: [
          { name: "id", type: "INT64" },
          { name: "note", type: "STRING" },
          { name: "rate", type: "NUMERIC(6, 2)" },
        ],
      },
    ]);
    const P = `\`${bq.project}\`.\`analytics\``;
    const sent = [...bq.jobs.values()].slice(n).map((j) => j.query);
    expect(sent.filter((q) => q.includes("rates"))).toEqual([
      `CREATE OR REPLACE TABLE ${P}.\`rates__rocky_seed\` AS SELECT CAST(NULL AS INT64) AS \`id\`, CAST(NULL AS STRING) AS \`note\`, CAST(NULL AS NUMERIC(6, 2)) AS \`rate\` LIMIT 0`,
      `INSERT INTO ${P}.\`rates__rocky_seed\` (\`id\`, \`note\`, \`rate\`) VALUES\n(1, 'it\\'s a \\\\ path', CAST('0.50' AS NUMERIC(6, 2))),\n(2, NULL, CAST('12.25' AS NUMERIC(6, 2))),\n(3, 'plain', CAST('7.00' AS NUMERIC(6, 2)))`,
      `CREATE OR REPLACE TABLE ${P}.\`rates\` COPY ${P}.\`rates__rocky_seed\``,
      `DROP TABLE IF EXISTS ${P}.\`rates__rocky_seed\``,
    ]);
    const rows = bq.db.query('SELECT id, note FROM "analytics.rates" ORDER BY id').values();
    expect(rows.map((r) => [Number(r[0]), r[1]])).toEqual([
      [1, "it's a \\ path"],
      [2, null],
      [3, "plain"],
    ]);
    expect(bq.db.query("SELECT name FROM sqlite_master WHERE name LIKE '%rocky_seed%'").all()).toEqual([]);
  }, 60_000);

  test("Snowflake: staging, batched INSERT, publish, drop; a refused INSERT leaves the seed untouched", async () => {
    const dir = project(
      `type = "snowflake"\naccount = "standin"\nuser = "alice"\npassword = "\${SF_PASSWORD}"\nwarehouse = "WH"\ndatabase = "ANALYTICS"\nschema = "SEEDS"\naccess_url = "${sf.url}"\nretry_delay_ms = 20`,
    );
    const ddl = {
      columns: [{ name: "status", type: "text" }],
      rows: [["ok"]],
      statementTypeId: SF_STATEMENT_TYPE.DDL,
    };
    sf.onQuery = () => ddl;
    let n = sf.statements.length;
    const r = await seed(dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as SeedJson;
    expectOurSchema("seed", out);
    expect(out.seeds[0]).toMatchObject({ table: '"ANALYTICS"."SEEDS"."RATES"', rows: 3 });
    const S = '"ANALYTICS"."SEEDS"';
    const seedSql = () =>
      sf.statements
        .slice(n)
        .map((s) => s.sql)
        .filter((q) => q.includes("RATES"));
    expect(seedSql()).toEqual([
      `CREATE OR REPLACE TABLE ${S}."RATES__ROCKY_SEED" AS SELECT CAST(NULL AS NUMBER(38,0)) AS "ID", CAST(NULL AS VARCHAR) AS "NOTE", CAST(NULL AS NUMBER(6,2)) AS "RATE" LIMIT 0`,
      `INSERT INTO ${S}."RATES__ROCKY_SEED" ("ID", "NOTE", "RATE") VALUES\n(1, 'it''s a \\\\ path', CAST('0.50' AS NUMBER(6,2))),\n(2, NULL, CAST('12.25' AS NUMBER(6,2))),\n(3, 'plain', CAST('7.00' AS NUMBER(6,2)))`,
      `CREATE OR REPLACE TABLE ${S}."RATES" AS SELECT * FROM ${S}."RATES__ROCKY_SEED"`,
      `DROP TABLE IF EXISTS ${S}."RATES__ROCKY_SEED"`,
    ]);

    // The warehouse refuses the rows: the seed table is never replaced, staging is dropped.
    sf.onQuery = (sql) =>
      sql.startsWith("INSERT")
        ? { error: { message: "Numeric value 'x' is not recognized", code: "100038", sqlState: "22018" } }
        : ddl;
    n = sf.statements.length;
    const bad = await seed(dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("seed seeds/rates.csv: the snowflake warehouse refused it:");
    expect(bad.stderr).toContain(`hint: ${S}."RATES" is left as it was`);
    const sent = seedSql();
    expect(sent.map((q) => q.split(" ").slice(0, 2).join(" "))).toEqual([
      "CREATE OR",
      "INSERT INTO",
      "DROP TABLE",
    ]);
    expect(sent.some((q) => q.startsWith(`CREATE OR REPLACE TABLE ${S}."RATES" `))).toBe(false);
  }, 60_000);

  test("Databricks: staging, INSERT, DEEP CLONE over the seed, drop; a bad value is caught before any SQL", async () => {
    const dir = project(
      `type = "databricks"\nhost = "http://127.0.0.1:${dbx.port}"\nhttp_path = "${dbx.path}"\ntoken = "\${DBX_TOKEN}"\ncatalog = "main"\nschema = "seeds"\nretry_delay_ms = 20`,
    );
    dbx.onQuery = () => ({ columns: [], rows: [] });
    const n = dbx.statements.length;
    const r = await seed(dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expectOurSchema("seed", JSON.parse(r.stdout));
    const S = "`main`.`seeds`";
    expect(
      dbx.statements
        .slice(n)
        .map((s) => s.sql)
        .filter((q) => q.includes("rates")),
    ).toEqual([
      `CREATE OR REPLACE TABLE ${S}.\`rates__rocky_seed\` AS SELECT CAST(NULL AS BIGINT) AS \`id\`, CAST(NULL AS STRING) AS \`note\`, CAST(NULL AS DECIMAL(6,2)) AS \`rate\` LIMIT 0`,
      `INSERT INTO ${S}.\`rates__rocky_seed\` (\`id\`, \`note\`, \`rate\`) VALUES\n(1, 'it\\'s a \\\\ path', CAST('0.50' AS DECIMAL(6,2))),\n(2, NULL, CAST('12.25' AS DECIMAL(6,2))),\n(3, 'plain', CAST('7.00' AS DECIMAL(6,2)))`,
      `CREATE OR REPLACE TABLE ${S}.\`rates\` DEEP CLONE ${S}.\`rates__rocky_seed\``,
      `DROP TABLE IF EXISTS ${S}.\`rates__rocky_seed\``,
    ]);

    // A value not of its declared type is caught while reading here: nothing reaches the warehouse.
    writeFileSync(join(dir, "seeds", "rates.csv"), "id,note,rate\n1,a,0.5\n2,b,lots\n");
    const m = dbx.statements.length;
    const bad = await seed(dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("seed seeds/rates.csv:3:");
    expect(dbx.statements.slice(m).filter((q) => q.sql.includes("rates"))).toEqual([]);
  }, 60_000);
});
