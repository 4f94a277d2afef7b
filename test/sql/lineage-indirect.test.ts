/**
 * Per-column indirect lineage (SPEC §15): which output columns each indirect read
 * affects. Expected edges are worked out by hand from the clause's place in the query.
 */
import { describe, expect, test } from "bun:test";
import { analyze, lineage, type Schemas, useParser } from "./helpers.ts";

const parser = useParser();

const RAW: Schemas = {
  "raw.orders": ["id", "customer_id", "amount", "status", "ts"],
  "raw.customers": ["id", "name", "email", "country"],
};

/** `table.column (via) -> out1, out2`: one line per indirect read, in order of appearance. */
async function reads(sql: string, schemas: Schemas = RAW): Promise<string[]> {
  const analysis = await analyze(parser(), sql, schemas);
  return (analysis.indirect ?? []).map(
    (r) => `${r.table.join(".")}.${r.column} (${r.via}) -> ${r.outputs.join(", ") || "[]"}`,
  );
}

describe("indirect reads name the output columns they affect", () => {
  test("a top-level WHERE affects every output column", async () => {
    expect(await reads("SELECT id, amount * 2 AS double FROM raw.orders WHERE status = 'paid'")).toEqual([
      "raw.orders.status (where) -> id, double",
    ]);
  });

  test("JOIN ON columns of both sides affect every output column", async () => {
    expect(
      await reads("SELECT o.id, c.name FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id"),
    ).toEqual(["raw.orders.customer_id (join) -> id, name", "raw.customers.id (join) -> id, name"]);
  });

  test("a WHERE inside a CTE the rows come from affects every column, also those from the other join side", async () => {
    const sql = `WITH paid AS (SELECT id, customer_id FROM raw.orders WHERE status = 'paid')
      SELECT p.id, c.name FROM paid p JOIN raw.customers c ON p.customer_id = c.id`;
    expect(await reads(sql)).toEqual([
      "raw.orders.status (where) -> id, name",
      "raw.orders.customer_id (join) -> id, name",
      "raw.customers.id (join) -> id, name",
    ]);
  });

  test("a scalar subquery's WHERE affects only the column computed from it", async () => {
    const sql = `SELECT id, (SELECT max(amount) FROM raw.orders o WHERE o.status = 'paid') AS max_paid, name
      FROM raw.customers`;
    expect(await reads(sql)).toEqual(["raw.orders.status (where) -> max_paid"]);
    // ... also when the scalar subquery sits in a CTE whose column is selected under another name.
    const nested = `WITH c AS (SELECT id, (SELECT max(amount) FROM raw.orders WHERE status = 'paid') AS m FROM raw.customers)
      SELECT id, m AS top FROM c`;
    expect(await reads(nested)).toEqual(["raw.orders.status (where) -> top"]);
  });

  test("a window's PARTITION BY / ORDER BY affect only its column, through a CTE and a rename", async () => {
    const sql = `WITH ranked AS (
        SELECT id, amount, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS rnk FROM raw.orders)
      SELECT id, amount, rnk AS r FROM ranked`;
    expect(await reads(sql)).toEqual([
      "raw.orders.customer_id (window_partition) -> r",
      "raw.orders.amount (window_order) -> r",
    ]);
  });

  test("a window column filtered on outside its CTE decides the rows: its reads then affect every column", async () => {
    const sql = `WITH ranked AS (SELECT id, amount, row_number() OVER (PARTITION BY customer_id ORDER BY ts) AS rn
        FROM raw.orders)
      SELECT id, amount FROM ranked WHERE rn = 1`;
    expect(await reads(sql)).toEqual([
      "raw.orders.customer_id (window_partition) -> id, amount",
      "raw.orders.ts (window_order) -> id, amount",
    ]);
  });

  test("a window column the outer query does not select decides nothing", async () => {
    const sql = `WITH ranked AS (SELECT id, rank() OVER (ORDER BY amount) AS rnk FROM raw.orders)
      SELECT id FROM ranked`;
    expect(await reads(sql)).toEqual([]);
  });

  test("the same read from a WHERE and a window: one entry per via, the window's only on its column", async () => {
    const sql = `SELECT id, rank() OVER (ORDER BY amount) AS r1, dense_rank() OVER (ORDER BY amount) AS r2
      FROM raw.orders WHERE amount > 0`;
    expect(await reads(sql)).toEqual([
      "raw.orders.amount (window_order) -> r1, r2",
      "raw.orders.amount (where) -> id, r1, r2",
    ]);
  });

  test("GROUP BY and HAVING affect every output column", async () => {
    const sql = `SELECT customer_id, sum(amount) AS total FROM raw.orders
      GROUP BY customer_id HAVING count(*) > 1 AND max(ts) > DATE '2024-01-01'`;
    expect(await reads(sql)).toEqual([
      "raw.orders.customer_id (group_by) -> customer_id, total",
      "raw.orders.ts (having) -> customer_id, total",
    ]);
  });

  test("GROUP BY ALL groups by the select items without an aggregate", async () => {
    const sql = `SELECT customer_id, upper(status) AS st, sum(amount) AS total, count(*) AS n
      FROM raw.orders GROUP BY ALL`;
    expect(await reads(sql)).toEqual([
      "raw.orders.customer_id (group_by) -> customer_id, st, total, n",
      "raw.orders.status (group_by) -> customer_id, st, total, n",
    ]);
  });

  test("QUALIFY affects every output column (its window included)", async () => {
    const sql = `SELECT id, amount FROM raw.orders
      QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY ts DESC) = 1`;
    expect(await reads(sql)).toEqual([
      "raw.orders.customer_id (qualify) -> id, amount",
      "raw.orders.ts (qualify) -> id, amount",
    ]);
  });

  test("each UNION branch's WHERE affects every output column", async () => {
    const sql = `SELECT id, amount FROM raw.orders WHERE status = 'paid'
      UNION ALL SELECT id, 0 FROM raw.customers WHERE country = 'NL'`;
    expect(await reads(sql)).toEqual([
      "raw.orders.status (where) -> id, amount",
      "raw.customers.country (where) -> id, amount",
    ]);
  });

  test("EXISTS and IN subqueries in WHERE: their columns (inner WHERE and correlation included) are where reads for all outputs", async () => {
    const exists = `SELECT c.id, c.name FROM raw.customers c
      WHERE EXISTS (SELECT 1 FROM raw.orders o WHERE o.customer_id = c.id AND o.status = 'paid')`;
    expect(await reads(exists)).toEqual([
      "raw.orders.customer_id (where) -> id, name",
      "raw.customers.id (where) -> id, name",
      "raw.orders.status (where) -> id, name",
    ]);
    const inList = `SELECT id, name FROM raw.customers
      WHERE id IN (SELECT customer_id FROM raw.orders WHERE amount > 100)`;
    expect(await reads(inList)).toEqual([
      "raw.orders.amount (where) -> id, name",
      "raw.customers.id (where) -> id, name",
      "raw.orders.customer_id (where) -> id, name",
    ]);
  });

  test("ORDER BY + LIMIT and DISTINCT in a subquery the rows come from affect every column", async () => {
    const sql = `SELECT t.id, t.amount FROM (SELECT DISTINCT ON (customer_id) id, amount FROM raw.orders
      ORDER BY customer_id, ts DESC) t ORDER BY amount DESC LIMIT 10`;
    expect(await reads(sql)).toEqual([
      "raw.orders.customer_id (distinct) -> id, amount",
      "raw.orders.amount (order_limit) -> id, amount",
    ]);
  });

  test("columns unknown (a * over an undeclared table): outputs are [] (read as every column)", async () => {
    expect(await reads("SELECT * FROM raw.events WHERE kind = 'click'", {})).toEqual([
      "raw.events.kind (where) -> []",
    ]);
  });

  test("a CTE nobody selects from is not lineage and not indirect, but its table is still a reference", async () => {
    const sql = `WITH unused AS (SELECT id FROM raw.orders WHERE status = 'x' ORDER BY ts LIMIT 1)
      SELECT id FROM raw.customers WHERE country = 'NL'`;
    const analysis = await analyze(parser(), sql, RAW);
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["raw.orders", "raw.customers"]);
    expect(await lineage(parser(), sql, RAW)).toEqual(["id <- raw.customers.id [direct]"]);
    expect(await reads(sql)).toEqual(["raw.customers.country (where) -> id"]);
  });
});
