/**
 * The single-model acceptance scenarios of the Rocky 1.10 reference (semantic-graph-and-
 * lineage.md §11), with the answers SPEC §4 asks for instead of Rocky's quirks: every
 * output column exists, every source is kept, CTEs/subqueries/UNIONs are traced.
 */
import { describe, expect, test } from "bun:test";
import { renderTransform } from "../../src/sql/transform.ts";
import { analyze, codes, lineage, type Schemas, useParser } from "./helpers.ts";

const parser = useParser();

/** Upstream models' columns, as the compile pipeline passes them in topological order. */
const MODELS: Schemas = {
  a: ["id", "name", "email", "amount", "ts", "customer_id", "status"],
  orders: ["id", "cid", "status", "customer_id", "amount", "order_id"],
  customers: ["id"],
  users: ["name", "nickname", "amount"],
  b: ["id", "name", "email"],
};

describe("reference scenarios S-01..S-22 (single-model part)", () => {
  test("S-01/S-02 three-part source, alias", async () => {
    expect(await lineage(parser(), "SELECT id, name FROM catalog.schema.users")).toEqual([
      "id <- catalog.schema.users.id [direct]",
      "name <- catalog.schema.users.name [direct]",
    ]);
    expect(await lineage(parser(), "SELECT id, name AS customer_name FROM catalog.schema.customers")).toEqual(
      [
        "id <- catalog.schema.customers.id [direct]",
        "customer_name <- catalog.schema.customers.name [direct]",
      ],
    );
  });

  test("S-04 unqualified column in a join resolves through the upstream model's columns", async () => {
    const analysis = await analyze(
      parser(),
      "SELECT o.id, status FROM orders o JOIN customers c ON o.cid = c.id",
      MODELS,
    );
    expect(
      analysis.columns?.map((c) => `${c.name} <- ${c.sources.map((s) => `${s.table}.${s.column}`)}`),
    ).toEqual(["id <- orders.id", "status <- orders.status"]);
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["orders", "customers"]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("S-05 casts", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT id, CAST(amount AS BIGINT) AS amount_int, amount::DOUBLE AS amount_d, TRY_CAST(id AS STRING) AS id_s FROM a",
        MODELS,
      ),
    ).toEqual([
      "id <- a.id [direct]",
      "amount_int <- a.amount [cast]",
      "amount_d <- a.amount [cast]",
      "id_s <- a.id [cast]",
    ]);
  });

  test("S-06/S-07 aggregation; COUNT(*) is a column without sources", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT customer_id, COUNT(*) AS n, COUNT(order_id) AS n2, COUNT(DISTINCT order_id) AS n3, SUM(amount) AS total FROM orders GROUP BY customer_id",
        MODELS,
      ),
    ).toEqual([
      "customer_id <- orders.customer_id [direct]",
      "n <- () [aggregation: count]",
      "n2 <- orders.order_id [aggregation: count]",
      "n3 <- orders.order_id [aggregation: count]",
      "total <- orders.amount [aggregation: sum]",
    ]);
  });

  test("S-08 scalar functions are expressions with every argument; a cast of an aggregate stays an aggregation", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT UPPER(name) AS name_u, COALESCE(NULL, nickname, name) AS display, ROUND(CAST(amount AS DOUBLE), 2) AS amt, CAST(SUM(amount) AS BIGINT) AS total FROM users",
        MODELS,
      ),
    ).toEqual([
      "name_u <- users.name [expression]",
      "display <- users.nickname, users.name [expression]",
      "amt <- users.amount [expression]",
      "total <- users.amount [aggregation: sum]",
    ]);
  });

  test("S-09 no expression vanishes", async () => {
    const analysis = await analyze(
      parser(),
      "SELECT id, amount * 2 AS doubled, CASE WHEN amount > 0 THEN 'pos' END AS sign, 1 AS one, (amount) AS paren, -amount AS neg, SUBSTRING(name, 1, 3) AS pfx, TRIM(name) AS t, EXTRACT(YEAR FROM ts) AS yr, CURRENT_TIMESTAMP AS now_ts, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM a",
      MODELS,
    );
    expect(
      analysis.columns?.map(
        (c) => `${c.name}:${c.sources.map((s) => s.column)}:${renderTransform(c.transform)}`,
      ),
    ).toEqual([
      "id:id:direct",
      "doubled:amount:expression",
      "sign:amount:expression",
      "one::expression",
      "paren:amount:direct",
      "neg:amount:expression",
      "pfx:name:expression",
      "t:name:expression",
      "yr:ts:expression",
      "now_ts::expression",
      "rn::window: row_number",
    ]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("S-10 window functions", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT id, SUM(amount) OVER (PARTITION BY customer_id ORDER BY ts) AS running, LAG(amount, 1) OVER (ORDER BY ts) AS prev, FIRST_VALUE(status) OVER (PARTITION BY customer_id ORDER BY ts) AS first_status FROM a",
        MODELS,
      ),
    ).toEqual([
      "id <- a.id [direct]",
      "running <- a.amount [window: sum]",
      "prev <- a.amount [window: lag]",
      "first_status <- a.status [window: first_value]",
    ]);
  });

  test("S-11/S-12 star over a model, star plus an explicit column in SQL order", async () => {
    expect(await lineage(parser(), "SELECT * FROM b", MODELS)).toEqual([
      "id <- b.id [direct]",
      "name <- b.name [direct]",
      "email <- b.email [direct]",
    ]);
    expect(await lineage(parser(), "SELECT *, UPPER(name) AS name_upper FROM b", MODELS)).toEqual([
      "id <- b.id [direct]",
      "name <- b.name [direct]",
      "email <- b.email [direct]",
      "name_upper <- b.name [expression]",
    ]);
  });

  test("S-13 star name clash: the repeat gets DuckDB's name (id_1), with a warning", async () => {
    const analysis = await analyze(parser(), "SELECT CAST(id AS STRING) AS id, * FROM b", MODELS);
    expect(analysis.columns?.map((c) => `${c.name}:${renderTransform(c.transform)}`)).toEqual([
      "id:cast",
      "id_1:direct",
      "name:direct",
      "email:direct",
    ]);
    expect(codes(analysis)).toEqual(["W013"]);
  });

  test("S-14 star over an external table: unavailable without its columns, expanded with them", async () => {
    const unknown = await analyze(parser(), "SELECT * FROM catalog.schema.external_table");
    expect(unknown.columns).toBeUndefined();
    expect(codes(unknown)).toEqual(["W010"]);
    expect(
      await lineage(parser(), "SELECT * FROM catalog.schema.external_table", {
        "catalog.schema.external_table": ["col1", "col2"],
      }),
    ).toEqual([
      "col1 <- catalog.schema.external_table.col1 [direct]",
      "col2 <- catalog.schema.external_table.col2 [direct]",
    ]);
  });

  test("S-15/S-16 CTEs and FROM-subqueries are traced to the model they read", async () => {
    const cte = await analyze(parser(), "WITH x AS (SELECT id FROM a) SELECT id FROM x", MODELS);
    expect(cte.columns?.map((c) => `${c.name} <- ${c.sources.map((s) => `${s.table}.${s.column}`)}`)).toEqual(
      ["id <- a.id"],
    );
    expect(cte.tableRefs.map((r) => r.parts.join("."))).toEqual(["a"]);
    expect(await lineage(parser(), "SELECT id FROM (SELECT id FROM a) t", MODELS)).toEqual([
      "id <- a.id [direct]",
    ]);
  });

  test("S-17 UNION ALL is analysed, not an error", async () => {
    const analysis = await analyze(parser(), "SELECT id FROM a UNION ALL SELECT id FROM b", MODELS);
    expect(analysis.columns?.map((c) => c.sources.map((s) => `${s.table}.${s.column}`))).toEqual([
      ["a.id", "b.id"],
    ]);
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["a", "b"]);
  });

  test("S-20 diamond join", async () => {
    expect(
      await lineage(parser(), "SELECT b.id, b.b_value, c.c_value FROM b JOIN c ON b.id = c.id", {
        b: ["id", "b_value"],
        c: ["id", "c_value"],
      }),
    ).toEqual(["id <- b.id [direct]", "b_value <- b.b_value [direct]", "c_value <- c.c_value [direct]"]);
  });

  test("S-21/S-22 duplicate output names: the repeat gets DuckDB's name (x_1), with a warning", async () => {
    const f = await analyze(parser(), "SELECT b.id AS x, c.id AS x FROM b JOIN c ON b.id = c.id", {
      b: ["id"],
      c: ["id"],
    });
    expect(f.columns?.map((c) => `${c.name} <- ${c.sources.map((s) => `${s.table}.${s.column}`)}`)).toEqual([
      "x <- b.id",
      "x_1 <- c.id",
    ]);
    expect(codes(f)).toEqual(["W013"]);
    const m = await analyze(parser(), "SELECT id, id FROM a", MODELS);
    expect(m.columns?.map((c) => c.name)).toEqual(["id", "id_1"]);
    expect(codes(m)).toEqual(["W013"]);
  });
});

/** TPC-H tables, the columns the queries below use. */
const TPCH: Schemas = {
  lineitem: [
    "l_orderkey",
    "l_quantity",
    "l_extendedprice",
    "l_discount",
    "l_tax",
    "l_returnflag",
    "l_linestatus",
    "l_shipdate",
  ],
  orders: ["o_orderkey", "o_custkey", "o_orderdate", "o_shippriority"],
  customer: ["c_custkey", "c_mktsegment", "c_phone", "c_acctbal"],
};

describe("TPC-H queries", () => {
  test("Q1: aggregates of expressions over one table", async () => {
    const analysis = await analyze(
      parser(),
      `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty,
         sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
         avg(l_discount) AS avg_disc, count(*) AS count_order
       FROM lineitem
       WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
       GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`,
      TPCH,
    );
    expect(
      analysis.columns?.map(
        (c) => `${c.name} <- ${c.sources.map((s) => s.column)} [${renderTransform(c.transform)}]`,
      ),
    ).toEqual([
      "l_returnflag <- l_returnflag [direct]",
      "l_linestatus <- l_linestatus [direct]",
      "sum_qty <- l_quantity [aggregation: sum]",
      "sum_charge <- l_extendedprice,l_discount,l_tax [aggregation: sum]",
      "avg_disc <- l_discount [aggregation: avg]",
      "count_order <-  [aggregation: count]",
    ]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("Q3: unqualified columns over a comma join; ORDER BY an alias", async () => {
    const analysis = await analyze(
      parser(),
      `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
       FROM customer, orders, lineitem
       WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
         AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
       GROUP BY l_orderkey, o_orderdate, o_shippriority
       ORDER BY revenue DESC, o_orderdate LIMIT 10`,
      TPCH,
    );
    expect(
      analysis.columns?.map(
        (c) =>
          `${c.name} <- ${c.sources.map((s) => `${s.table}.${s.column}`)} [${renderTransform(c.transform)}]`,
      ),
    ).toEqual([
      "l_orderkey <- lineitem.l_orderkey [direct]",
      "revenue <- lineitem.l_extendedprice,lineitem.l_discount [aggregation: sum]",
      "o_orderdate <- orders.o_orderdate [direct]",
      "o_shippriority <- orders.o_shippriority [direct]",
    ]);
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["customer", "orders", "lineitem"]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("Q22: FROM-subquery with scalar and NOT EXISTS subqueries in WHERE", async () => {
    const analysis = await analyze(
      parser(),
      `SELECT cntrycode, count(*) AS numcust, sum(c_acctbal) AS totacctbal
       FROM (SELECT substring(c_phone FROM 1 FOR 2) AS cntrycode, c_acctbal FROM customer
             WHERE substring(c_phone FROM 1 FOR 2) IN ('13', '31', '23')
               AND c_acctbal > (SELECT avg(c_acctbal) FROM customer WHERE c_acctbal > 0.00)
               AND NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey)) AS custsale
       GROUP BY cntrycode ORDER BY cntrycode`,
      { customer: TPCH.customer as string[] },
    );
    expect(
      analysis.columns?.map(
        (c) =>
          `${c.name} <- ${c.sources.map((s) => `${s.table}.${s.column}`)} [${renderTransform(c.transform)}]`,
      ),
    ).toEqual([
      "cntrycode <- customer.c_phone [expression]",
      "numcust <-  [aggregation: count]",
      "totacctbal <- customer.c_acctbal [aggregation: sum]",
    ]);
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["customer", "customer", "orders"]);
    expect(analysis.diagnostics).toEqual([]);
  });
});
