import { beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileProject } from "../../src/compile/compile.ts";
import type { CompileResult } from "../../src/compile/types.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadProject } from "../../src/project/load.ts";
import { tempDir } from "../helpers/cli.ts";
import { fixtureCopy, fmt } from "./fixture.ts";

async function compileDir(dir: string, cache = true): Promise<CompileResult> {
  return compileProject(await loadProject(await loadConfig(join(dir, "rocky.toml"))), { cache });
}

/** Every edge of the fixture, hand-derived from the SQL, in graph order (models topologically). */
const EXPECTED_EDGES = [
  // stg_customers: renames and a function
  "raw.customers.customer_id -> stg_customers.customer_id",
  "raw.customers.name -> stg_customers.customer_name",
  "raw.customers.email -> stg_customers.email [expression]",
  "raw.customers.country -> stg_customers.country",
  // stg_orders: `*` over a declared source
  "raw.orders.order_id -> stg_orders.order_id",
  "raw.orders.customer_id -> stg_orders.customer_id",
  "raw.orders.amount -> stg_orders.amount",
  "raw.orders.status -> stg_orders.status",
  "raw.orders.ordered_at -> stg_orders.ordered_at",
  // all_parties: UNION ALL, positional
  "stg_customers.customer_id -> all_parties.party_id",
  "stg_orders.order_id -> all_parties.party_id",
  "stg_customers.customer_name -> all_parties.label",
  "stg_orders.status -> all_parties.label",
  // orders_copy: `o.*` over an upstream model, then an expression (the literal has no source)
  "stg_orders.order_id -> orders_copy.order_id",
  "stg_orders.customer_id -> orders_copy.customer_id",
  "stg_orders.amount -> orders_copy.amount",
  "stg_orders.status -> orders_copy.status",
  "stg_orders.ordered_at -> orders_copy.ordered_at",
  "stg_orders.amount -> orders_copy.double_amount [expression]",
  // stg_payments: an undeclared external table, a cast
  "raw.payments.payment_id -> stg_payments.payment_id",
  "raw.payments.order_id -> stg_payments.order_id",
  "raw.payments.amount -> stg_payments.amount [cast]",
  // int_orders_enriched: joins with aliases, COALESCE (every argument), CASE (its condition)
  "stg_orders.order_id -> int_orders_enriched.order_id",
  "stg_orders.customer_id -> int_orders_enriched.customer_id",
  "stg_customers.customer_name -> int_orders_enriched.customer_name",
  "stg_payments.amount -> int_orders_enriched.paid_amount [expression]",
  "stg_orders.amount -> int_orders_enriched.paid_amount [expression]",
  "stg_orders.status -> int_orders_enriched.state [expression]",
  // int_customer_totals: a CTE chain with aggregates (COUNT(*) has no source)
  "int_orders_enriched.customer_id -> int_customer_totals.customer_id",
  "int_orders_enriched.paid_amount -> int_customer_totals.total [aggregation: sum]",
  // fct_ranked: FROM-subquery, windows (ORDER BY / PARTITION BY keys are not sources)
  "int_customer_totals.customer_id -> fct_ranked.customer_id",
  "int_customer_totals.total -> fct_ranked.total",
  "int_customer_totals.total -> fct_ranked.running [window: sum]",
  // top_customers: reads fct_ranked through its target name marts.fct_ranked
  "fct_ranked.customer_id -> top_customers.customer_id",
  "fct_ranked.total -> top_customers.total",
];

describe("compile: the lineage fixture", () => {
  let r: CompileResult;
  beforeAll(async () => {
    r = await compileDir(fixtureCopy(), false);
  });

  test("models in topological order, with layers", () => {
    expect(r.dag.order).toEqual([
      "broken",
      "broken_child",
      "ext_star",
      "stg_customers",
      "stg_orders",
      "all_parties",
      "orders_copy",
      "stg_payments",
      "int_orders_enriched",
      "int_customer_totals",
      "fct_ranked",
      "top_customers",
    ]);
    expect(r.dag.layers).toEqual([
      ["broken", "ext_star", "stg_customers", "stg_orders", "stg_payments"],
      ["broken_child", "all_parties", "orders_copy", "int_orders_enriched"],
      ["int_customer_totals"],
      ["fct_ranked"],
      ["top_customers"],
    ]);
    expect(r.models.get("top_customers")!.dependsOn).toEqual(["fct_ranked"]);
    expect(r.models.get("int_orders_enriched")!.dependsOn).toEqual([
      "stg_customers",
      "stg_orders",
      "stg_payments",
    ]);
  });

  test("every edge, hand-checked, in graph order", () => {
    expect(r.graph.edges().map(fmt)).toEqual(EXPECTED_EDGES);
  });

  test("every output column exists, constants and COUNT(*) included", () => {
    expect(r.models.get("orders_copy")!.columns).toEqual([
      "order_id",
      "customer_id",
      "amount",
      "status",
      "ordered_at",
      "double_amount",
      "one",
    ]);
    expect(r.models.get("int_customer_totals")!.columns).toEqual(["customer_id", "total", "n_orders"]);
    expect(r.models.get("fct_ranked")!.columns).toEqual(["customer_id", "total", "rnk", "running"]);
    expect(r.graph.table("raw.orders")!.columns).toEqual([
      "order_id",
      "customer_id",
      "amount",
      "status",
      "ordered_at",
    ]);
  });

  test("downstream trace of a source column, breadth-first with depth", () => {
    expect(r.graph.traceDownstream("raw.orders", "amount").map(fmt)).toEqual([
      "raw.orders.amount -> stg_orders.amount @1",
      "stg_orders.amount -> orders_copy.amount @2",
      "stg_orders.amount -> orders_copy.double_amount [expression] @2",
      "stg_orders.amount -> int_orders_enriched.paid_amount [expression] @2",
      "int_orders_enriched.paid_amount -> int_customer_totals.total [aggregation: sum] @3",
      "int_customer_totals.total -> fct_ranked.total @4",
      "int_customer_totals.total -> fct_ranked.running [window: sum] @4",
      "fct_ranked.total -> top_customers.total @5",
    ]);
  });

  test("upstream trace through subquery, CTE chain, COALESCE and a cast", () => {
    expect(r.graph.traceUpstream("top_customers", "total").map(fmt)).toEqual([
      "fct_ranked.total -> top_customers.total @1",
      "int_customer_totals.total -> fct_ranked.total @2",
      "int_orders_enriched.paid_amount -> int_customer_totals.total [aggregation: sum] @3",
      "stg_payments.amount -> int_orders_enriched.paid_amount [expression] @4",
      "stg_orders.amount -> int_orders_enriched.paid_amount [expression] @4",
      "raw.payments.amount -> stg_payments.amount [cast] @5",
      "raw.orders.amount -> stg_orders.amount @5",
    ]);
    expect(r.graph.traceUpstream("fct_ranked", "rnk")).toEqual([]);
  });

  test("a model that cannot be parsed is unavailable, with a positioned error; the rest works", () => {
    expect(r.models.get("broken")!.columns).toBeUndefined();
    expect(r.graph.table("broken")!.unavailable).toContain("syntax error");
    const e = r.diagnostics.find((d) => d.model === "broken")!;
    expect(e).toMatchObject({
      severity: "Error",
      code: "E001",
      span: { file: "models/misc/broken.sql", line: 2, col: 6 },
    });
    expect(r.hasErrors).toBe(true);
  });

  test("`*` over an unavailable model or an undeclared table makes the model unavailable, saying why", () => {
    expect(r.models.get("broken_child")!.unavailable).toContain("broken");
    expect(r.diagnostics.find((d) => d.model === "broken_child")!.suggestion).toContain(
      "fix model 'broken' first",
    );
    expect(r.models.get("ext_star")!.unavailable).toContain("raw.events");
    expect(r.graph.table("ext_star")!.columns).toBeUndefined();
  });
});

describe("compile: dependency errors are diagnostics naming the models", () => {
  test("unknown depends_on and a cycle", async () => {
    const dir = fixtureCopy({ withoutBroken: true });
    writeFileSync(join(dir, "models", "staging", "stg_orders.toml"), 'depends_on = ["stg_ordrs"]\n');
    writeFileSync(
      join(dir, "models", "staging", "stg_customers.sql"),
      "SELECT customer_id FROM all_parties\n",
    );
    const r = await compileDir(dir, false);
    const unknown = r.diagnostics.find((d) => d.code === "E030")!;
    expect(unknown.message).toBe("model 'stg_orders' depends on 'stg_ordrs', which is not a model");
    expect(unknown.suggestion).toBe("did you mean 'stg_orders'?");
    expect(unknown.span).toEqual({ file: "models/staging/stg_orders.toml", line: 1, col: 16 });
    const cycle = r.diagnostics.find((d) => d.code === "E031")!;
    expect(cycle.message).toBe("dependency cycle: all_parties -> stg_customers -> all_parties");
    expect(r.models.get("all_parties")!.unavailable).toContain("cycle");
    // Everything outside the cycle still compiles.
    expect(r.models.get("stg_payments")!.columns).toEqual(["payment_id", "order_id", "amount"]);
    expect(r.hasErrors).toBe(true);
  });
});

test("`*` across a cycle points at the cycle, for both members", async () => {
  const dir = fixtureCopy({ withoutBroken: true });
  writeFileSync(join(dir, "models", "cyc_a.sql"), "SELECT * FROM cyc_b\n");
  writeFileSync(join(dir, "models", "cyc_b.sql"), "SELECT * FROM cyc_a\n");
  const r = await compileDir(dir, false);
  const hints = r.diagnostics
    .filter((d) => d.code === "W010")
    .map((d) => [d.model, d.suggestion])
    .sort();
  expect(hints).toEqual([
    ["cyc_a", "fix model 'cyc_b' first: part of the dependency cycle cyc_a -> cyc_b -> cyc_a"],
    ["cyc_b", "fix model 'cyc_a' first: part of the dependency cycle cyc_a -> cyc_b -> cyc_a"],
  ]);
});

describe("compile: the analysis cache", () => {
  test("a warm compile parses only what changed; a changed upstream re-expands `*`", async () => {
    const dir = fixtureCopy({ withoutBroken: true });
    const cold = await compileDir(dir);
    expect(cold.cache).toEqual({ hits: 0, misses: 9 });
    const warm = await compileDir(dir);
    expect(warm.cache).toEqual({ hits: 9, misses: 0 });
    expect(warm.graph.edges().map(fmt)).toEqual(cold.graph.edges().map(fmt));

    appendFileSync(join(dir, "models", "marts", "top_customers.sql"), "\n-- edited\n");
    expect((await compileDir(dir)).cache).toEqual({ hits: 8, misses: 1 });

    // New declared source column: stg_orders (`*` over raw.orders) and orders_copy (`o.*`) change.
    const toml = join(dir, "rocky.toml");
    writeFileSync(toml, (await Bun.file(toml).text()).replace('"ordered_at"]', '"ordered_at", "channel"]'));
    const after = await compileDir(dir);
    expect(after.models.get("orders_copy")!.columns).toContain("channel");
    expect(after.graph.traceDownstream("raw.orders", "channel").map(fmt)).toEqual([
      "raw.orders.channel -> stg_orders.channel @1",
      "stg_orders.channel -> orders_copy.channel @2",
    ]);
  });
});

describe("compile: the cache file", () => {
  const cacheLines = (dir: string) =>
    readFileSync(join(dir, ".rocky-cache", "compile.cache"), "utf8")
      .split("\n")
      .filter((l) => l !== "");

  test("a warm compile appends the edited model's entry; stale lines are dropped once they outnumber half", async () => {
    const dir = fixtureCopy({ withoutBroken: true });
    const cold = await compileDir(dir);
    const first = cacheLines(dir);
    expect(first).toHaveLength(1 + 9); // the stamp, then one line per model
    const file = join(dir, "models", "marts", "top_customers.sql");
    appendFileSync(file, "\n-- edit 1\n");
    expect((await compileDir(dir)).cache).toEqual({ hits: 8, misses: 1 });
    const second = cacheLines(dir);
    // Appended: the old lines stay as they were, one line more.
    expect(second.slice(0, first.length)).toEqual(first);
    expect(second).toHaveLength(first.length + 1);
    // Read back, the appended line is the one that counts.
    const warm = await compileDir(dir);
    expect(warm.cache).toEqual({ hits: 9, misses: 0 });
    expect(warm.graph.edges().map(fmt)).toEqual(cold.graph.edges().map(fmt));
    // Five more edits: six stale lines are more than half of nine live ones, so the file is rewritten.
    for (let i = 2; i <= 6; i++) {
      appendFileSync(file, `\n-- edit ${i}\n`);
      expect((await compileDir(dir)).cache).toEqual({ hits: 8, misses: 1 });
    }
    expect(cacheLines(dir).length).toBeLessThan(first.length + 6);
    expect((await compileDir(dir)).cache).toEqual({ hits: 9, misses: 0 });
  });

  test("a cache file cut short mid-line is a miss for that model, and then rewritten whole", async () => {
    const dir = fixtureCopy({ withoutBroken: true });
    const cold = await compileDir(dir);
    const path = join(dir, ".rocky-cache", "compile.cache");
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.slice(0, text.length - 40));
    const after = await compileDir(dir);
    expect(after.cache).toEqual({ hits: 8, misses: 1 });
    expect(after.graph.edges().map(fmt)).toEqual(cold.graph.edges().map(fmt));
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
    expect((await compileDir(dir)).cache).toEqual({ hits: 9, misses: 0 });
  });
});

describe("compile: analysis order", () => {
  test("a reference the text scan misses (comma join) is still analysed after its upstream", async () => {
    const dir = tempDir("rocky-order-");
    mkdirSync(join(dir, "models"));
    writeFileSync(
      join(dir, "rocky.toml"),
      '[adapter]\ntype = "duckdb"\n\n[sources.raw.x]\ncolumns = ["id"]\n',
    );
    // `a_first` sorts before `z_up` and its FROM names only raw.x: the guess orders it first.
    writeFileSync(join(dir, "models", "a_first.sql"), "SELECT r.id, b.* FROM raw.x AS r, z_up AS b\n");
    writeFileSync(join(dir, "models", "z_up.sql"), "SELECT id AS k, id + 1 AS j FROM raw.x\n");
    const r = await compileDir(dir, false);
    expect(r.dag.order).toEqual(["z_up", "a_first"]);
    expect(r.models.get("a_first")!.columns).toEqual(["id", "k", "j"]);
    expect(r.graph.edgesTargeting("a_first").map(fmt)).toEqual([
      "raw.x.id -> a_first.id",
      "z_up.k -> a_first.k",
      "z_up.j -> a_first.j",
    ]);
    expect(r.diagnostics).toEqual([]);
  });
});
