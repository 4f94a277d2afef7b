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
