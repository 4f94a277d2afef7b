/**
 * `rocky branch compare` matched on a key: added / removed / changed rows, per-column
 * counts and numeric deltas, a side-by-side sample, duplicates and NULL keys reported
 * (never double counted), thresholds, and the unkeyed fallback saying so.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { duck, ok, text, writeFiles } from "./helpers.ts";

const ORDERS = "SELECT order_id, customer, net_amount, status FROM raw.orders\n";

/** Production built from raw.orders: keys 1..10, a duplicated key 7 and a NULL key. */
async function project(): Promise<string> {
  const dir = tempDir("rocky-keyed-");
  writeFiles(dir, {
    "rocky.toml": `[adapter]
type = "duckdb"
path = "wh.duckdb"

[sources.raw.orders]
columns = ["order_id", "customer", "net_amount", "status"]
`,
    "models/fct_orders.sql": ORDERS,
    "models/dim_orders.sql":
      "SELECT order_id, status FROM raw.orders WHERE order_id IS NOT NULL AND order_id <> 7\n",
    "models/dim_orders.toml": '[strategy]\ntype = "merge"\nunique_key = ["order_id"]\n',
  });
  await duck(
    join(dir, "wh.duckdb"),
    `CREATE SCHEMA raw;
     CREATE TABLE raw.orders AS
       SELECT i AS order_id, 'c' || (i % 3) AS customer, CAST(i * 10 + 0.9 AS DECIMAL(10, 2)) AS net_amount, 'paid' AS status
       FROM range(1, 11) t(i);
     INSERT INTO raw.orders VALUES (7, 'dup', 1.00, 'paid'), (NULL, 'nokey', 5.00, 'paid');`,
  );
  ok(["run"], dir);
  ok(["branch", "create", "fix"], dir);
  return dir;
}

interface Keyed {
  key: string[];
  rows_added: number;
  rows_removed: number;
  rows_changed: number;
  rows_unchanged: number;
  keys_matched: number;
  null_key_rows: { branch: number; production: number };
  duplicate_keys: { branch: number; production: number };
  duplicate_key_rows: { branch: number; production: number };
  duplicate_keys_not_compared: number;
  columns: {
    name: string;
    type: string;
    changed: number;
    changed_share: number;
    delta?: Record<string, number | null>;
  }[];
  sample_changed: {
    key: Record<string, unknown>;
    changes: { column: string; production: unknown; branch: unknown }[];
  }[];
  sample_added: Record<string, unknown>[];
  sample_removed: Record<string, unknown>[];
}
interface Cmp {
  overall_verdict: string;
  threshold_failures: { model: string; changed_pct: number }[];
  results: {
    model: string;
    verdict: string;
    key: string[] | null;
    key_source: string | null;
    unkeyed_reason?: string;
    changed_pct: number;
    rows_only_in_branch: number;
    rows_only_in_production: number;
    keyed?: Keyed;
  }[];
}

describe("keyed branch compare", () => {
  test("changed, added and removed rows with a duplicated and a NULL key, by --key", async () => {
    const dir = await project();
    // The branch zeroes order 3, changes the status of 4, drops order 5 and adds order 11.
    writeFiles(dir, {
      "models/fct_orders.sql": `SELECT order_id, customer,
  CASE WHEN order_id = 3 THEN CAST(0 AS DECIMAL(10, 2)) ELSE net_amount END AS net_amount,
  CASE WHEN order_id = 4 THEN 'refunded' ELSE status END AS status
FROM raw.orders WHERE order_id IS DISTINCT FROM 5
UNION ALL SELECT 11, 'c2', CAST(111.90 AS DECIMAL(10, 2)), 'paid'
`,
    });
    ok(["run", "--branch", "fix", "--model", "fct_orders"], dir);
    const r = ok(["branch", "compare", "fix", "--model", "fct_orders", "--key", "order_id"], dir);
    const cmp = r.json<Cmp>();
    expectSchemas("branch_compare", cmp, "compare");
    const m = cmp.results[0]!;
    expect(m).toMatchObject({
      model: "fct_orders",
      verdict: "changed",
      key: ["order_id"],
      key_source: "flag",
      // 1 added + 1 removed + 2 changed, of 12 production rows.
      changed_pct: (100 * 4) / 12,
      rows_only_in_branch: 3,
      rows_only_in_production: 3,
    });
    const k = m.keyed!;
    expect(k).toMatchObject({
      rows_added: 1,
      rows_removed: 1,
      rows_changed: 2,
      // keys 1..10 without 5 and the duplicated 7: 8 matched, 6 unchanged.
      keys_matched: 8,
      rows_unchanged: 6,
      null_key_rows: { branch: 1, production: 1 },
      duplicate_keys: { branch: 1, production: 1 },
      duplicate_key_rows: { branch: 2, production: 2 },
      duplicate_keys_not_compared: 1,
    });
    expect(k.columns).toEqual([
      { name: "customer", type: "VARCHAR", changed: 0, changed_share: 0 },
      {
        name: "net_amount",
        type: "DECIMAL(10,2)",
        changed: 1,
        changed_share: 1 / 8,
        delta: { min: -30.9, max: -30.9, mean: -30.9 },
      },
      { name: "status", type: "VARCHAR", changed: 1, changed_share: 1 / 8 },
    ]);
    expect(k.sample_changed).toEqual([
      { key: { order_id: 3 }, changes: [{ column: "net_amount", production: 30.9, branch: 0 }] },
      { key: { order_id: 4 }, changes: [{ column: "status", production: "paid", branch: "refunded" }] },
    ]);
    expect(k.sample_added).toEqual([{ order_id: 11, customer: "c2", net_amount: 111.9, status: "paid" }]);
    expect(k.sample_removed).toEqual([{ order_id: 5, customer: "c2", net_amount: 50.9, status: "paid" }]);

    const t = text(["branch", "compare", "fix", "--model", "fct_orders", "--key", "order_id"], dir);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain("keyed on order_id: 1 added, 1 removed, 2 changed, 6 unchanged");
    expect(t.stdout).toContain("order_id=3: net_amount 30.90 → 0.00");
    expect(t.stdout).toContain("order_id=4: status paid → refunded");
    expect(t.stdout).toContain("~ net_amount: 1 changed (12.5%)  delta min -30.9 max -30.9 mean -30.9");
    expect(t.stdout).toContain("rows with a NULL key (not compared): branch 1, production 1");
    expect(t.stdout).toContain(
      "duplicate keys (counted once, values not compared): branch 1, production 1 keys",
    );

    // Thresholds: 33.3% changed.
    ok(
      ["branch", "compare", "fix", "--model", "fct_orders", "--key", "order_id", "--max-changed-pct", "40"],
      dir,
    );
    const over = ok(
      ["branch", "compare", "fix", "--model", "fct_orders", "--key", "order_id", "--max-changed-pct", "10"],
      dir,
      1,
    ).json<Cmp>();
    expect(over.threshold_failures).toEqual([
      { model: "fct_orders", changed_pct: (100 * 4) / 12, max_changed_pct: 10 } as never,
    ]);
    ok(["branch", "compare", "fix", "--model", "fct_orders", "--fail-on-change"], dir, 1);
    const bad = rocky(["branch", "compare", "fix", "--max-changed-pct", "lots", "-o", "json"], { cwd: dir });
    expect(bad.code).toBe(2);
    expectJsonError(bad, "usage", "branch compare");

    // Without a key: the row-hash diff, saying it is unkeyed.
    const unkeyed = ok(["branch", "compare", "fix", "--model", "fct_orders"], dir).json<Cmp>();
    expect(unkeyed.results[0]).toMatchObject({
      key: null,
      key_source: null,
      unkeyed_reason: "no key: pass --key, or declare a unique_key or a grain",
      rows_only_in_branch: 3,
      rows_only_in_production: 3,
    });
    expect(unkeyed.results[0]!.keyed).toBeUndefined();
    expect(text(["branch", "compare", "fix", "--model", "fct_orders"], dir).stdout).toContain(
      "unkeyed row-hash diff (no key: pass --key, or declare a unique_key or a grain)",
    );
    // A key column the table does not have: unkeyed, with the reason.
    const missing = ok(
      ["branch", "compare", "fix", "--model", "fct_orders", "--key", "nope"],
      dir,
    ).json<Cmp>();
    expect(missing.results[0]!.unkeyed_reason).toBe(
      "key column 'nope' not in both tables with comparable types",
    );
  });

  test("the model's unique_key is the default key; identical tables compare identical", async () => {
    const dir = await project();
    ok(["run", "--branch", "fix", "--model", "dim_orders"], dir);
    const same = ok(["branch", "compare", "fix", "--model", "dim_orders"], dir).json<Cmp>();
    expectSchemas("branch_compare", same, "compare");
    expect(same.overall_verdict).toBe("identical");
    expect(same.results[0]).toMatchObject({ key: ["order_id"], key_source: "unique_key", changed_pct: 0 });
    expect(same.results[0]!.keyed).toMatchObject({ rows_changed: 0, keys_matched: 9, rows_unchanged: 9 });
    ok(["branch", "compare", "fix", "--model", "dim_orders", "--fail-on-change"], dir);
  });

  test("a declared grain is the default key without a unique_key, and the output names it", async () => {
    const dir = await project();
    writeFiles(dir, { "models/fct_orders.toml": 'grain = ["order_id"]\n' });
    writeFiles(dir, {
      "models/fct_orders.sql": ORDERS.replace("net_amount,", "net_amount * 2 AS net_amount,"),
    });
    ok(["run", "--branch", "fix", "--model", "fct_orders"], dir);
    const cmp = ok(["branch", "compare", "fix", "--model", "fct_orders"], dir).json<Cmp>();
    expectSchemas("branch_compare", cmp, "compare");
    expect(cmp.results[0]).toMatchObject({ key: ["order_id"], key_source: "grain" });
    expect(cmp.results[0]!.keyed).toMatchObject({ rows_added: 0, rows_removed: 0 });
    expect(cmp.results[0]!.keyed!.rows_changed).toBeGreaterThan(0);
    expect(text(["branch", "compare", "fix", "--model", "fct_orders"], dir).stdout).toContain(
      "keyed on order_id (grain):",
    );
    // A unique_key wins over the grain; --key over both.
    writeFiles(dir, {
      "models/dim_orders.toml": 'grain = ["status"]\n[strategy]\ntype = "merge"\nunique_key = ["order_id"]\n',
    });
    ok(["run", "--branch", "fix", "--model", "dim_orders"], dir);
    const dim = ok(["branch", "compare", "fix", "--model", "dim_orders"], dir).json<Cmp>();
    expect(dim.results[0]).toMatchObject({ key: ["order_id"], key_source: "unique_key" });
    const flag = ok(
      ["branch", "compare", "fix", "--model", "dim_orders", "--key", "status"],
      dir,
    ).json<Cmp>();
    expect(flag.results[0]).toMatchObject({ key: ["status"], key_source: "flag" });
    // An empty grain is a configuration error naming the file.
    writeFiles(dir, { "models/fct_orders.toml": "grain = []\n" });
    const bad = rocky(["branch", "compare", "fix", "-o", "json"], { cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain("grain lists at least one column");
  });
});
