/**
 * The whole branch workflow on `rocky playground`: create, change a model, run it on the
 * branch, run its descendants on the branch, compare, promote, delete --drop; the DuckDB
 * catalog and production contents checked at every step.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import {
  catalog,
  duck,
  ok,
  productionFingerprint,
  schemas,
  stateRows,
  text,
  withoutBackups,
} from "./helpers.ts";

interface RunJson {
  run_id: string;
  scope: string;
  models: {
    model: string;
    target: string;
    status: string;
    reads: { model?: string; table: string; from: string }[];
  }[];
}

interface CompareJson {
  overall_verdict: string;
  results: {
    model: string;
    verdict: string;
    rows_only_in_branch: number;
    rows_only_in_production: number;
    sample_only_in_branch: Record<string, unknown>[];
    sample_only_in_production: Record<string, unknown>[];
    blast_radius: unknown[];
    columns_added: unknown[];
    columns_removed: unknown[];
    columns_retyped: unknown[];
  }[];
}

const BRANCH_SCHEMAS = ["branch__fix-price__marts", "branch__fix-price__staging"];

describe("playground: fix-price end to end", () => {
  let dir: string;
  let db: string;
  let state: string;
  let prodCatalog: string[];
  let prodPrint: Record<string, string>;
  let returnedRows: number;
  let branchRunId: string;

  beforeAll(async () => {
    const parent = tempDir("rocky-branch-pg-");
    dir = join(parent, "pg");
    ok(["playground", dir], parent);
    db = join(dir, "playground.duckdb");
    state = join(dir, ".rocky-state.db");
    ok(["run"], dir);
    prodCatalog = await catalog(db);
    prodPrint = await productionFingerprint(db);
    const r = await duck(db, `SELECT count(*) AS n FROM staging.stg_orders WHERE status = 'returned'`);
    returnedRows = Number(r[0]!.n);
  }, 60_000);

  test("1. create writes nothing to the warehouse", async () => {
    const r = ok(["branch", "create", "fix-price", "--description", "returns are not revenue"], dir);
    expectSchemas("branch", r.json(), "branch");
    expect(await catalog(db)).toEqual(prodCatalog);
    expect((await schemas(db)).filter((s) => s.startsWith("branch__"))).toEqual([]);
  }, 60_000);

  test("2. the changed model runs on the branch; its ancestors are read from production", async () => {
    const file = join(dir, "models", "staging", "stg_orders.sql");
    const before = readFileSync(file, "utf8");
    const after = before.replace("THEN -o.amount ELSE", "THEN CAST(0 AS DECIMAL(10, 2)) ELSE");
    expect(after).not.toBe(before);
    writeFileSync(file, after);

    const run = ok(["run", "--branch", "fix-price", "--model", "stg_orders"], dir).json<RunJson>();
    expect(run.scope).toBe("branch:fix-price");
    branchRunId = run.run_id;
    expect(run.models.map((m) => [m.model, m.target, m.status])).toEqual([
      ["stg_orders", '"branch__fix-price__staging"."stg_orders"', "success"],
    ]);
    expect(run.models[0]!.reads).toEqual([
      { model: "raw_orders", table: '"raw"."raw_orders"', from: "production" },
    ]);

    expect(await catalog(db)).toEqual(
      [...prodCatalog, "branch__fix-price__staging.stg_orders (table)"].sort(),
    );
    expect(await productionFingerprint(db)).toEqual(prodPrint);
    const inBranch = await duck(
      db,
      `SELECT count(*) AS n FROM "branch__fix-price__staging".stg_orders WHERE status = 'returned' AND net_amount = 0`,
    );
    expect(Number(inBranch[0]!.n)).toBe(returnedRows);
    // The run record says where it ran.
    expect(stateRows(state, `SELECT scope, status FROM runs WHERE run_id = '${run.run_id}'`)).toEqual([
      { scope: "branch:fix-price", status: "success" },
    ]);
  }, 60_000);

  test("3. descendants run on the branch read the branch copy, other inputs production", async () => {
    const run = ok(
      [
        "run",
        "--branch",
        "fix-price",
        "--model",
        "customer_revenue",
        "--model",
        "order_ranks",
        "--model",
        "region_daily",
      ],
      dir,
    ).json<RunJson>();
    const reads = Object.fromEntries(run.models.map((m) => [m.model, m.reads]));
    expect(reads.customer_revenue).toEqual(
      expect.arrayContaining([
        { model: "stg_orders", table: '"branch__fix-price__staging"."stg_orders"', from: "isolated" },
        { model: "stg_customers", table: '"staging"."stg_customers"', from: "production" },
      ]),
    );
    expect(reads.order_ranks).toEqual([
      { model: "stg_orders", table: '"branch__fix-price__staging"."stg_orders"', from: "isolated" },
    ]);
    const t = text(["branch", "show", "fix-price"], dir).stdout;
    expect(t).toContain("objects (6):");
    // The incremental model keeps its own watermark in the branch; production's is untouched.
    expect(
      stateRows(state, "SELECT table_key FROM watermarks ORDER BY table_key").map((r) => r.table_key),
    ).toEqual(["branch__fix-price__marts.region_daily", "marts.region_daily"]);
    expect(t).toContain('table      "branch__fix-price__marts".order_ranks');
    expect(await productionFingerprint(db)).toEqual(prodPrint);
    expect((await schemas(db)).filter((s) => s.startsWith("branch__"))).toEqual(BRANCH_SCHEMAS);
  }, 60_000);

  test("3b. the branch run replays exactly, without touching production or the branch", async () => {
    const before = await catalog(db);
    const r = ok(["replay", branchRunId, "--execute"], dir).json<{
      scope: string;
      models: { model_name: string; target: string; replay?: { verdict: string } }[];
    }>();
    expect(r.scope).toBe("branch:fix-price");
    expect(r.models.map((m) => [m.model_name, m.target, m.replay?.verdict])).toEqual([
      ["stg_orders", '"branch__fix-price__staging"."stg_orders"', "identical"],
    ]);
    expect(await catalog(db)).toEqual(before);
    expect(await productionFingerprint(db)).toEqual(prodPrint);
  }, 60_000);

  test("4. compare shows exactly the changed rows, per model and overall", async () => {
    const r = ok(["branch", "compare", "fix-price"], dir);
    const cmp = r.json<CompareJson>();
    expectSchemas("branch_compare", cmp, "compare");
    expect(cmp.overall_verdict).toBe("changed");
    const stg = cmp.results.find((x) => x.model === "stg_orders")!;
    expect(stg).toMatchObject({
      verdict: "changed",
      rows_only_in_branch: returnedRows,
      rows_only_in_production: returnedRows,
      columns_added: [],
      columns_removed: [],
      columns_retyped: [],
      blast_radius: [],
    });
    expect(stg.sample_only_in_branch.length).toBe(5);
    for (const row of stg.sample_only_in_branch)
      expect(row).toMatchObject({ status: "returned", net_amount: 0 });
    for (const row of stg.sample_only_in_production) {
      expect(row.status).toBe("returned");
      expect(Number(row.net_amount)).toBeLessThan(0);
    }
    expect(cmp.results.map((x) => [x.model, x.verdict]).sort()).toEqual([
      ["customer_revenue", "changed"],
      ["order_ranks", "changed"],
      ["region_daily", "changed"],
      ["stg_orders", "changed"],
    ]);

    const one = ok(["branch", "compare", "fix-price", "--model", "stg_orders"], dir).json<CompareJson>();
    expect(one.results.map((x) => x.model)).toEqual(["stg_orders"]);

    const t = text(["branch", "compare", "fix-price", "--model", "stg_orders"], dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain("branch 'fix-price' vs production: changed");
    expect(t.stdout).toContain(`only in branch (${returnedRows}, showing 5):`);
    expect(t.stdout).toMatch(/order_id=7 .*net_amount=0 .*status=returned/);

    expect(rocky(["branch", "compare", "fix-price", "--fail-on-change"], { cwd: dir }).code).toBe(1);
    // Comparing reads only: production and branch contents are as they were.
    expect(await productionFingerprint(db)).toEqual(prodPrint);
  }, 60_000);

  test("5. promote publishes the branch tables in one recorded run", async () => {
    const branchStg = await duck(
      db,
      `SELECT count(*) AS n, sum(hash(t))::VARCHAR AS h FROM "branch__fix-price__staging".stg_orders t`,
    );
    // region_daily stays out of this promote.
    const r = ok(
      [
        "branch",
        "promote",
        "fix-price",
        "--model",
        "stg_orders",
        "--model",
        "customer_revenue",
        "--model",
        "order_ranks",
      ],
      dir,
    );
    const out = r.json<{
      run_id: string;
      status: string;
      atomic: boolean;
      targets: { model: string; status: string }[];
      stale_downstream: string[];
    }>();
    expectSchemas("branch_promote", out);
    expect(out.status).toBe("success");
    expect(out.atomic).toBe(true);
    // region_daily reads stg_orders but was not rebuilt in the branch: the user is told.
    expect(out.stale_downstream).toEqual(["region_daily"]);
    expect(text(["branch", "promote", "--help"], dir).stdout).toContain("EXAMPLE");
    expect(out.targets.map((t) => [t.model, t.status])).toEqual([
      ["stg_orders", "promoted"],
      ["customer_revenue", "promoted"],
      ["order_ranks", "promoted"],
    ]);
    const prodStg = await duck(
      db,
      `SELECT count(*) AS n, sum(hash(t))::VARCHAR AS h FROM staging.stg_orders t`,
    );
    expect(prodStg).toEqual(branchStg);
    // Only the three promoted tables changed in production; nothing was added or removed
    // but the replaced tables, kept for `branch rollback`.
    const now = withoutBackups(await productionFingerprint(db));
    expect(Object.keys(now)).toEqual(Object.keys(prodPrint));
    const changed = Object.keys(now)
      .filter((k) => now[k] !== prodPrint[k])
      .sort();
    expect(changed).toEqual(["marts.customer_revenue", "marts.order_ranks", "staging.stg_orders"]);

    const runs = stateRows(
      state,
      `SELECT scope, command, status, trigger FROM runs WHERE run_id = '${out.run_id}'`,
    );
    expect(runs).toEqual([
      {
        scope: "promote:fix-price",
        command: "branch promote",
        status: "success",
        // CI=true (as in CI) makes every run a "ci" run.
        trigger: process.env.CI ? "ci" : "manual",
      },
    ]);
    const models = stateRows(
      state,
      `SELECT model_name, status, target FROM model_runs WHERE run_id = '${out.run_id}' ORDER BY seq`,
    );
    expect(models).toEqual([
      { model_name: "stg_orders", status: "success", target: '"staging"."stg_orders"' },
      { model_name: "customer_revenue", status: "success", target: '"marts"."customer_revenue"' },
      { model_name: "order_ranks", status: "success", target: '"marts"."order_ranks"' },
    ]);

    // The promote is a run like any other: replaying it rebuilds the same tables elsewhere.
    const replay = ok(["replay", out.run_id, "--execute"], dir).json<{
      scope: string;
      models: { model_name: string; replay?: { verdict: string } }[];
    }>();
    expect(replay.scope).toBe("promote:fix-price");
    expect(replay.models.map((m) => [m.model_name, m.replay?.verdict])).toEqual([
      ["stg_orders", "identical"],
      ["customer_revenue", "identical"],
      ["order_ranks", "identical"],
    ]);

    const after = ok(["branch", "compare", "fix-price"], dir).json<CompareJson>();
    expect(after.results.map((x) => [x.model, x.verdict]).sort()).toEqual([
      ["customer_revenue", "identical"],
      ["order_ranks", "identical"],
      ["region_daily", "changed"],
      ["stg_orders", "identical"],
    ]);
  }, 60_000);

  test("6. delete --drop removes every branch object and only those", async () => {
    const r = ok(["branch", "delete", "fix-price", "--drop"], dir);
    const out = r.json<{ removed: boolean; dropped: { kind: string; object: string }[]; left: unknown[] }>();
    expectSchemas("branch_delete", out, "branch_delete");
    expect(out.removed).toBe(true);
    expect(out.left).toEqual([]);
    expect(out.dropped.map((d) => d.kind).sort()).toEqual([
      "schema",
      "schema",
      "table",
      "table",
      "table",
      "table",
    ]);
    expect(withoutBackups(await catalog(db))).toEqual(prodCatalog);
    expect((await schemas(db)).filter((s) => s.startsWith("branch__"))).toEqual([]);
    expect(stateRows(state, "SELECT count(*) AS n FROM branch_objects")).toEqual([{ n: 0 }]);
    expect(stateRows(state, "SELECT table_key FROM watermarks WHERE table_key LIKE 'branch%'")).toEqual([]);
    // Re-running is harmless: the branch is gone now, which is an error that changes nothing.
    const again = rocky(["branch", "delete", "fix-price", "--drop"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toStartWith("Error: no branch named 'fix-price'\n");
    expect(withoutBackups(await catalog(db))).toEqual(prodCatalog);
  }, 60_000);
});
