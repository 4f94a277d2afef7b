/**
 * Write-audit-publish where DDL commits (clouds): the model is built into a staging table
 * beside its target, tested there and published only when its tests pass. Driven through
 * the real BigQuery adapter against its stand-in (which executes the SQL), in process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { runProject } from "../../src/run/run.ts";
import { stagedWrite } from "../../src/testing/wap.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import { tempDir } from "../helpers/cli.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";

let standin: BigQueryStandin;
beforeAll(() => {
  standin = BigQueryStandin.start();
});
afterAll(() => standin.stop());

function project(strategy: string): string {
  const dir = tempDir("rocky-wap-bq-");
  writeFileSync(
    join(dir, "rocky.toml"),
    `[project]\nname = "t"\n\n[adapter]\ntype = "bigquery"\nproject_id = "${standin.project}"\ndataset = "analytics"\naccess_token = "${standin.token}"\napi_endpoint = "${standin.url}"\nretry_initial_ms = 5\n`,
  );
  mkdirSync(join(dir, "models"));
  writeFileSync(join(dir, "models/out.sql"), "SELECT id, amount FROM events\n");
  writeFileSync(
    join(dir, "models/out.toml"),
    `${strategy}\n[[tests]]\ntype = "expression"\nexpression = "amount >= 0"\n`,
  );
  writeFileSync(join(dir, "models/after.sql"), "SELECT count(*) AS n FROM out\n");
  return dir;
}

const contents = () =>
  (
    standin.db.query('SELECT id, amount FROM "analytics.out" ORDER BY id').all() as {
      id: bigint;
      amount: bigint;
    }[]
  ).map((r) => [Number(r.id), Number(r.amount)]);
const tablesNow = () =>
  (
    standin.db
      .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'analytics.%' ORDER BY name")
      .all() as {
      name: string;
    }[]
  ).map((r) => r.name);

async function run(dir: string) {
  return runProject({ config: await loadConfig(join(dir, "rocky.toml")), trigger: "manual" });
}

describe("staged write-audit-publish on BigQuery (stand-in)", () => {
  for (const [name, strategy] of [
    ["full_refresh", ""],
    ["merge", '[strategy]\ntype = "merge"\nunique_key = ["id"]\n'],
  ] as const) {
    test(`${name}: a failing test leaves the target as it was and drops the staging table`, async () => {
      standin.db.run('DROP TABLE IF EXISTS "analytics.out"');
      standin.db.run('DROP TABLE IF EXISTS "analytics.after"');
      const dir = project(strategy);
      const events = (sql: string) => writeFileSync(join(dir, "models/events.sql"), `${sql}\n`);
      events("SELECT 1 AS id, 10 AS amount UNION ALL SELECT 2, 20");
      const first = await run(dir);
      expect(first.status).toBe("success");
      expect(contents()).toEqual([
        [1, 10],
        [2, 20],
      ]);
      events("SELECT 1 AS id, -10 AS amount UNION ALL SELECT 2, 20 UNION ALL SELECT 3, 30");
      const bad = await run(dir);
      const out = bad.models.find((m) => m.name === "out")!;
      expect(out.status).toBe("failed");
      expect(out.error).toContain("test out [expression] failed: 1 failing row (not published:");
      expect(bad.models.find((m) => m.name === "after")!.status).toBe("skipped");
      expect(contents()).toEqual([
        [1, 10],
        [2, 20],
      ]);
      expect(tablesNow()).not.toContain("analytics.out__rocky_audit");
      events("SELECT 1 AS id, 11 AS amount UNION ALL SELECT 2, 20 UNION ALL SELECT 3, 30");
      const good = await run(dir);
      expect(good.status).toBe("success");
      expect(contents()).toEqual([
        [1, 11],
        [2, 20],
        [3, 30],
      ]);
      expect(tablesNow()).not.toContain("analytics.out__rocky_audit");
      const stmts = good.models.find((m) => m.name === "out")!.statements!;
      if (name === "merge") {
        // In place: the staging table starts as a copy of the target and is merged into.
        expect(stmts[0]).toBe(
          `CREATE OR REPLACE TABLE \`${standin.project}\`.\`analytics\`.\`out__rocky_audit\` CLONE \`${standin.project}\`.\`analytics\`.\`out\``,
        );
        expect(stmts.some((x) => x.startsWith("MERGE INTO"))).toBe(true);
      }
      expect(stmts.at(-2)).toBe(
        `CREATE OR REPLACE TABLE \`${standin.project}\`.\`analytics\`.\`out\` CLONE \`${standin.project}\`.\`analytics\`.\`out__rocky_audit\``,
      );
    });
  }
});

describe("staged publish per warehouse", () => {
  test("snowflake swaps an existing table and renames a first build", () => {
    const d = new SnowflakeDialect({ database: "ANALYTICS" });
    const t = { catalog: "ANALYTICS", schema: "marts", table: "orders" };
    const w = stagedWrite(d, t, { inPlace: true, targetExists: true });
    expect(w.setup).toEqual([
      'CREATE OR REPLACE TABLE "ANALYTICS"."MARTS"."ORDERS__ROCKY_AUDIT" CLONE "ANALYTICS"."MARTS"."ORDERS"',
    ]);
    expect(w.publish).toEqual([
      'ALTER TABLE "ANALYTICS"."MARTS"."ORDERS__ROCKY_AUDIT" SWAP WITH "ANALYTICS"."MARTS"."ORDERS"',
    ]);
    expect(stagedWrite(d, t, { inPlace: false, targetExists: false }).publish).toEqual([
      'ALTER TABLE "ANALYTICS"."MARTS"."ORDERS__ROCKY_AUDIT" RENAME TO "ANALYTICS"."MARTS"."ORDERS"',
    ]);
  });
});
