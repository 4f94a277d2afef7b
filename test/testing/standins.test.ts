/**
 * Data tests through the cloud adapters against their loopback stand-ins: the golden SQL of
 * each dialect goes over the wire, and the answers decode into pass/fail, failing count and
 * sample. BigQuery's stand-in executes the SQL (SQLite); Snowflake's answers what the test
 * installs, so there the assertion is the SQL received and the decoding.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { BigQueryAdapter } from "../../adapters/bigquery/adapter.ts";
import { BigQueryConfigSchema } from "../../adapters/bigquery/config.ts";
import type { SnowflakeAdapter } from "../../adapters/snowflake/adapter.ts";
import snowflake from "../../adapters/snowflake/index.ts";
import type { TableRef } from "../../src/adapter/types.ts";
import { parseTest, type TestDef } from "../../src/testing/definitions.ts";
import { runOneTest } from "../../src/testing/run.ts";
import { testQuery } from "../../src/testing/sql.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";
import { SF_STATEMENT_TYPE, SnowflakeStandin } from "../standins/snowflake.ts";

function def(raw: Record<string, unknown>): TestDef {
  const r = parseTest(raw, "orders");
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.test;
}

describe("bigquery stand-in", () => {
  let standin: BigQueryStandin;
  let adapter: BigQueryAdapter;
  beforeAll(async () => {
    standin = BigQueryStandin.start();
    standin.seedTable(
      "analytics",
      "orders",
      [
        ["id", "INT64"],
        ["status", "STRING"],
      ],
      [
        [1, "open"],
        [2, "it's"],
        [2, null],
      ],
    );
    const config = v.parse(BigQueryConfigSchema, {
      project_id: standin.project,
      dataset: "analytics",
      access_token: standin.token,
      api_endpoint: standin.url,
      retry_initial_ms: 5,
    });
    adapter = new BigQueryAdapter(config, { projectRoot: "/tmp", name: "default" });
    await adapter.connect();
  });
  afterAll(async () => {
    await adapter.close();
    standin.stop();
  });

  const target = (): TableRef => ({ catalog: standin.project, schema: "analytics", table: "orders" });

  test("not_null fails with its count and sample; the SQL is the dialect's golden query", async () => {
    const t = def({ type: "not_null", column: "status" });
    const r = await runOneTest(adapter, { model: "orders", test: t, target: target() });
    expect(r.sql).toBe(testQuery(t, adapter.dialect, target()));
    expect(r.sql).toContain(`FROM \`${standin.project}\`.\`analytics\`.\`orders\``);
    expect(r).toMatchObject({ status: "fail", failingRows: 1, sample: [[2, null]] });
  });

  test("accepted_values with a GoogleSQL-escaped quote, and a passing unique on a filtered key", async () => {
    const av = await runOneTest(adapter, {
      model: "orders",
      test: def({ type: "accepted_values", column: "status", values: ["open", "it's"] }),
      target: target(),
    });
    expect(av.sql).toContain("NOT IN ('open', 'it\\'s')");
    expect(av).toMatchObject({ status: "pass", failingRows: 0 });
    const dup = await runOneTest(adapter, {
      model: "orders",
      test: def({ type: "unique", column: "id" }),
      target: target(),
    });
    expect(dup).toMatchObject({ status: "fail", failingRows: 1 });
    const filtered = await runOneTest(adapter, {
      model: "orders",
      test: def({ type: "unique", column: "id", where: "status IS NOT NULL" }),
      target: target(),
    });
    expect(filtered).toMatchObject({ status: "pass", failingRows: 0 });
  });
});

describe("snowflake stand-in", () => {
  const PASSWORD = "s3cret-pass-word";
  const sf = new SnowflakeStandin({ users: { ALICE: { password: PASSWORD } } });
  let adapter: SnowflakeAdapter;
  beforeAll(async () => {
    sf.start();
    const config = v.parse(snowflake.configSchema, {
      account: "standin",
      user: "alice",
      password: PASSWORD,
      warehouse: "TRANSFORMING",
      database: "ANALYTICS",
      access_url: sf.url,
      retry_delay_ms: 20,
    });
    adapter = snowflake.create(config, {
      projectRoot: mkdtempSync(join(tmpdir(), "rocky-sf-")),
      name: "default",
    }) as SnowflakeAdapter;
    await adapter.connect();
  });
  afterAll(async () => {
    await adapter.close();
    sf.stop();
  });

  test("the golden query goes over the wire; count and sample decode", async () => {
    const target: TableRef = { catalog: "ANALYTICS", schema: "marts", table: "orders" };
    const t = def({
      type: "accepted_values",
      column: "status",
      values: ["open", "o'k"],
      where: "amount > 0",
    });
    sf.onQuery = (sql) =>
      sql.startsWith("WITH rocky_failing")
        ? {
            columns: [
              { name: "ROCKY_FAILING_ROWS", type: "fixed" },
              { name: "ID", type: "fixed" },
              { name: "STATUS", type: "text" },
            ],
            rows: [
              ["7", "1", "lost"],
              ["7", "2", "gone"],
            ],
            statementTypeId: SF_STATEMENT_TYPE.SELECT,
          }
        : { columns: [{ name: "x", type: "text" }], rows: [["ok"]], statementTypeId: SF_STATEMENT_TYPE.DDL };
    const r = await runOneTest(adapter, { model: "orders", test: t, target });
    const sent = sf.statements.map((s) => s.sql).filter((s) => s.startsWith("WITH rocky_failing"));
    expect(sent).toEqual([testQuery(t, adapter.dialect, target)]);
    expect(sent[0]).toContain(`FROM "ANALYTICS"."MARTS"."ORDERS"\n  WHERE (amount > 0)`);
    expect(sent[0]).toContain(`"STATUS" NOT IN ('open', 'o''k')`);
    expect(r).toMatchObject({ status: "fail", failingRows: 7, sampleColumns: ["id", "status"] });
    expect(r.sample.length).toBe(2);
  });
});
