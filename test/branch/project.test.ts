/**
 * Branches on a three-layer project (staging view, intermediate table, two marts) over
 * external raw tables: zero-copy clones, schema changes with their column blast radius,
 * view promotion, all-or-nothing promote, leftovers and re-runnable deletes.
 */
import { describe, expect, test } from "bun:test";
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
  writeFiles,
} from "./helpers.ts";

const INT_ORDERS = `SELECT o.order_id, o.customer_id, c.country, o.amount, o.status
FROM stg_orders AS o JOIN stg_customers AS c ON c.customer_id = o.customer_id
`;

/** A fresh project with production built. */
async function threeLayers(): Promise<{ dir: string; db: string; state: string }> {
  const dir = tempDir("rocky-branch-3l-");
  writeFiles(dir, {
    "rocky.toml": `[adapter]
type = "duckdb"
path = "wh.duckdb"

[sources.raw.orders]
columns = ["order_id", "customer_id", "amount", "status"]

[sources.raw.customers]
columns = ["customer_id", "name", "country"]
`,
    "models/staging/_defaults.toml": '[target]\nschema = "staging"\n',
    "models/staging/stg_orders.sql": "SELECT order_id, customer_id, amount, status FROM raw.orders\n",
    "models/staging/stg_orders.toml": '[strategy]\ntype = "view"\n',
    "models/staging/stg_customers.sql": "SELECT customer_id, name, country FROM raw.customers\n",
    "models/intermediate/_defaults.toml": '[target]\nschema = "intermediate"\n',
    "models/intermediate/int_orders.sql": INT_ORDERS,
    "models/marts/_defaults.toml": '[target]\nschema = "marts"\n',
    "models/marts/fct_revenue.sql":
      "SELECT country, SUM(amount) AS revenue, COUNT(*) AS orders FROM int_orders WHERE status <> 'cancelled' GROUP BY country\n",
    "models/marts/fct_status.sql": "SELECT status, COUNT(*) AS orders FROM int_orders GROUP BY status\n",
  });
  const db = join(dir, "wh.duckdb");
  await duck(
    db,
    `CREATE SCHEMA raw;
     CREATE TABLE raw.orders AS SELECT i AS order_id, 1 + i % 5 AS customer_id, CAST(i * 10 AS DECIMAL(10, 2)) AS amount,
       CASE WHEN i % 4 = 0 THEN 'cancelled' ELSE 'paid' END AS status FROM range(1, 21) t(i);
     CREATE TABLE raw.customers AS SELECT i AS customer_id, 'c' || i AS name,
       CASE WHEN i % 2 = 0 THEN 'DE' ELSE 'FR' END AS country FROM range(1, 6) t(i);`,
  );
  ok(["run"], dir);
  return { dir, db, state: join(dir, ".rocky-state.db") };
}

const PROD = [
  "intermediate.int_orders (table)",
  "marts.fct_revenue (table)",
  "marts.fct_status (table)",
  "raw.customers (table)",
  "raw.orders (table)",
  "staging.stg_customers (table)",
  "staging.stg_orders (view)",
];

describe("three-layer project", () => {
  test("feat_new_join: --clone, a schema change, its blast radius, a view promoted, delete --drop", async () => {
    const { dir, db } = await threeLayers();
    expect(await catalog(db)).toEqual(PROD);
    const print = await productionFingerprint(db);

    // Zero-copy start: one view per model over production, nothing copied.
    const created = ok(["branch", "create", "feat_new_join", "--clone"], dir).json<{
      objects: { kind: string }[];
    }>();
    expectSchemas("branch", created, "branch");
    expect(created.objects.map((o) => o.kind)).toEqual(Array(5).fill("clone_view"));
    const p = "branch__feat_new_join";
    expect(await catalog(db)).toEqual(
      [
        ...PROD,
        `${p}__intermediate.int_orders (view)`,
        `${p}__marts.fct_revenue (view)`,
        `${p}__marts.fct_status (view)`,
        `${p}__staging.stg_customers (view)`,
        `${p}__staging.stg_orders (view)`,
      ].sort(),
    );
    expect(await duck(db, `SELECT count(*) AS n FROM "${p}__marts".fct_revenue`)).toEqual([{ n: 2 }]);

    // The change: drop `status`, retype `amount`. Only int_orders runs on the branch.
    writeFiles(dir, {
      "models/intermediate/int_orders.sql": `SELECT o.order_id, o.customer_id, c.country, CAST(o.amount AS DOUBLE) AS amount
FROM stg_orders AS o JOIN stg_customers AS c ON c.customer_id = o.customer_id
`,
    });
    const run = ok(["run", "--branch", "feat_new_join", "--model", "int_orders"], dir).json<{
      models: { reads: { model?: string; from: string; table: string; clone?: string }[] }[];
    }>();
    // Unchanged upstreams resolve to the branch's zero-copy clones.
    expect(run.models[0]!.reads).toEqual([
      { model: "stg_orders", table: `"${p}__staging"."stg_orders"`, from: "isolated", clone: "view" },
      { model: "stg_customers", table: `"${p}__staging"."stg_customers"`, from: "isolated", clone: "view" },
    ]);
    expect(await catalog(db)).toContain(`${p}__intermediate.int_orders (table)`);
    expect(await productionFingerprint(db)).toEqual(print);

    const cmp = ok(["branch", "compare", "feat_new_join"], dir).json<{
      overall_verdict: string;
      results: Record<string, unknown>[];
    }>();
    expectSchemas("branch_compare", cmp, "compare");
    expect(cmp.overall_verdict).toBe("schema_changed");
    // Clones are not "built": only int_orders is compared.
    expect(cmp.results.length).toBe(1);
    expect(cmp.results[0]).toMatchObject({
      model: "int_orders",
      verdict: "schema_changed",
      columns_added: [],
      columns_removed: [{ name: "status", type: "VARCHAR" }],
      columns_retyped: [{ name: "amount", production_type: "DECIMAL(10,2)", branch_type: "DOUBLE" }],
      rows_only_in_branch: 0,
      rows_only_in_production: 0,
      // Value and indirect (SPEC §15): fct_status groups by status, fct_revenue filters on it.
      blast_radius: [
        {
          column: "status",
          change: "removed",
          downstream: [
            { model: "fct_status", column: "status", kind: "value" },
            { model: "fct_revenue", column: "country", kind: "indirect" },
            { model: "fct_revenue", column: "revenue", kind: "indirect" },
            { model: "fct_revenue", column: "orders", kind: "indirect" },
            { model: "fct_status", column: "orders", kind: "indirect" },
          ],
        },
        {
          column: "amount",
          change: "retyped",
          downstream: [{ model: "fct_revenue", column: "revenue", kind: "value" }],
        },
      ],
    });
    const t = text(["branch", "compare", "feat_new_join"], dir).stdout;
    expect(t).toContain(
      "removed int_orders.status is read by: fct_status.status, fct_revenue.country (indirect), fct_revenue.revenue (indirect), fct_revenue.orders (indirect), fct_status.orders (indirect)",
    );
    expect(t).toContain("retyped int_orders.amount is read by: fct_revenue.revenue");

    // A view model changed on the branch is promoted as a view reading production.
    writeFiles(dir, {
      "models/staging/stg_orders.sql":
        "SELECT order_id, customer_id, amount, status FROM raw.orders WHERE order_id <= 10\n",
      "models/intermediate/int_orders.sql": INT_ORDERS,
    });
    ok(["run", "--branch", "feat_new_join", "--model", "stg_orders", "--model", "int_orders"], dir);
    const prom = ok(["branch", "promote", "feat_new_join"], dir).json<{
      targets: { model: string; kind: string }[];
    }>();
    expect(prom.targets.map((x) => [x.model, x.kind])).toEqual([
      ["stg_orders", "view"],
      ["int_orders", "table"],
    ]);
    const views = await duck(
      db,
      `SELECT sql FROM duckdb_views() WHERE schema_name = 'staging' AND view_name = 'stg_orders'`,
    );
    expect(String(views[0]!.sql)).toContain("order_id <= 10");
    expect(String(views[0]!.sql)).not.toContain("branch__");
    expect(await duck(db, "SELECT count(*) AS n FROM intermediate.int_orders")).toEqual([{ n: 10 }]);

    const del = ok(["branch", "delete", "feat_new_join", "--drop"], dir).json<{
      dropped: unknown[];
      left: unknown[];
    }>();
    expect(del.left).toEqual([]);
    // 5 clones/tables (two replaced clones now tables) + 3 schemas.
    expect(del.dropped.length).toBe(8);
    // Production as before, plus the tables the promote replaced, kept for rollback.
    expect(withoutBackups(await catalog(db))).toEqual(PROD);
    // Production still works without the branch: the promoted view reads production.
    expect(await duck(db, "SELECT count(*) AS n FROM staging.stg_orders")).toEqual([{ n: 10 }]);
  }, 60_000);

  test("promote is all or nothing: a failure in the middle leaves production unchanged", async () => {
    const { dir, db, state } = await threeLayers();
    ok(["branch", "create", "hotfix.2026-04-20"], dir);
    writeFiles(dir, {
      "models/marts/fct_status.sql":
        "SELECT status, COUNT(*) AS orders, SUM(amount) AS amount FROM int_orders GROUP BY status\n",
    });
    ok(["run", "--branch", "hotfix.2026-04-20", "--model", "int_orders", "--model", "fct_status"], dir);
    const before = await productionFingerprint(db);
    // Someone drops the second table from the branch: the promote fails after the first.
    await duck(db, `DROP TABLE "branch__hotfix.2026-04-20__marts".fct_status`);
    const beforeCatalog = await catalog(db);

    const r = rocky(["branch", "promote", "hotfix.2026-04-20", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const out = r.json<{
      status: string;
      run_id: string;
      error: string;
      targets: { model: string; status: string }[];
    }>();
    expectSchemas("branch_promote", out);
    expect(out.status).toBe("failure");
    expect(out.targets.map((t) => [t.model, t.status])).toEqual([
      ["int_orders", "rolled_back"],
      ["fct_status", "failed"],
    ]);
    expect(out.error).toContain("production is unchanged (rolled back)");
    expect(await productionFingerprint(db)).toEqual(before);
    expect(await catalog(db)).toEqual(beforeCatalog);
    expect(stateRows(state, `SELECT scope, status FROM runs WHERE run_id = '${out.run_id}'`)).toEqual([
      { scope: "promote:hotfix.2026-04-20", status: "failure" },
    ]);

    // --model promotes just one model once the other is fixed.
    const one = ok(["branch", "promote", "hotfix.2026-04-20", "--model", "int_orders"], dir).json<{
      targets: unknown[];
    }>();
    expect(one.targets.length).toBe(1);
  }, 60_000);

  test("run --branch refuses unknown branches and conflicting flags", async () => {
    const { dir, db, state } = await threeLayers();
    const before = await catalog(db);
    const unknown = rocky(["run", "--branch", "nope"], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Error: branch 'nope' not found");
    expect(unknown.stderr).toContain("hint: rocky branch create nope");
    for (const flags of [["--shadow"], ["--shadow-schema", "s"]]) {
      const r = rocky(["run", "--branch", "x", ...flags], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--branch cannot be used with ${flags[0]}`);
    }
    // A branch run that does not compile is recorded under the branch's scope, not production's.
    ok(["branch", "create", "x"], dir);
    writeFiles(dir, { "models/marts/broken.sql": "SELECT FROM WHERE\n" });
    expect(rocky(["run", "--branch", "x"], { cwd: dir }).code).toBe(1);
    expect(stateRows(state, "SELECT scope, status FROM runs ORDER BY started_at DESC LIMIT 1")).toEqual([
      { scope: "branch:x", status: "failure" },
    ]);
    expect(await catalog(db)).toEqual(before);
  }, 60_000);

  test("delete without --drop says what is left; a failed --drop can be re-run", async () => {
    const { dir, db } = await threeLayers();
    ok(["branch", "create", "fix-price"], dir);
    ok(["run", "--branch", "fix-price", "--model", "int_orders"], dir);
    const kept = ok(["branch", "delete", "fix-price"], dir).json<{
      removed: boolean;
      left: { object: string }[];
    }>();
    expect(kept.removed).toBe(true);
    expect(kept.left.map((o) => o.object)).toEqual([
      '"branch__fix-price__intermediate".int_orders',
      '"branch__fix-price__intermediate"',
    ]);
    expect(text(["branch", "delete", "fix-price"], dir).stdout).toContain(
      "run 'rocky branch delete fix-price --drop' to drop them",
    );
    expect(await catalog(db)).toContain("branch__fix-price__intermediate.int_orders (table)");
    // Nothing is forgotten: the list points at what the deleted branch left behind.
    expect(ok(["branch", "list"], dir).json()).toMatchObject({
      total: 0,
      leftovers: [{ name: "fix-price", objects: 2 }],
    });
    expect(text(["branch", "list"], dir).stdout).toContain(
      "left in the warehouse by deleted branch 'fix-price': 2 objects (rocky branch delete fix-price --drop)",
    );

    // Someone put a table of their own in the branch schema: the schema is not dropped with it.
    await duck(db, `CREATE TABLE "branch__fix-price__intermediate".mine AS SELECT 1 AS x`);
    const failed = rocky(["branch", "delete", "fix-price", "--drop", "-o", "json"], { cwd: dir });
    expect(failed.code).toBe(1);
    const f = failed.json<{
      dropped: { object: string }[];
      left: { object: string }[];
      errors: { error: string }[];
    }>();
    expect(f.dropped.map((o) => o.object)).toEqual(['"branch__fix-price__intermediate".int_orders']);
    expect(f.left.map((o) => o.object)).toEqual(['"branch__fix-price__intermediate"']);
    expect(f.errors[0]!.error).toContain("'mine'");
    expect(await catalog(db)).toContain("branch__fix-price__intermediate.mine (table)");

    await duck(db, `DROP TABLE "branch__fix-price__intermediate".mine`);
    const done = ok(["branch", "delete", "fix-price", "--drop"], dir).json<{
      dropped: unknown[];
      left: unknown[];
    }>();
    expect(done.dropped.length).toBe(1);
    expect(done.left).toEqual([]);
    expect((await schemas(db)).filter((s) => s.startsWith("branch__"))).toEqual([]);
  }, 60_000);
});

describe("every accepted name works end to end", () => {
  test.each(["fix-price", "feat_new_join", "hotfix.2026-04-20"])(
    "%s: create, run, compare, promote, delete --drop",
    async (name) => {
      const { dir, db, state } = await threeLayers();
      const print = await productionFingerprint(db);
      ok(["branch", "create", name], dir);
      expect(await catalog(db)).toEqual(PROD);
      writeFiles(dir, {
        "models/marts/fct_revenue.sql":
          "SELECT country, SUM(amount) AS revenue, COUNT(*) AS orders FROM int_orders GROUP BY country\n",
      });
      const run = ok(["run", "--branch", name, "--model", "fct_revenue"], dir).json<{ scope: string }>();
      expect(run.scope).toBe(`branch:${name}`);
      expect(await catalog(db)).toEqual([...PROD, `branch__${name}__marts.fct_revenue (table)`].sort());
      expect(await productionFingerprint(db)).toEqual(print);

      const cmp = ok(["branch", "compare", name], dir).json<{ results: Record<string, unknown>[] }>();
      // Cancelled orders now count: both countries' rows differ, nothing else.
      expect(cmp.results).toEqual([
        expect.objectContaining({
          model: "fct_revenue",
          verdict: "changed",
          rows_only_in_branch: 2,
          rows_only_in_production: 2,
        }),
      ]);
      ok(["branch", "promote", name], dir);
      expect(await duck(db, "SELECT sum(orders) AS n FROM marts.fct_revenue")).toEqual([{ n: 20 }]);
      ok(["branch", "delete", name, "--drop"], dir);
      expect(withoutBackups(await catalog(db))).toEqual(PROD);
      expect(stateRows(state, "SELECT scope FROM runs ORDER BY started_at")).toEqual([
        { scope: "production" },
        { scope: `branch:${name}` },
        { scope: `promote:${name}` },
      ]);
    },
    60_000,
  );

  test("two models with one target are refused at promote, naming both", async () => {
    const { dir, db } = await threeLayers();
    writeFiles(dir, {
      "models/marts/fct_copy.sql": "SELECT 1 AS x\n",
      "models/marts/fct_copy.toml": '[target]\ntable = "fct_status"\n',
    });
    ok(["branch", "create", "dup"], dir);
    rocky(["run", "--branch", "dup", "--model", "fct_copy"], { cwd: dir });
    const before = await productionFingerprint(db);
    const r = rocky(["branch", "promote", "dup"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: models 'fct_copy' and 'fct_status' both promote to marts.fct_status");
    expect(await productionFingerprint(db)).toEqual(before);
  }, 60_000);
});

describe("a model new in the branch", () => {
  test("compares as missing in production and is created by promote", async () => {
    const { dir, db } = await threeLayers();
    ok(["branch", "create", "feat_new_join"], dir);
    writeFiles(dir, {
      "models/marts/fct_customers.sql":
        "SELECT c.customer_id, c.name, count(o.order_id) AS orders FROM stg_customers AS c LEFT JOIN int_orders AS o ON o.customer_id = c.customer_id GROUP BY ALL\n",
    });
    ok(["run", "--branch", "feat_new_join", "--model", "fct_customers"], dir);
    const cmp = ok(["branch", "compare", "feat_new_join"], dir).json<{
      overall_verdict: string;
      results: Record<string, unknown>[];
    }>();
    expect(cmp.overall_verdict).toBe("schema_changed");
    expect(cmp.results).toEqual([
      expect.objectContaining({
        model: "fct_customers",
        verdict: "missing_in_production",
        shadow_count: 5,
        production_count: 0,
        rows_only_in_branch: 5,
      }),
    ]);
    expect(await catalog(db)).not.toContain("marts.fct_customers (table)");
    ok(["branch", "promote", "feat_new_join"], dir);
    expect(await catalog(db)).toContain("marts.fct_customers (table)");
    expect(await duck(db, "SELECT sum(orders) AS n FROM marts.fct_customers")).toEqual([{ n: 20 }]);
  }, 60_000);
});

describe("--clone through the adapter interface", () => {
  test("an adapter with a native cloneTable clones tables with it; views stay views", async () => {
    const { dir, db } = await threeLayers();
    const duckdb = join(import.meta.dir, "..", "..", "adapters", "duckdb", "index.ts");
    writeFiles(dir, {
      "rocky.toml":
        '[adapter]\ntype = "clonedb"\npath = "wh.duckdb"\n\n[sources.raw.orders]\ncolumns = ["order_id", "customer_id", "amount", "status"]\n\n[sources.raw.customers]\ncolumns = ["customer_id", "name", "country"]\n',
      // DuckDB claiming a native clone (here a copy, recorded in a log table) to exercise the path.
      "adapters/clonedb.ts": `import duck from ${JSON.stringify(duckdb)};
export default {
  ...duck,
  type: "clonedb",
  create(config: never, ctx: never) {
    const a = duck.create(config, ctx);
    const caps = { ...a.capabilities, clone: true };
    const cloneTable = async (src: never, tgt: never) => {
      await a.execute("CREATE TABLE IF NOT EXISTS main.clone_log (t VARCHAR)");
      await a.execute("INSERT INTO main.clone_log VALUES ('" + a.dialect.qualify(tgt).replaceAll("'", "''") + "')");
      await a.execute("CREATE TABLE " + a.dialect.qualify(tgt) + " AS SELECT * FROM " + a.dialect.qualify(src));
    };
    return new Proxy(a, {
      get(t, p) {
        if (p === "capabilities") return caps;
        if (p === "cloneTable") return cloneTable;
        if (p === "type") return "clonedb";
        const v = Reflect.get(t, p, t);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
  },
};
`,
    });
    const out = ok(["branch", "create", "hotfix.2026-04-20", "--clone"], dir).json<{
      objects: { kind: string; object: string }[];
    }>();
    const p = "branch__hotfix.2026-04-20";
    expect(out.objects.map((o) => [o.kind, o.object])).toEqual([
      ["clone_table", `"${p}__marts".fct_revenue`],
      ["clone_table", `"${p}__marts".fct_status`],
      ["clone_table", `"${p}__intermediate".int_orders`],
      ["clone_table", `"${p}__staging".stg_customers`],
      ["clone_view", `"${p}__staging".stg_orders`],
    ]);
    expect((await duck(db, "SELECT t FROM main.clone_log ORDER BY t")).map((r) => r.t)).toEqual([
      `"${p}__intermediate"."int_orders"`,
      `"${p}__marts"."fct_revenue"`,
      `"${p}__marts"."fct_status"`,
      `"${p}__staging"."stg_customers"`,
    ]);
    expect(await catalog(db)).toContain(`${p}__staging.stg_orders (view)`);
    ok(["branch", "delete", "hotfix.2026-04-20", "--drop"], dir);
    expect(await catalog(db)).toEqual([...PROD, "main.clone_log (table)"].sort());
  }, 60_000);
});
