/**
 * Snowflake's stand-in answers what the test installs: here a small catalog of named
 * tables (content as a label) that CLONE, SWAP WITH and DROP act on, so the statements
 * the adapter sends decide what production holds.
 */
function snowflakeCatalog(sf: SnowflakeStandin, tables: Map<string, string>) {
  const name = (q: string) => q.replaceAll('"', "").split(".").slice(-2).join(".");
  const ddl: SfAnswer = {
    columns: [{ name: "status", type: "text" }],
    rows: [["ok"]],
    statementTypeId: SF_STATEMENT_TYPE.DDL,
  };
  sf.onQuery = (sql) => {
    let m: RegExpMatchArray | null;
    if ((m = sql.match(/TABLES\nWHERE table_schema = '([^']+)' AND table_name = '([^']+)'/)))
      return {
        columns: [{ name: "TABLE_TYPE", type: "text" }],
        rows: tables.has(`${m[1]}.${m[2]}`) ? [["BASE TABLE"]] : [],
        statementTypeId: SF_STATEMENT_TYPE.SELECT,
      };
    if ((m = sql.match(/HASH_AGG\(\*\) AS CONTENT_HASH FROM (\S+)$/))) {
      const content = tables.get(name(m[1]!)) ?? "";
      return {
        columns: [
          { name: "ROW_COUNT", type: "fixed" },
          { name: "CONTENT_HASH", type: "fixed" },
        ],
        rows: [[String(content.length), String([...content].reduce((h, c) => h * 31 + c.charCodeAt(0), 7))]],
        statementTypeId: SF_STATEMENT_TYPE.SELECT,
      };
    }
    if ((m = sql.match(/^CREATE OR REPLACE TABLE (\S+) CLONE (\S+)$/)))
      tables.set(name(m[1]!), tables.get(name(m[2]!))!);
    else if ((m = sql.match(/^ALTER TABLE (\S+) SWAP WITH (\S+)$/))) {
      const [a, b] = [name(m[1]!), name(m[2]!)];
      const t = tables.get(a)!;
      tables.set(a, tables.get(b)!);
      tables.set(b, t);
    } else if ((m = sql.match(/^DROP TABLE IF EXISTS (\S+)$/))) tables.delete(name(m[1]!));
    return ddl;
  };
}

describe("promote and rollback on the Snowflake stand-in", () => {
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
      projectRoot: tempDir("rocky-sf-promote-"),
      name: "default",
    }) as SnowflakeAdapter;
    await adapter.connect();
  });
  afterAll(async () => {
    await adapter.close();
    sf.stop();
  });

  test("clone beside production and SWAP WITH; rollback swaps back; not atomic, zero-copy", async () => {
    const tables = new Map([
      ["MARTS.ORDERS", "old rows"],
      ["BRANCH__FIX__MARTS.ORDERS", "new rows!"],
    ]);
    snowflakeCatalog(sf, tables);
    const store = openState(join(tempDir("rocky-sf-promote-"), "state.sqlite"), { write: true });
    try {
      const rec = createBranch(store, { name: "fix", createdBy: "tester", models: [] });
      const prod: TableRef = { catalog: "ANALYTICS", schema: "marts", table: "orders" };
      const model = { name: "orders", strategy: { type: "full_refresh" } } as Model;
      const built: BuiltModel = {
        model,
        production: prod,
        branch: { ...prod, schema: "branch__fix__marts" },
        kind: "table",
      };
      const opts = {
        trigger: "manual" as const,
        configHash: "h",
        watermarkKey: (r: TableRef) => `${r.schema}.${r.table}`,
      };
      sf.statements.length = 0;
      const p = await promoteBranch(store, adapter, rec, [built], {
        ...opts,
        compiled: new Map(),
        models: [model],
        downstream: new Map(),
      });
      expect(p.status).toBe("success");
      expect(p.lifecycle).toEqual({
        backup: "swap",
        promote: { atomic: false, zero_copy: true },
        rollback: { atomic: false, zero_copy: true },
      });
      const sent = sf.statements.map((s) => s.sql);
      // No BEGIN: Snowflake DDL would commit it anyway.
      expect(sent.filter((s) => /^(BEGIN|COMMIT)/.test(s))).toEqual([]);
      const backup = p.backups[0]!.backup;
      expect(sent.filter((s) => /CLONE|SWAP/.test(s))).toEqual([
        `CREATE OR REPLACE TABLE ${backup} CLONE "ANALYTICS"."BRANCH__FIX__MARTS"."ORDERS"`,
        `ALTER TABLE ${backup} SWAP WITH "ANALYTICS"."MARTS"."ORDERS"`,
      ]);
      expect(tables.get("MARTS.ORDERS")).toBe("new rows!");
      expect(tables.get(backup.replaceAll('"', "").split(".").slice(-2).join("."))).toBe("old rows");

      const r = await rollbackPromote(store, adapter, p.run_id, opts);
      expect(r.status).toBe("success");
      expect(r.targets.map((t) => [t.action, t.fingerprint_match])).toEqual([["restored", true]]);
      expect(tables.get("MARTS.ORDERS")).toBe("old rows");
      expect([...tables.keys()].sort()).toEqual(["BRANCH__FIX__MARTS.ORDERS", "MARTS.ORDERS"]);
    } finally {
      store.close();
    }
  });
});

/**
 * Promote and rollback through the BigQuery adapter against its stand-in (which executes
 * the SQL): the table COPY publishes, the clone backup restores production exactly, and
 * the output says neither is atomic and only the rollback is zero-copy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import * as v from "valibot";
import { BigQueryAdapter } from "../../adapters/bigquery/adapter.ts";
import { BigQueryConfigSchema } from "../../adapters/bigquery/config.ts";
import type { TableRef } from "../../src/adapter/types.ts";
import type { BuiltModel } from "../../src/branch/built.ts";
import { createBranch } from "../../src/branch/create.ts";
import { promoteBranch } from "../../src/branch/promote.ts";
import { rollbackPromote } from "../../src/branch/rollback.ts";
import type { Model } from "../../src/project/types.ts";
import { modelRuns, statementsFor } from "../../src/state/runs.ts";
import { openState } from "../../src/state/store.ts";
import { tempDir } from "../helpers/cli.ts";
import { BigQueryStandin } from "../standins/bigquery.ts";
import snowflake from "../../adapters/snowflake/index.ts";
import type { SnowflakeAdapter } from "../../adapters/snowflake/adapter.ts";
import { SF_STATEMENT_TYPE, type SfAnswer, SnowflakeStandin } from "../standins/snowflake.ts";

describe("promote and rollback on the BigQuery stand-in", () => {
  let standin: BigQueryStandin;
  let adapter: BigQueryAdapter;
  beforeAll(async () => {
    standin = BigQueryStandin.start();
    const cols: [string, string][] = [
      ["id", "INT64"],
      ["amount", "INT64"],
    ];
    standin.seedTable("analytics", "orders", cols, [
      [1, 10],
      [2, 20],
    ]);
    standin.seedTable("branch__fix__analytics", "orders", cols, [
      [1, 11],
      [2, 22],
      [3, 33],
    ]);
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

  const rows = (dataset: string, table: string) =>
    standin.db.query(`SELECT id, amount FROM "${dataset}.${table}" ORDER BY id`).all() as {
      id: bigint;
      amount: bigint;
    }[];

  test("publish by COPY, restore from the clone, fingerprints match", async () => {
    const store = openState(join(tempDir("rocky-bq-promote-"), "state.sqlite"), { write: true });
    try {
      const rec = createBranch(store, { name: "fix", createdBy: "tester", models: [] });
      const prod: TableRef = { catalog: standin.project, schema: "analytics", table: "orders" };
      const model = { name: "orders", strategy: { type: "full_refresh" } } as Model;
      const built: BuiltModel = {
        model,
        production: prod,
        branch: { ...prod, schema: "branch__fix__analytics" },
        kind: "table",
      };
      const before = await adapter.fingerprint(prod);
      const p = await promoteBranch(store, adapter, rec, [built], {
        trigger: "manual",
        configHash: "h",
        compiled: new Map(),
        models: [model],
        downstream: new Map(),
        watermarkKey: (r) => `${r.schema}.${r.table}`,
      });
      expect(p.status).toBe("success");
      expect(p.atomic).toBe(false);
      expect(p.lifecycle).toEqual({
        backup: "clone",
        promote: { atomic: false, zero_copy: false },
        rollback: { atomic: false, zero_copy: true },
      });
      expect(rows("analytics", "orders").map((r) => Number(r.amount))).toEqual([11, 22, 33]);
      const recorded = modelRuns(store, p.run_id)[0]!;
      expect(statementsFor(store, recorded.sql_hash!)).toEqual([
        `CREATE OR REPLACE TABLE \`${standin.project}\`.\`analytics\`.\`orders\` COPY \`${standin.project}\`.\`branch__fix__analytics\`.\`orders\``,
      ]);
      expect(p.backups.map((b) => b.method)).toEqual(["clone"]);

      const r = await rollbackPromote(store, adapter, "latest", {
        trigger: "manual",
        configHash: "h",
        watermarkKey: (x) => `${x.schema}.${x.table}`,
      });
      expect(r.status).toBe("success");
      expect(r.targets.map((t) => [t.action, t.fingerprint_match])).toEqual([["restored", true]]);
      expect(rows("analytics", "orders").map((x) => Number(x.amount))).toEqual([10, 20]);
      expect(await adapter.fingerprint(prod)).toEqual(before);
      // The backup went with the restore.
      expect(
        standin.db.query("SELECT name FROM sqlite_master WHERE name LIKE '%rocky_backup%'").all(),
      ).toEqual([]);
    } finally {
      store.close();
    }
  });
});
