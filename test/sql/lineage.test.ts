import { describe, expect, test } from "bun:test";
import { renderTransform } from "../../src/sql/transform.ts";
import { analyze, codes, lineage, type Schemas, useParser } from "./helpers.ts";

const parser = useParser();

const RAW: Schemas = {
  "raw.orders": ["id", "customer_id", "amount", "status", "ts"],
  "raw.customers": ["id", "name", "email", "country"],
};

describe("column lineage: single SELECT", () => {
  test("plain and renamed columns are direct; literals have no sources", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT id, name AS customer_name, 1 AS one, 'x' AS tag, NULL AS nothing FROM catalog.schema.customers",
      ),
    ).toEqual([
      "id <- catalog.schema.customers.id [direct]",
      "customer_name <- catalog.schema.customers.name [direct]",
      "one <- () [expression]",
      "tag <- () [expression]",
      "nothing <- () [expression]",
    ]);
  });

  test("CAST, TRY_CAST and :: are casts of their column", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT id, CAST(amount AS BIGINT) AS amount_int, amount::DOUBLE AS amount_d, TRY_CAST(id AS VARCHAR) AS id_s FROM a",
      ),
    ).toEqual([
      "id <- a.id [direct]",
      "amount_int <- a.amount [cast]",
      "amount_d <- a.amount [cast]",
      "id_s <- a.id [cast]",
    ]);
  });

  test("arithmetic, functions, CASE (conditions included) and COALESCE keep every source", async () => {
    expect(
      await lineage(
        parser(),
        `SELECT amount * 2 AS doubled, price - discount AS net,
                CASE WHEN status = 'paid' THEN amount ELSE 0 END AS paid_amount,
                CASE kind WHEN 1 THEN a1 WHEN 2 THEN a2 ELSE a3 END AS picked,
                COALESCE(NULL, nickname, name) AS display, CONCAT(first, ' ', last) AS full_name,
                -amount AS neg, (amount) AS paren, SUBSTRING(name, 1, 3) AS pfx, TRIM(name) AS t,
                EXTRACT(YEAR FROM ts) AS yr, ROUND(CAST(amount AS DOUBLE), 2) AS amt,
                CURRENT_TIMESTAMP AS now_ts, amount IS NULL AS missing, x BETWEEN lo AND hi AS inside
         FROM a`,
      ),
    ).toEqual([
      "doubled <- a.amount [expression]",
      "net <- a.price, a.discount [expression]",
      "paid_amount <- a.status, a.amount [expression]",
      "picked <- a.kind, a.a1, a.a2, a.a3 [expression]",
      "display <- a.nickname, a.name [expression]",
      "full_name <- a.first, a.last [expression]",
      "neg <- a.amount [expression]",
      "paren <- a.amount [direct]",
      "pfx <- a.name [expression]",
      "t <- a.name [expression]",
      "yr <- a.ts [expression]",
      "amt <- a.amount [expression]",
      "now_ts <- () [expression]",
      "missing <- a.amount [expression]",
      "inside <- a.x, a.lo, a.hi [expression]",
    ]);
  });

  test("aggregates: named by function, COUNT(*) has no sources, GROUP BY/HAVING are not sources", async () => {
    expect(
      await lineage(
        parser(),
        `SELECT customer_id, SUM(amount) AS total, COUNT(*) AS n, COUNT(order_id) AS n2,
                COUNT(DISTINCT order_id) AS n3, CAST(SUM(amount) AS BIGINT) AS total_int,
                SUM(amount) / COUNT(*) AS avg_amount, count(*) FILTER (WHERE status = 'x') AS nx
         FROM orders GROUP BY customer_id HAVING SUM(fee) > 0`,
      ),
    ).toEqual([
      "customer_id <- orders.customer_id [direct]",
      "total <- orders.amount [aggregation: sum]",
      "n <- () [aggregation: count]",
      "n2 <- orders.order_id [aggregation: count]",
      "n3 <- orders.order_id [aggregation: count]",
      "total_int <- orders.amount [aggregation: sum]",
      "avg_amount <- orders.amount [aggregation: sum]",
      "nx <- orders.status [aggregation: count]",
    ]);
  });

  test("FILTER (WHERE c) is a value source; ordered-set aggregates take their argument from ORDER BY", async () => {
    expect(
      await lineage(
        parser(),
        `SELECT sum(amount) FILTER (WHERE status = 'paid') AS paid,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median,
                percentile_disc(0.9) WITHIN GROUP (ORDER BY fee DESC) AS p90,
                mode() WITHIN GROUP (ORDER BY status) AS common,
                string_agg(name, ',' ORDER BY ts) AS names,
                list(name ORDER BY ts) AS name_list,
                array_agg(name ORDER BY ts) FILTER (WHERE kind = 1) AS ones
         FROM orders`,
      ),
    ).toEqual([
      "paid <- orders.amount, orders.status [aggregation: sum]",
      "median <- orders.amount [aggregation: quantile_cont]",
      "p90 <- orders.fee [aggregation: quantile_disc]",
      "common <- orders.status [aggregation: mode]",
      "names <- orders.name [aggregation: string_agg]",
      "name_list <- orders.name [aggregation: list]",
      "ones <- orders.name, orders.kind [aggregation: array_agg]",
    ]);
  });

  test("window functions: arguments are sources, PARTITION BY / ORDER BY are not", async () => {
    expect(
      await lineage(
        parser(),
        `SELECT id,
                SUM(amount) OVER (PARTITION BY customer_id ORDER BY ts) AS running,
                LAG(amount, 1, fallback) OVER (ORDER BY ts) AS prev,
                FIRST_VALUE(status) OVER (PARTITION BY customer_id ORDER BY ts) AS first_status,
                ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY ts DESC) AS rn,
                COUNT(*) OVER () AS n_all
         FROM a`,
      ),
    ).toEqual([
      "id <- a.id [direct]",
      "running <- a.amount [window: sum]",
      "prev <- a.amount, a.fallback [window: lag]",
      "first_status <- a.status [window: first_value]",
      "rn <- () [window: row_number]",
      "n_all <- () [window: count]",
    ]);
  });

  test("WHERE, JOIN ON, QUALIFY, ORDER BY and DISTINCT do not add sources", async () => {
    expect(
      await lineage(
        parser(),
        `SELECT DISTINCT o.id FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id
         WHERE c.country = 'NL' QUALIFY ROW_NUMBER() OVER (PARTITION BY o.status ORDER BY o.ts) = 1 ORDER BY o.amount`,
        RAW,
      ),
    ).toEqual(["id <- raw.orders.id [direct]"]);
  });

  test("GROUP BY ALL", async () => {
    expect(
      await lineage(parser(), "SELECT status, max(ts) AS last_ts FROM raw.orders GROUP BY ALL", RAW),
    ).toEqual(["status <- raw.orders.status [direct]", "last_ts <- raw.orders.ts [aggregation: max]"]);
  });

  test("unaliased expressions get DuckDB's own column names", async () => {
    expect(await lineage(parser(), "SELECT a + 1, count(*), upper(b), a::BIGINT, t.c FROM t")).toEqual([
      "(a + 1) <- t.a [expression]",
      "count_star() <- () [aggregation: count]",
      "upper(b) <- t.b [expression]",
      "CAST(a AS BIGINT) <- t.a [cast]",
      "c <- t.c [direct]",
    ]);
  });

  test("select-list aliases can be used by later items (lateral aliases)", async () => {
    expect(
      await lineage(parser(), "SELECT amount * 2 AS doubled, doubled + fee AS total FROM raw.orders2"),
    ).toEqual([
      "doubled <- raw.orders2.amount [expression]",
      "total <- raw.orders2.amount, raw.orders2.fee [expression]",
    ]);
  });

  test("struct field access traces to the struct column", async () => {
    expect(
      await lineage(parser(), "SELECT payload.user.id AS uid FROM events", { events: ["payload", "ts"] }),
    ).toEqual(["uid <- events.payload [expression]"]);
  });
});

describe("column lineage: joins and name resolution", () => {
  test("aliases resolve to the table parts as referenced; join keys are not sources", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT o.order_id, c.name FROM catalog.schema.orders o JOIN catalog.schema.customers c ON o.customer_id = c.id",
      ),
    ).toEqual([
      "order_id <- catalog.schema.orders.order_id [direct]",
      "name <- catalog.schema.customers.name [direct]",
    ]);
  });

  test("a qualifier may be the table name or its schema-qualified name", async () => {
    expect(await lineage(parser(), "SELECT orders.id, raw.orders.amount FROM raw.orders")).toEqual([
      "id <- raw.orders.id [direct]",
      "amount <- raw.orders.amount [direct]",
    ]);
  });

  test("unqualified columns with several tables resolve through known columns", async () => {
    const analysis = await analyze(
      parser(),
      "SELECT o.id, status, name FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id",
      RAW,
    );
    expect(analysis.columns?.map((c) => `${c.name}:${c.sources.map((s) => s.table.join("."))}`)).toEqual([
      "id:raw.orders",
      "status:raw.orders",
      "name:raw.customers",
    ]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("one table with unknown columns takes the columns the known tables lack", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT status, name FROM raw.orders o JOIN stg_customers c ON o.customer_id = c.id",
        {
          "raw.orders": RAW["raw.orders"] as string[],
        },
      ),
    ).toEqual(["status <- raw.orders.status [direct]", "name <- stg_customers.name [direct]"]);
  });

  test("unknown columns with several unknown tables: warning, every candidate listed", async () => {
    const analysis = await analyze(
      parser(),
      "SELECT o.id, status FROM orders o JOIN customers c ON o.cid = c.id",
    );
    expect(analysis.columns?.map((c) => c.sources.map((s) => `${s.table.join(".")}.${s.column}`))).toEqual([
      ["orders.id"],
      ["orders.status", "customers.status"],
    ]);
    expect(codes(analysis)).toEqual(["W011"]);
    expect(analysis.diagnostics[0]?.offset).toBe("SELECT o.id, ".length);
  });

  test("ambiguous known column: warning", async () => {
    const analysis = await analyze(
      parser(),
      "SELECT id FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id",
      RAW,
    );
    expect(codes(analysis)).toEqual(["W011"]);
    expect(analysis.columns?.[0]?.sources.length).toBe(2);
  });

  test("USING columns are not ambiguous and * shows them once", async () => {
    const schemas: Schemas = { a: ["id", "x"], b: ["id", "y"] };
    const analysis = await analyze(parser(), "SELECT * FROM a JOIN b USING (id)", schemas);
    expect(analysis.columns?.map((c) => `${c.name}<-${c.sources.map((s) => s.table.join("."))}`)).toEqual([
      "id<-a",
      "x<-a",
      "y<-b",
    ]);
    expect(await lineage(parser(), "SELECT id, y FROM a JOIN b USING (id)", schemas)).toEqual([
      "id <- a.id [direct]",
      "y <- b.y [direct]",
    ]);
  });

  test("NATURAL JOIN: * shows the common columns once", async () => {
    expect(
      await lineage(parser(), "SELECT * FROM a NATURAL JOIN b", { a: ["id", "x"], b: ["y", "id"] }),
    ).toEqual(["id <- a.id [direct]", "x <- a.x [direct]", "y <- b.y [direct]"]);
  });

  test("a table name used as a column is the whole row", async () => {
    expect(await lineage(parser(), "SELECT t AS row_struct FROM t", { t: ["a", "b"] })).toEqual([
      "row_struct <- t.a, t.b [expression]",
    ]);
  });

  test("LATERAL subqueries see the preceding tables", async () => {
    expect(
      await lineage(parser(), "SELECT l.x FROM a, LATERAL (SELECT a.y * 2 AS x) l", { a: ["y"] }),
    ).toEqual(["x <- a.y [expression]"]);
  });

  test("FULL JOIN USING: the joined column comes from both sides", async () => {
    expect(
      await lineage(parser(), "SELECT id, y FROM a FULL OUTER JOIN b USING (id)", {
        a: ["id", "x"],
        b: ["id", "y"],
      }),
    ).toEqual(["id <- a.id, b.id [direct]", "y <- b.y [direct]"]);
    // Unknown columns on both sides: still one column, no ambiguity warning.
    const analysis = await analyze(parser(), "SELECT id FROM a JOIN b USING (id)");
    expect(analysis.columns?.map((c) => c.sources.map((s) => `${s.table}.${s.column}`))).toEqual([["a.id"]]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("positional references #n", async () => {
    expect(await lineage(parser(), "SELECT #2 AS second FROM raw.customers", RAW)).toEqual([
      "second <- raw.customers.name [direct]",
    ]);
  });

  test("a column no table has is a warning with its offset", async () => {
    const analysis = await analyze(parser(), "SELECT id, nope FROM raw.orders", RAW);
    expect(analysis.columns?.map((c) => c.name)).toEqual(["id", "nope"]);
    expect(codes(analysis)).toEqual(["W012"]);
    expect(analysis.diagnostics[0]?.offset).toBe(11);
  });

  test("column names take the table's spelling when columns are known", async () => {
    expect(await lineage(parser(), "SELECT ID, o.Amount FROM raw.orders o", RAW)).toEqual([
      "ID <- raw.orders.id [direct]",
      "Amount <- raw.orders.amount [direct]",
    ]);
  });
});

describe("column lineage: CTEs, subqueries, set operations", () => {
  test("CTE chains are traced to the real tables and are not table refs", async () => {
    const sql = `WITH base AS (SELECT id, amount::DOUBLE AS amt, customer_id FROM raw.orders WHERE status <> 'void'),
      agg AS (SELECT customer_id, SUM(amt) AS total FROM base GROUP BY customer_id)
      SELECT c.name, agg.total, agg.total * 1.2 AS gross FROM agg JOIN raw.customers c ON c.id = agg.customer_id`;
    const analysis = await analyze(parser(), sql, RAW);
    expect(
      analysis.columns?.map(
        (c) =>
          `${c.name} <- ${c.sources.map((s) => `${s.table.join(".")}.${s.column}`)} [${renderTransform(c.transform)}]`,
      ),
    ).toEqual([
      "name <- raw.customers.name [direct]",
      "total <- raw.orders.amount [aggregation: sum]",
      "gross <- raw.orders.amount [aggregation: sum]",
    ]);
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["raw.orders", "raw.customers"]);
  });

  test("a CTE that selects from a table of the same name reads the table", async () => {
    const analysis = await analyze(
      parser(),
      "WITH orders AS (SELECT id, amount FROM orders) SELECT id, amount FROM orders",
    );
    expect(
      analysis.columns?.map((c) => `${c.name}<-${c.sources.map((s) => `${s.table.join(".")}.${s.column}`)}`),
    ).toEqual(["id<-orders.id", "amount<-orders.amount"]);
    expect(analysis.tableRefs).toEqual([{ parts: ["orders"], start: 39, end: 45 }]);
  });

  test("a CTE sees only the CTEs before it", async () => {
    const analysis = await analyze(
      parser(),
      "WITH a AS (SELECT id FROM b), b AS (SELECT id FROM raw.orders) SELECT a.id, b.id AS bid FROM a, b",
    );
    expect(analysis.tableRefs.map((r) => r.parts.join("."))).toEqual(["b", "raw.orders"]);
    expect(
      analysis.columns?.map(
        (c) => `${c.name} <- ${c.sources.map((x) => `${x.table.join(".")}.${x.column}`)}`,
      ),
    ).toEqual(["id <- b.id", "bid <- raw.orders.id"]);
  });

  test("CTE column aliases and nested WITH shadowing", async () => {
    expect(
      await lineage(
        parser(),
        "WITH c(x, y) AS (SELECT id, amount FROM raw.orders) SELECT x, (WITH c AS (SELECT 1 AS x) SELECT max(x) FROM c) AS one, y FROM c",
        RAW,
      ),
    ).toEqual([
      "x <- raw.orders.id [direct]",
      "one <- () [aggregation: max]",
      "y <- raw.orders.amount [direct]",
    ]);
  });

  test("FROM-subqueries with aliases and column aliases", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT t.a, b FROM (SELECT id AS a, sum(amount) AS b FROM raw.orders GROUP BY 1) AS t",
        RAW,
      ),
    ).toEqual(["a <- raw.orders.id [direct]", "b <- raw.orders.amount [aggregation: sum]"]);
    expect(
      await lineage(parser(), "SELECT p, q FROM (SELECT id, amount FROM raw.orders) t(p, q)", RAW),
    ).toEqual(["p <- raw.orders.id [direct]", "q <- raw.orders.amount [direct]"]);
  });

  test("UNION ALL is positional: names from the first branch, sources from every branch", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT id, amount AS value FROM raw.orders UNION ALL SELECT id, CAST(email AS DOUBLE) FROM raw.customers",
        RAW,
      ),
    ).toEqual([
      "id <- raw.orders.id, raw.customers.id [direct]",
      "value <- raw.orders.amount, raw.customers.email [cast]",
    ]);
  });

  test("INTERSECT and EXCEPT, nested, inside a CTE", async () => {
    expect(
      await lineage(
        parser(),
        "WITH s AS (SELECT a FROM t1 INTERSECT SELECT b FROM t2 EXCEPT SELECT c FROM t3) SELECT a AS k FROM s",
      ),
    ).toEqual(["k <- t1.a, t2.b, t3.c [direct]"]);
  });

  test("UNION BY NAME merges by name", async () => {
    expect(
      await lineage(parser(), "SELECT id, name FROM a UNION ALL BY NAME SELECT email, id FROM b", {
        a: ["id", "name"],
        b: ["email", "id"],
      }),
    ).toEqual(["id <- a.id, b.id [direct]", "name <- a.name [direct]", "email <- b.email [direct]"]);
  });

  test("scalar subqueries in the select list are sources; correlation keys are not", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT o.id, (SELECT max(c.name) FROM raw.customers c WHERE c.id = o.customer_id) AS cname, EXISTS (SELECT 1 FROM raw.customers c2 WHERE c2.id = o.id) AS known FROM raw.orders o",
        RAW,
      ),
    ).toEqual([
      "id <- raw.orders.id [direct]",
      "cname <- raw.customers.name [aggregation: max]",
      "known <- () [expression]",
    ]);
  });

  test("IN (subquery) as a value depends on both sides", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT customer_id IN (SELECT id FROM raw.customers) AS known FROM raw.orders",
        RAW,
      ),
    ).toEqual(["known <- raw.orders.customer_id, raw.customers.id [expression]"]);
  });

  test("recursive CTEs reach a fixpoint; each table is one reference", async () => {
    const sql =
      "WITH RECURSIVE r(n, p) AS (SELECT id, parent FROM nodes UNION ALL SELECT n + step, p FROM r JOIN steps ON true) SELECT n, p FROM r";
    const schemas = { nodes: ["id", "parent"], steps: ["step"] };
    expect(await lineage(parser(), sql, schemas)).toEqual([
      "n <- nodes.id, steps.step [expression]",
      "p <- nodes.parent [direct]",
    ]);
    const analysis = await analyze(parser(), sql, schemas);
    expect(analysis.tableRefs.map((r) => sql.slice(r.start, r.end))).toEqual(["nodes", "steps"]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("VALUES and UNNEST", async () => {
    expect(
      await lineage(parser(), "SELECT v.k, v.label FROM (VALUES (1, 'a'), (2, 'b')) v(k, label)"),
    ).toEqual(["k <- () [expression]", "label <- () [expression]"]);
    expect(
      await lineage(parser(), "SELECT t.id, tag FROM t, unnest(t.tags) AS u(tag)", { t: ["id", "tags"] }),
    ).toEqual(["id <- t.id [direct]", "tag <- t.tags [expression]"]);
  });
});

describe("column lineage: stars", () => {
  test("* over a known table and over a CTE", async () => {
    expect(await lineage(parser(), "SELECT * FROM raw.customers", RAW)).toEqual([
      "id <- raw.customers.id [direct]",
      "name <- raw.customers.name [direct]",
      "email <- raw.customers.email [direct]",
      "country <- raw.customers.country [direct]",
    ]);
    expect(
      await lineage(
        parser(),
        "WITH c AS (SELECT id, upper(name) AS n FROM raw.customers) SELECT *, 1 AS one FROM c",
        RAW,
      ),
    ).toEqual([
      "id <- raw.customers.id [direct]",
      "n <- raw.customers.name [expression]",
      "one <- () [expression]",
    ]);
  });

  test("t.* expands only that table; star columns keep SQL order", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT c.name AS cname, o.* FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id",
        RAW,
      ),
    ).toEqual([
      "cname <- raw.customers.name [direct]",
      "id <- raw.orders.id [direct]",
      "customer_id <- raw.orders.customer_id [direct]",
      "amount <- raw.orders.amount [direct]",
      "status <- raw.orders.status [direct]",
      "ts <- raw.orders.ts [direct]",
    ]);
  });

  test("* EXCLUDE, REPLACE and RENAME", async () => {
    expect(
      await lineage(
        parser(),
        "SELECT * EXCLUDE (email, country) REPLACE (upper(name) AS name) FROM raw.customers",
        RAW,
      ),
    ).toEqual(["id <- raw.customers.id [direct]", "name <- raw.customers.name [expression]"]);
    expect(await lineage(parser(), "SELECT * RENAME (name AS full_name) FROM raw.customers", RAW)).toEqual([
      "id <- raw.customers.id [direct]",
      "full_name <- raw.customers.name [direct]",
      "email <- raw.customers.email [direct]",
      "country <- raw.customers.country [direct]",
    ]);
  });

  test("COLUMNS('regex')", async () => {
    expect(await lineage(parser(), "SELECT COLUMNS('^(id|name)$') FROM raw.customers", RAW)).toEqual([
      "id <- raw.customers.id [direct]",
      "name <- raw.customers.name [direct]",
    ]);
  });

  test("* over a table with unknown columns: columns unavailable, never empty, W010 names the table", async () => {
    const analysis = await analyze(parser(), "SELECT * FROM raw.events");
    expect(analysis.columns).toBeUndefined();
    expect(analysis.diagnostics).toHaveLength(1);
    expect(analysis.diagnostics[0]).toMatchObject({ severity: "Warning", code: "W010" });
    expect(analysis.diagnostics[0]?.message).toContain("raw.events");
    expect(analysis.diagnostics[0]?.offset).toBe("SELECT ".length);
    expect(analysis.tableRefs).toEqual([{ parts: ["raw", "events"], start: 14, end: 24 }]);
  });

  test("an unexpandable * inside a CTE still lets explicit outer columns trace by name", async () => {
    const analysis = await analyze(
      parser(),
      "WITH src AS (SELECT * FROM raw.events), renamed AS (SELECT *, ts::DATE AS day FROM src) SELECT id, day FROM renamed",
    );
    expect(
      analysis.columns?.map(
        (c) =>
          `${c.name} <- ${c.sources.map((s) => `${s.table.join(".")}.${s.column}`)} [${renderTransform(c.transform)}]`,
      ),
    ).toEqual(["id <- raw.events.id [direct]", "day <- raw.events.ts [cast]"]);
    expect(analysis.diagnostics).toEqual([]);
  });

  test("an unexpandable * that reaches the output through a CTE names the base table", async () => {
    const analysis = await analyze(parser(), "WITH src AS (SELECT * FROM raw.events) SELECT * FROM src");
    expect(analysis.columns).toBeUndefined();
    expect(analysis.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W010", "cannot expand * over raw.events: its columns are unknown"],
    ]);
  });

  test("* over a table function cannot be expanded", async () => {
    const analysis = await analyze(parser(), "SELECT * FROM read_csv('x.csv')");
    expect(analysis.columns).toBeUndefined();
    expect(codes(analysis)).toEqual(["W010"]);
    expect(analysis.tableRefs).toEqual([]);
  });

  test("t.* naming no FROM item, and COLUMNS(lambda): unavailable, with the reason and offset", async () => {
    const unmatched = await analyze(parser(), "SELECT c.* FROM raw.orders o", RAW);
    expect(unmatched.columns).toBeUndefined();
    expect(unmatched.diagnostics).toEqual([
      {
        severity: "Warning",
        code: "W010",
        message: "cannot expand c.*: no table in its FROM clause has that name",
        offset: 7,
        suggestion: "list the columns explicitly",
      },
    ]);
    const lambda = await analyze(parser(), "SELECT id, COLUMNS(c -> c LIKE 'a%') FROM raw.orders", RAW);
    expect(lambda.columns).toBeUndefined();
    expect(codes(lambda)).toEqual(["W015"]);
    const inExpression = await analyze(parser(), "SELECT min(COLUMNS(*)) FROM raw.orders", RAW);
    expect(inExpression.columns).toBeUndefined();
    expect(codes(inExpression)).toEqual(["W015"]);
  });

  test("a repeated output name gets DuckDB's de-duplicated name (a_1), with a warning", async () => {
    const analysis = await analyze(parser(), "SELECT *, CAST(id AS VARCHAR) AS id FROM a", {
      a: ["id", "name"],
    });
    expect(analysis.columns?.map((c) => `${c.name}:${renderTransform(c.transform)}`)).toEqual([
      "id:direct",
      "name:direct",
      "id_1:cast",
    ]);
    expect(codes(analysis)).toEqual(["W013"]);
    expect(analysis.diagnostics[0]?.message).toContain('DuckDB names this one "id_1"');
    // The offset of the second "id" (DuckDB locates a CAST at its CAST keyword).
    expect(analysis.diagnostics[0]?.offset).toBe("SELECT *, ".length);
  });
});

test("repeated names: counted per name, skipping names already taken (checked against DuckDB's CREATE TABLE AS)", async () => {
  expect(await lineage(parser(), "SELECT 1 AS a, 2 AS b, 3 AS a, 4 AS A, x AS a_1 FROM t")).toEqual([
    "a <- () [expression]",
    "b <- () [expression]",
    "a_1 <- () [expression]",
    "A_2 <- () [expression]",
    "a_1_1 <- t.x [direct]",
  ]);
  expect((await lineage(parser(), "SELECT 1 AS a_1, 2 AS a, 3 AS a")).map((l) => l.split(" ")[0])).toEqual([
    "a_1",
    "a",
    "a_2",
  ]);
  // A * over a subquery or CTE with a repeated name builds a, a_1 too.
  for (const sql of [
    "SELECT * FROM (SELECT 1 AS a, x AS a FROM t)",
    "WITH c AS (SELECT 1 AS a, x AS a FROM t) SELECT * FROM c",
  ]) {
    expect(await lineage(parser(), sql)).toEqual(["a <- () [expression]", "a_1 <- t.x [direct]"]);
  }
});

describe("errors", () => {
  test("a parse error makes columns unavailable, with E001 and the offset", async () => {
    const analysis = await analyze(parser(), "SELECT a, FROM WHERE");
    expect(analysis.columns).toBeUndefined();
    expect(analysis.tableRefs).toEqual([]);
    expect(analysis.diagnostics).toHaveLength(1);
    expect(analysis.diagnostics[0]).toMatchObject({ severity: "Error", code: "E001" });
    expect(analysis.diagnostics[0]?.offset).toBe("SELECT a, FROM ".length);
  });

  test("non-SELECT statements, empty SQL and several statements", async () => {
    const create = await analyze(parser(), "CREATE TABLE x AS SELECT 1");
    expect(create.columns).toBeUndefined();
    expect(codes(create)).toEqual(["E001"]);
    const empty = await analyze(parser(), "  -- nothing here\n");
    expect(empty.columns).toBeUndefined();
    expect(codes(empty)).toEqual(["E002"]);
    const two = await analyze(parser(), "SELECT 1 FROM a; SELECT 2 FROM b");
    expect(two.columns).toBeUndefined();
    expect(codes(two)).toEqual(["E003"]);
    expect(two.tableRefs.map((r) => r.parts[0])).toEqual(["a", "b"]);
  });
});

/** Values DuckDB's AST keeps in unusual slots (issue 12 audit), each checked by hand. */
const AUDIT_SCHEMAS: Schemas = { t: ["id", "xs", "k", "v", "ts", "g", "s"], u: ["id", "ts", "w"] };
const AUDIT: [construct: string, sql: string, expected: string[]][] = [
  [
    "list comprehension and lambda (x is a parameter)",
    "SELECT [x * k FOR x IN xs] AS lc, list_transform(xs, x -> x + v) AS lt FROM t",
    ["lc <- t.xs, t.k [expression]", "lt <- t.xs, t.v [expression]"],
  ],
  [
    "struct_pack and {'k': v}",
    "SELECT struct_pack(a := k, b := v) AS sp, {'k': k, 'v2': v} AS sl FROM t",
    ["sp <- t.k, t.v [expression]", "sl <- t.k, t.v [expression]"],
  ],
  ["unnest in the select list", "SELECT unnest(xs) AS e FROM t", ["e <- t.xs [expression]"]],
  ["unnest in FROM with a column alias", "SELECT e FROM t, unnest(xs) AS r(e)", ["e <- t.xs [expression]"]],
  [
    "GROUPING SETS",
    "SELECT g, k, sum(v) AS total FROM t GROUP BY GROUPING SETS ((g), (k))",
    ["g <- t.g [direct]", "k <- t.k [direct]", "total <- t.v [aggregation: sum]"],
  ],
  [
    "ROLLUP",
    "SELECT g, sum(v) AS total FROM t GROUP BY ROLLUP (g)",
    ["g <- t.g [direct]", "total <- t.v [aggregation: sum]"],
  ],
  [
    "CUBE",
    "SELECT g, sum(v) AS total FROM t GROUP BY CUBE (g, k)",
    ["g <- t.g [direct]", "total <- t.v [aggregation: sum]"],
  ],
  [
    "recursive CTE: the seed's column, computed in the recursive branch",
    "WITH RECURSIVE r(n) AS (SELECT id FROM t UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r",
    ["n <- t.id [expression]"],
  ],
  [
    "LATERAL: the correlation key is not a source",
    "SELECT t.id, l.m FROM t, LATERAL (SELECT max(w) AS m FROM u WHERE u.id = t.id) AS l",
    ["id <- t.id [direct]", "m <- u.w [aggregation: max]"],
  ],
  [
    "ASOF JOIN",
    "SELECT t.id, u.w FROM t ASOF JOIN u ON t.id = u.id AND t.ts >= u.ts",
    ["id <- t.id [direct]", "w <- u.w [direct]"],
  ],
  [
    "POSITIONAL JOIN",
    "SELECT t.id, u.w FROM t POSITIONAL JOIN u",
    ["id <- t.id [direct]", "w <- u.w [direct]"],
  ],
  [
    "VALUES with DuckDB's col0, col1",
    "SELECT col0 AS a, col1 AS b FROM (VALUES (1, 'x')) AS v",
    ["a <- () [expression]", "b <- () [expression]"],
  ],
  [
    "VALUES with column aliases",
    "SELECT a, b FROM (VALUES (1, 'x')) AS v(a, b)",
    ["a <- () [expression]", "b <- () [expression]"],
  ],
  [
    "generate_series over literals",
    "SELECT generate_series AS n FROM generate_series(1, 3)",
    ["n <- () [expression]"],
  ],
  ["COLUMNS('regex')", "SELECT COLUMNS('^(k|v)$') FROM t", ["k <- t.k [direct]", "v <- t.v [direct]"]],
  [
    "QUALIFY: its window's columns are not sources",
    "SELECT id, v FROM t QUALIFY row_number() OVER (PARTITION BY g ORDER BY ts) = 1",
    ["id <- t.id [direct]", "v <- t.v [direct]"],
  ],
  [
    "DISTINCT ON: its key is not a source",
    "SELECT DISTINCT ON (g) g, v FROM t ORDER BY g, ts",
    ["g <- t.g [direct]", "v <- t.v [direct]"],
  ],
];

describe("column lineage: unusual AST slots (audit)", () => {
  test.each(AUDIT)("%s", async (_construct, sql, expected) => {
    expect(await lineage(parser(), sql, AUDIT_SCHEMAS)).toEqual(expected);
  });
});

/** `table.column (via)`: one line per indirect read, in order of appearance. */
async function indirect(sql: string, schemas: Schemas = RAW): Promise<string[]> {
  const analysis = await analyze(parser(), sql, schemas);
  return (analysis.indirect ?? []).map((r) => `${r.table.join(".")}.${r.column} (${r.via})`);
}

describe("indirect lineage (SPEC 15): columns that decide rows, grouping and order", () => {
  test("a WHERE inside a CTE resolves to the table, and the outer WHERE through the CTE", async () => {
    const sql = `WITH paid AS (SELECT id, amount AS amt, status AS st FROM raw.orders WHERE status = 'paid')
      SELECT id FROM paid WHERE amt > 10`;
    expect(await indirect(sql)).toEqual(["raw.orders.status (where)", "raw.orders.amount (where)"]);
    // Value edges are unchanged.
    expect(await lineage(parser(), sql, RAW)).toEqual(["id <- raw.orders.id [direct]"]);
  });

  test("JOIN ON reads both keys; JOIN USING reads the key of both sides", async () => {
    expect(
      await indirect("SELECT o.id, c.name FROM raw.orders o JOIN raw.customers c ON o.customer_id = c.id"),
    ).toEqual(["raw.orders.customer_id (join)", "raw.customers.id (join)"]);
    expect(await indirect("SELECT a.v FROM a JOIN b USING (k)", { a: ["k", "v"], b: ["k", "w"] })).toEqual([
      "a.k (join)",
      "b.k (join)",
    ]);
  });

  test("GROUP BY (by name, by position and through a subquery) and HAVING", async () => {
    expect(
      await indirect(
        `SELECT s, sum(a) AS total FROM (SELECT status AS s, amount AS a FROM raw.orders) q
        GROUP BY s HAVING count(DISTINCT customer_id) > 1`,
        {
          "raw.orders": RAW["raw.orders"] as string[],
        },
      ),
    ).toEqual(["raw.orders.status (group_by)"]);
    expect(
      await indirect(
        "SELECT customer_id, max(ts) AS last_ts FROM raw.orders GROUP BY 1 HAVING sum(amount) > 0",
      ),
    ).toEqual(["raw.orders.customer_id (group_by)", "raw.orders.amount (having)"]);
  });

  test("a window's PARTITION BY and ORDER BY, QUALIFY, LIMIT's ORDER BY and DISTINCT ON", async () => {
    expect(
      await indirect(
        "SELECT id, rank() OVER (PARTITION BY customer_id ORDER BY amount) AS r FROM raw.orders",
      ),
    ).toEqual(["raw.orders.customer_id (window_partition)", "raw.orders.amount (window_order)"]);
    expect(
      await indirect(
        "SELECT id FROM raw.orders QUALIFY row_number() OVER (PARTITION BY status ORDER BY ts) = 1",
      ),
    ).toEqual(["raw.orders.status (qualify)", "raw.orders.ts (qualify)"]);
    expect(await indirect("SELECT id FROM raw.orders ORDER BY ts DESC LIMIT 5")).toEqual([
      "raw.orders.ts (order_limit)",
    ]);
    // ORDER BY alone changes no row: not indirect.
    expect(await indirect("SELECT id FROM raw.orders ORDER BY ts")).toEqual([]);
    expect(
      await indirect("SELECT DISTINCT ON (customer_id) id FROM raw.orders ORDER BY customer_id, ts"),
    ).toEqual(["raw.orders.customer_id (distinct)"]);
  });

  test("a WHERE subquery: its key decides the rows; lambda parameters are not columns", async () => {
    expect(
      await indirect(
        "SELECT id FROM raw.orders WHERE customer_id IN (SELECT id FROM raw.customers WHERE country = 'NL')",
      ),
    ).toEqual([
      "raw.customers.country (where)",
      "raw.orders.customer_id (where)",
      "raw.customers.id (where)",
    ]);
    expect(
      await indirect("SELECT k FROM t WHERE len(list_filter(xs, x -> x > lim)) > 0", {
        t: ["k", "xs", "lim", "x"],
      }),
    ).toEqual(["t.xs (where)", "t.lim (where)"]);
  });

  test("unknown columns in a filter stay undiagnosed, as before", async () => {
    const analysis = await analyze(parser(), "SELECT id FROM raw.orders WHERE nope = 1", RAW);
    expect(codes(analysis)).toEqual([]);
    expect(analysis.indirect).toBeUndefined();
  });
});
