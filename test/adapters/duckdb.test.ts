/** The DuckDB adapter against a real database: contract methods, dialect SQL, fingerprints, transactions. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import plugin from "../../adapters/duckdb/index.ts";
import { checkAdapterInstance, checkPlugin } from "../../src/adapter/loader.ts";
import type { Adapter } from "../../src/adapter/types.ts";
import { REPO, tempDir } from "../helpers/cli.ts";

const d = plugin.dialect;
let a: Adapter;

beforeAll(async () => {
  a = plugin.create(
    { path: "w.duckdb", threads: 2, fingerprints: true },
    { projectRoot: tempDir(), name: "default" },
  );
  await a.connect();
});
afterAll(async () => {
  await a.close();
});

describe("duckdb dialect", () => {
  test("always quotes, escaping embedded quotes", () => {
    expect(d.quoteIdent('we"ird name')).toBe('"we""ird name"');
    expect(d.qualify({ schema: "branch__fix-price", table: "orders" })).toBe('"branch__fix-price"."orders"');
    expect(d.qualify({ catalog: "db", schema: "s", table: "t" })).toBe('"db"."s"."t"');
  });

  test("the plugin passes the loader's checks", () => {
    expect(() => checkPlugin(plugin, "duckdb")).not.toThrow();
    expect(() => checkAdapterInstance(a, "duckdb")).not.toThrow();
  });

  test("invalid config is rejected by its schema", async () => {
    const { safeParse } = await import("valibot");
    expect(safeParse(plugin.configSchema, { path: "x.duckdb", threads: 0 }).success).toBe(false);
    expect(safeParse(plugin.configSchema, { pth: "x.duckdb" }).success).toBe(false);
    expect(safeParse(plugin.configSchema, {}).success).toBe(true);
  });
});

describe("duckdb adapter", () => {
  test("schemas, tables, describe, existence, kinds, listing", async () => {
    await a.createSchema(undefined, "s-1");
    expect(
      (await a.execute('CREATE OR REPLACE TABLE "s-1"."t" AS SELECT 1 AS id, \'x\' AS name')).rowsAffected,
    ).toBe(1);
    await a.execute('CREATE OR REPLACE VIEW "s-1"."v" AS SELECT * FROM "s-1"."t"');
    expect(await a.describeTable({ schema: "s-1", table: "t" })).toEqual([
      { name: "id", type: "INTEGER", nullable: true },
      { name: "name", type: "VARCHAR", nullable: true },
    ]);
    expect(await a.describeTable({ schema: "s-1", table: "nope" })).toBeUndefined();
    expect(await a.tableExists({ schema: "s-1", table: "t" })).toBe(true);
    expect(await a.tableExists({ schema: "s-1", table: "nope" })).toBe(false);
    expect(await a.objectKind!({ schema: "s-1", table: "v" })).toBe("view");
    expect(await a.listTables(undefined, "s-1")).toEqual(["t", "v"]);
    await a.dropSchema(undefined, "s-1");
    expect(await a.listTables(undefined, "s-1")).toEqual([]);
  });

  test("query returns typed rows", async () => {
    const r = await a.query("SELECT 42::BIGINT AS n, 'a' AS s, NULL AS z, DATE '2026-01-02' AS d");
    expect(r.columns.map((c) => c.name)).toEqual(["n", "s", "z", "d"]);
    expect(r.rows[0]![0]).toBe(42n);
    expect(r.rows[0]![1]).toBe("a");
    expect(r.rows[0]![2]).toBeNull();
  });

  test("fingerprint: order-independent, sensitive to content and duplicates", async () => {
    await a.execute("CREATE OR REPLACE TABLE f1 AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(i, s)");
    await a.execute("CREATE OR REPLACE TABLE f2 AS SELECT * FROM (VALUES (2, 'b'), (1, 'a')) v(i, s)");
    await a.execute("CREATE OR REPLACE TABLE f3 AS SELECT * FROM (VALUES (1, 'a'), (2, 'c')) v(i, s)");
    await a.execute(
      "CREATE OR REPLACE TABLE f4 AS SELECT * FROM (VALUES (1, 'a'), (1, 'a'), (2, 'b')) v(i, s)",
    );
    const fp = (t: string) => a.fingerprint!({ schema: "main", table: t });
    const [f1, f2, f3, f4] = await Promise.all(["f1", "f2", "f3", "f4"].map(fp));
    expect(f1).toEqual(f2!);
    expect(f1!.rowCount).toBe(2);
    expect(f3!.hash).not.toBe(f1!.hash);
    expect(f4!.rowCount).toBe(3);
    expect(f4!.hash).not.toBe(f1!.hash);
  });

  test("fingerprint of stored (compressed) tables with 128-bit decimals: one changed value shows, order does not", async () => {
    // More than one row group, checkpointed: the fingerprint reads DuckDB's compressed storage.
    await a.execute(
      "CREATE OR REPLACE TABLE g1 AS SELECT range AS id, (range % 1000) * 1.1 AS amount, 'c' || (range % 50) AS cat FROM range(150000)",
    );
    await a.execute("CREATE OR REPLACE TABLE g2 AS SELECT * FROM g1 ORDER BY id DESC");
    await a.execute("CREATE OR REPLACE TABLE g3 AS SELECT * FROM g1");
    await a.execute("UPDATE g3 SET amount = amount + 0.1 WHERE id = 123456");
    await a.execute("CHECKPOINT");
    const type = await a.query("SELECT typeof(amount) FROM g1 LIMIT 1");
    expect(type.rows[0]![0]).toBe("DECIMAL(21,1)");
    const [g1, g2, g3] = await Promise.all(
      ["g1", "g2", "g3"].map((t) => a.fingerprint!({ schema: "main", table: t })),
    );
    expect(g1!.rowCount).toBe(150000);
    expect(g2).toEqual(g1!);
    expect(g3!.rowCount).toBe(150000);
    expect(g3!.hash).not.toBe(g1!.hash);
    // A NULL moved to another column is another row.
    await a.execute("CREATE OR REPLACE TABLE n1 AS SELECT * FROM (VALUES (NULL::INT, 1), (2, 3)) v(x, y)");
    await a.execute("CREATE OR REPLACE TABLE n2 AS SELECT * FROM (VALUES (1, NULL::INT), (2, 3)) v(x, y)");
    const [n1, n2] = await Promise.all(["n1", "n2"].map((t) => a.fingerprint!({ schema: "main", table: t })));
    expect(n1!.hash).not.toBe(n2!.hash);
  });

  test("transaction: committed on success, rolled back on error, independent per parallel caller", async () => {
    await a.execute("CREATE OR REPLACE TABLE tx (i INTEGER)");
    await a.transaction!(async () => {
      await a.execute("INSERT INTO tx VALUES (1)");
    });
    await expect(
      a.transaction!(async () => {
        await a.execute("INSERT INTO tx VALUES (2)");
        await a.execute("SELECT no_such_function()");
      }),
    ).rejects.toThrow();
    // Two transactions at once, each on its own connection.
    await Promise.all([
      a.transaction!(async () => a.execute("INSERT INTO tx VALUES (3)")),
      a.transaction!(async () => a.execute("INSERT INTO tx VALUES (4)")),
    ]);
    expect((await a.query("SELECT i FROM tx ORDER BY i")).rows).toEqual([[1], [3], [4]]);
  });

  test("the module does not load DuckDB until an adapter connects", () => {
    const script = `const m = await import(${JSON.stringify(join(REPO, "adapters/duckdb/index.ts"))});
const before = Object.keys(require.cache).some((k) => k.includes("@duckdb"));
const a = m.default.create({}, { projectRoot: ".", name: "default" });
const mid = Object.keys(require.cache).some((k) => k.includes("@duckdb"));
await a.connect();
const after = Object.keys(require.cache).some((k) => k.includes("@duckdb"));
await a.close();
console.log(JSON.stringify([before, mid, after]));`;
    const p = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    expect(p.stdout.toString().trim()).toBe("[false,false,true]");
  });
});
