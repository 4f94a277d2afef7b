/**
 * Models in Snowflake, BigQuery and Databricks SQL (SPEC §14): each construct of issue 11
 * analysed in its dialect, lineage checked by hand; references found in the user's text.
 */
import { describe, expect, test } from "bun:test";
import { analyzeInDialect } from "../../src/sql/dialect-analysis.ts";
import { dialectParser, fixTranspiled } from "../../src/sql/dialect.ts";
import { normalizeForDuckDb } from "../../src/sql/dialect-normalize.ts";
import type { ModelAnalysis, SqlDialect } from "../../src/sql/types.ts";
import { describeColumn, type Schemas, useParser } from "./helpers.ts";

const parser = useParser();

async function analyse(dialect: SqlDialect, sql: string, schemas: Schemas = {}): Promise<ModelAnalysis> {
  const [parsed] = await dialectParser(parser()).parseMany([sql], [dialect]);
  if (!parsed) throw new Error("no parse result");
  return analyzeInDialect(sql, parsed, (t) => schemas[t.join(".")], dialect);
}

/** Lineage lines, failing with the diagnostics when the model is unavailable. */
async function lineage(dialect: SqlDialect, sql: string, schemas: Schemas = {}): Promise<string[]> {
  const a = await analyse(dialect, sql, schemas);
  if (!a.columns) throw new Error(a.diagnostics.map((d) => `${d.code} ${d.message}`).join("; "));
  return a.columns.map(describeColumn);
}

/** The text of each table reference in the user's SQL, by its span. */
async function refTexts(dialect: SqlDialect, sql: string): Promise<string[]> {
  const a = await analyse(dialect, sql);
  return a.tableRefs.map((r) => sql.slice(r.start, r.end));
}

describe("snowflake", () => {
  const EVENTS: Schemas = { "RAW.EVENTS": ["ID", "PAYLOAD", "ITEMS", "TS", "NAME", "AMOUNT"] };

  test("col:path.to and col:a::string read the column (not DuckDB's `alias: expr`)", async () => {
    expect(
      await lineage(
        "snowflake",
        "SELECT payload:customer.name::string AS customer_name, payload:a.b AS ab, payload:items[0].sku AS sku FROM raw.events",
        EVENTS,
      ),
    ).toEqual([
      "CUSTOMER_NAME <- RAW.EVENTS.PAYLOAD [expression]",
      "AB <- RAW.EVENTS.PAYLOAD [expression]",
      "SKU <- RAW.EVENTS.PAYLOAD [expression]",
    ]);
  });

  test("a path after a call, spaced and chained (`f(…) :a :b`), after a computed subscript, with `{}` inside", async () => {
    const sql =
      'SELECT live.udf_api(\'GET\', {}, e.payload) :data :result :: INT AS n, e.payload:items[e.payload:i::int]::string AS item\nFROM raw.events e JOIN "RAW"."Other" o ON o.id = e.id';
    expect(await lineage("snowflake", sql, { ...EVENTS, "RAW.Other": ["id"] })).toEqual([
      "N <- RAW.EVENTS.PAYLOAD [expression]",
      "ITEM <- RAW.EVENTS.PAYLOAD [expression]",
    ]);
    expect(await refTexts("snowflake", sql)).toEqual(["raw.events", '"RAW"."Other"']);
  });

  test("::VARIANT / ::OBJECT / ::ARRAY casts", async () => {
    expect(
      await lineage(
        "snowflake",
        "SELECT id::variant AS v, payload::object AS o, items::array AS a, CAST(items AS ARRAY) AS a2, payload:x::number(10, 2) AS n FROM raw.events",
        EVENTS,
      ),
    ).toEqual([
      "V <- RAW.EVENTS.ID [cast]",
      "O <- RAW.EVENTS.PAYLOAD [cast]",
      "A <- RAW.EVENTS.ITEMS [cast]",
      "A2 <- RAW.EVENTS.ITEMS [cast]",
      "N <- RAW.EVENTS.PAYLOAD [expression]",
    ]);
  });

  test("LATERAL FLATTEN(input => …): f.value and f.index come from the flattened column", async () => {
    expect(
      await lineage(
        "snowflake",
        "SELECT e.id, f.value:sku::string AS sku, f.index AS pos FROM raw.events e, LATERAL FLATTEN(input => e.items) f",
        EVENTS,
      ),
    ).toEqual([
      "ID <- RAW.EVENTS.ID [direct]",
      "SKU <- RAW.EVENTS.ITEMS [expression]",
      "POS <- RAW.EVENTS.ITEMS [expression]",
    ]);
  });

  test("TABLE(FLATTEN(…)) and JOIN LATERAL FLATTEN without ON", async () => {
    expect(
      await lineage(
        "snowflake",
        "SELECT f.value AS item FROM raw.events, TABLE(FLATTEN(raw.events.items)) f",
        EVENTS,
      ),
    ).toEqual(["ITEM <- RAW.EVENTS.ITEMS [expression]"]);
    expect(
      await lineage(
        "snowflake",
        "SELECT e.id, f.value AS item FROM raw.events e JOIN LATERAL FLATTEN(input => e.items) f",
        EVENTS,
      ),
    ).toEqual(["ID <- RAW.EVENTS.ID [direct]", "ITEM <- RAW.EVENTS.ITEMS [expression]"]);
  });

  test("IFF, LISTAGG … WITHIN GROUP, IGNORE NULLS OVER, QUALIFY, ILIKE ANY", async () => {
    expect(
      await lineage(
        "snowflake",
        `SELECT id,
                IFF(amount > 0, amount, 0) AS positive,
                LAG(name) IGNORE NULLS OVER (PARTITION BY id ORDER BY ts) AS prev_name
         FROM raw.events
         WHERE name ILIKE ANY ('%a%', '%b%')
         QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) = 1`,
        EVENTS,
      ),
    ).toEqual([
      "ID <- RAW.EVENTS.ID [direct]",
      "POSITIVE <- RAW.EVENTS.AMOUNT [expression]",
      "PREV_NAME <- RAW.EVENTS.NAME [window: lag]",
    ]);
    expect(
      await lineage(
        "snowflake",
        "SELECT id, LISTAGG(name, ',') WITHIN GROUP (ORDER BY ts) AS names FROM raw.events GROUP BY id",
        EVENTS,
      ),
    ).toEqual(["ID <- RAW.EVENTS.ID [direct]", "NAMES <- RAW.EVENTS.NAME [aggregation: listagg]"]);
  });

  test("date parts are keywords: DATEADD(day, …), DATEDIFF(week, …), DATE_TRUNC(month, …), TIMESTAMPDIFF", async () => {
    expect(
      await lineage(
        "snowflake",
        `SELECT DATEADD(day, -7, ts) AS a, DATEDIFF(week, ts, ts) AS b, DATE_TRUNC(month, ts) AS c,
                TIMESTAMPDIFF(hour, ts, ts) AS d
         FROM raw.events`,
        { "RAW.EVENTS": ["TS", "DAY", "WEEK", "MONTH", "HOUR"] },
      ),
    ).toEqual([
      "A <- RAW.EVENTS.TS [expression]",
      "B <- RAW.EVENTS.TS [expression]",
      "C <- RAW.EVENTS.TS [expression]",
      "D <- RAW.EVENTS.TS [expression]",
    ]);
  });

  test("unquoted names fold to upper case, quoted ones stay exact", async () => {
    const a = await analyse("snowflake", 'SELECT id, name AS "displayName" FROM "Events"', {
      Events: ["id", "name"],
    });
    expect(a.columns?.map(describeColumn)).toEqual([
      "ID <- Events.ID [direct]",
      "displayName <- Events.NAME [direct]",
    ]);
    expect(a.tableRefs.map((r) => r.parts)).toEqual([["Events"]]);
    expect((await analyse("snowflake", "SELECT 1 AS x FROM analytics.Events")).tableRefs[0]?.parts).toEqual([
      "ANALYTICS",
      "EVENTS",
    ]);
  });

  test("unaliased expressions are named by their text, upper-cased, as Snowflake names them", async () => {
    expect(
      await lineage(
        "snowflake",
        "SELECT id, amount + 1, iff(amount > 0, 'y', 'n'), payload:a::string FROM raw.events",
        EVENTS,
      ),
    ).toEqual([
      "ID <- RAW.EVENTS.ID [direct]",
      "AMOUNT + 1 <- RAW.EVENTS.AMOUNT [expression]",
      "IFF(AMOUNT > 0, 'Y', 'N') <- RAW.EVENTS.AMOUNT [expression]",
      "PAYLOAD:A::STRING <- RAW.EVENTS.PAYLOAD [expression]",
    ]);
    // Select lists in CTEs and subqueries are paired with their own text, not the outer one's.
    expect(
      await lineage(
        "snowflake",
        'WITH c AS (SELECT amount * 2, id FROM raw.events) SELECT DISTINCT c.id, c."AMOUNT * 2" AS doubled, (SELECT max(amount) FROM raw.events) FROM c',
        EVENTS,
      ),
    ).toEqual([
      "ID <- RAW.EVENTS.ID [direct]",
      "DOUBLED <- RAW.EVENTS.AMOUNT [expression]",
      "(SELECT MAX(AMOUNT) FROM RAW.EVENTS) <- RAW.EVENTS.AMOUNT [aggregation: max]",
    ]);
  });

  test("$$ strings and backslash escapes are strings", async () => {
    expect(
      await lineage("snowflake", "SELECT $$it's a :path$$ AS a, 'it\\'s' AS b, id FROM raw.events", EVENTS),
    ).toEqual(["A <- () [expression]", "B <- () [expression]", "ID <- RAW.EVENTS.ID [direct]"]);
  });
});

describe("bigquery", () => {
  test("backtick names of one to three parts, INFORMATION_SCHEMA; spans are the user's text", async () => {
    const sql =
      "SELECT j.job_id, t.id FROM `region-us`.INFORMATION_SCHEMA.JOBS j JOIN `proj.ds.tbl` t ON t.id = j.id JOIN `ds.other` o ON o.id = t.id JOIN `plain` p ON p.id = t.id";
    expect(await refTexts("bigquery", sql)).toEqual([
      "`region-us`.INFORMATION_SCHEMA.JOBS",
      "`proj.ds.tbl`",
      "`ds.other`",
      "`plain`",
    ]);
    expect((await analyse("bigquery", sql)).tableRefs.map((r) => r.parts.join("|"))).toEqual([
      "region-us|INFORMATION_SCHEMA|JOBS",
      "proj|ds|tbl",
      "ds|other",
      "plain",
    ]);
  });

  test("SELECT * EXCEPT / REPLACE", async () => {
    expect(
      await lineage("bigquery", "SELECT * EXCEPT (b) REPLACE (c * 2 AS c) FROM `proj.ds.tbl`", {
        "proj.ds.tbl": ["a", "b", "c"],
      }),
    ).toEqual(["a <- proj.ds.tbl.a [direct]", "c <- proj.ds.tbl.c [expression]"]);
  });

  test("arr[OFFSET(n)], arr[SAFE_OFFSET(n)], SAFE_CAST, SAFE. functions, dataset UDFs", async () => {
    expect(
      await lineage(
        "bigquery",
        "SELECT arr[OFFSET(1)] AS a, arr[SAFE_OFFSET(2)] AS b, SAFE_CAST(x AS INT64) AS c, SAFE.PARSE_DATE('%Y', y) AS d, `proj.fns.clean`(y) AS e, fns.tidy(x) AS f FROM ds.t",
        { "ds.t": ["arr", "x", "y"] },
      ),
    ).toEqual([
      "a <- ds.t.arr [expression]",
      "b <- ds.t.arr [expression]",
      "c <- ds.t.x [cast]",
      "d <- ds.t.y [expression]",
      "e <- ds.t.y [expression]",
      "f <- ds.t.x [expression]",
    ]);
  });

  test('"…" and r"…" are strings, not columns', async () => {
    expect(
      await lineage("bigquery", 'SELECT "n/a" AS label, r"\\d+" AS pattern, id FROM ds.t', {
        "ds.t": ["id", "n/a"],
      }),
    ).toEqual(["label <- () [expression]", "pattern <- () [expression]", "id <- ds.t.id [direct]"]);
  });

  test("STRUCT(… AS f), SELECT AS STRUCT, ARRAY<INT64>[…]", async () => {
    expect(
      await lineage("bigquery", "SELECT STRUCT(a AS f, b AS g) AS s, ARRAY<INT64>[1, 2] AS arr FROM ds.t", {
        "ds.t": ["a", "b"],
      }),
    ).toEqual(["s <- ds.t.a, ds.t.b [expression]", "arr <- () [expression]"]);
    expect(await lineage("bigquery", "SELECT AS STRUCT a, b FROM ds.t", { "ds.t": ["a", "b"] })).toEqual([
      "f0_ <- ds.t.a, ds.t.b [expression]",
    ]);
  });

  test("UNNEST … WITH OFFSET: the element and the offset come from the array", async () => {
    expect(
      await lineage("bigquery", "SELECT t.id, e, o FROM `ds.t` t, UNNEST(t.arr) AS e WITH OFFSET AS o", {
        "ds.t": ["id", "arr"],
      }),
    ).toEqual(["id <- ds.t.id [direct]", "e <- ds.t.arr [expression]", "o <- ds.t.arr [expression]"]);
  });

  test("UNNEST(arr) e without WITH OFFSET: e and its fields e.x come from the array", async () => {
    expect(
      await lineage("bigquery", "SELECT e, e.x AS ex, t.a FROM `ds.t` t, UNNEST(t.arr) e", {
        "ds.t": ["arr", "a"],
      }),
    ).toEqual(["e <- ds.t.arr [expression]", "ex <- ds.t.arr [expression]", "a <- ds.t.a [direct]"]);
  });

  test("`table` and `offset` as names (an UNNEST alias, a WITH OFFSET column, a table alias)", async () => {
    expect(
      await lineage(
        "bigquery",
        "SELECT table.project_id || '.' || table.table_id AS full_id, offset FROM `ds.jobs` j, UNNEST(j.refs) table WITH OFFSET AS offset ORDER BY offset",
        { "ds.jobs": ["refs"] },
      ),
    ).toEqual(["full_id <- ds.jobs.refs [expression]", "offset <- ds.jobs.refs [expression]"]);
    const sql = "SELECT table.a, c.b FROM `p.ds.t` table CROSS JOIN ds.c c LIMIT 10 OFFSET 5";
    expect(await lineage("bigquery", sql, { "p.ds.t": ["a"], "ds.c": ["b"] })).toEqual([
      "a <- p.ds.t.a [direct]",
      "b <- ds.c.b [direct]",
    ]);
    expect(await refTexts("bigquery", sql)).toEqual(["`p.ds.t`", "ds.c"]);
  });

  test("`table` as an alias in a model polyglot transpiles; its error offsets stay the user's", async () => {
    const sql = "SELECT STRUCT(table.a AS k) AS s, table.d FROM `ds.t` table CROSS JOIN ds.u";
    expect(await lineage("bigquery", sql, { "ds.t": ["a", "d"], "ds.u": ["z"] })).toEqual([
      "s <- ds.t.a [expression]",
      "d <- ds.t.d [direct]",
    ]);
    expect(await refTexts("bigquery", sql)).toEqual(["`ds.t`", "ds.u"]);
    const bad = "SELECT STRUCT(table.a AS k) AS s FROM `ds.t` table WHERE ((";
    const a = await analyse("bigquery", bad);
    expect(a.diagnostics[0]?.code).toBe("E001");
    expect(a.diagnostics[0]?.offset).toBeLessThanOrEqual(bad.length);
  });

  test("FROM UNNEST(arr) with no alias: the element's fields are columns of the array (normalised and transpiled)", async () => {
    const T = { "ds.s": ["id", "dims", "laps"] };
    expect(
      await lineage(
        "bigquery",
        "SELECT s.id, (SELECT MAX(IF(index = 10, value, NULL)) FROM UNNEST(s.dims)) AS content_id, x IN UNNEST(s.dims) AS present FROM `ds.s` s, UNNEST(s.laps) AS x",
        T,
      ),
    ).toEqual([
      "id <- ds.s.id [direct]",
      "content_id <- ds.s.dims [aggregation: max]",
      "present <- ds.s.dims, ds.s.laps [expression]",
    ]);
    expect(
      await lineage(
        "bigquery",
        "SELECT s.id, ARRAY(SELECT AS STRUCT lap, time FROM UNNEST(s.laps) WITH OFFSET AS lap) AS lap_times FROM `ds.s` s",
        T,
      ),
    ).toEqual(["id <- ds.s.id [direct]", "lap_times <- ds.s.laps [aggregation: array_agg]"]);
  });

  test("[LEFT] JOIN UNNEST(…) with no ON (normalised, and after a transpile)", async () => {
    const T = { "ds.t": ["id", "credits", "xs"] };
    expect(
      await lineage(
        "bigquery",
        "SELECT t.id, c.amount FROM `ds.t` t LEFT JOIN UNNEST(t.credits) AS c WITH OFFSET o JOIN UNNEST(t.xs) WHERE t.id > 0",
        T,
      ),
    ).toEqual(["id <- ds.t.id [direct]", "amount <- ds.t.credits [expression]"]);
    expect(
      await lineage(
        "bigquery",
        "SELECT STRUCT(t.id AS k) AS s, c FROM `ds.t` t LEFT JOIN UNNEST(t.credits) c",
        T,
      ),
    ).toEqual(["s <- ds.t.id [expression]", "c <- ds.t.credits [expression]"]);
  });

  test("IF(…).* REPLACE (…): read, and the star over a computed struct reported, not guessed", async () => {
    const sql =
      "SELECT IF(c.id IS NOT NULL, c, p).* REPLACE (f(`p`.bits) AS bits)\nFROM `ds.cur` c JOIN ds.prev p USING (id)";
    const a = await analyse("bigquery", sql, { "ds.cur": ["id", "bits"], "ds.prev": ["id", "bits"] });
    expect(a.columns).toBeUndefined();
    expect(a.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "W010 cannot expand (IF(c.id IS NOT NULL, c, p)).*: the fields of a struct computed by an expression are not known",
    ]);
    expect(await refTexts("bigquery", sql)).toEqual(["`ds.cur`", "ds.prev"]);
  });

  test("a four-part table name and a three-part UDF name, backtick-quoted", async () => {
    const sql =
      "SELECT `p.udf.clean`(s.field_path) AS path, s.table_name FROM `moz-prod.region-us.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS` AS s";
    expect(
      await lineage("bigquery", sql, {
        "moz-prod.region-us.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS": ["field_path", "table_name"],
      }),
    ).toEqual([
      "path <- moz-prod.region-us.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS.field_path [expression]",
      "table_name <- moz-prod.region-us.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS.table_name [direct]",
    ]);
    const a = await analyse("bigquery", sql);
    expect(a.tableRefs.map((r) => [r.parts, sql.slice(r.start, r.end)])).toEqual([
      [
        ["moz-prod", "region-us", "INFORMATION_SCHEMA", "COLUMN_FIELD_PATHS"],
        "`moz-prod.region-us.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS`",
      ],
    ]);
  });

  test("transpiled: named arguments (name => v), TIMESTAMP(d), a star over ARRAY_AGG(…)[OFFSET(0)]", async () => {
    const T = { "ds.t": ["a", "d", "x"] };
    expect(
      await lineage(
        "bigquery",
        "SELECT STRUCT(t.a AS k) AS s, udf.f(`interval` => t.a, y => 1) AS n, TIMESTAMP(t.d) AS ts FROM `ds.t` t",
        T,
      ),
    ).toEqual(["s <- ds.t.a [expression]", "n <- ds.t.a [expression]", "ts <- ds.t.d [cast]"]);
    // What polyglot leaves as written inside named arguments.
    expect(
      fixTranspiled(
        'SELECT f("end" => DATETIME(TIMESTAMP(CURRENT_DATE), z), CAST(x AS TIMESTAMP(3))) AS e FROM t',
        "bigquery",
      ),
    ).toBe('SELECT f("end" := DATETIME("timestamp"(CURRENT_DATE), z), CAST(x AS TIMESTAMP(3))) AS e FROM t');
    const sql = "SELECT STRUCT(t.a AS k) AS s, ARRAY_AGG(t.x ORDER BY t.d)[OFFSET(0)].* FROM `ds.t` t";
    const a = await analyse("bigquery", sql, T);
    expect(a.columns).toBeUndefined();
    expect(a.diagnostics.map((d) => d.code)).toEqual(["W010"]);
    expect(a.diagnostics[0]?.message).toStartWith("cannot expand (ARRAY_AGG(");
    expect(await refTexts("bigquery", sql)).toEqual(["`ds.t`"]);
    expect(fixTranspiled("SELECT REGEXP_EXTRACT(a, '(x).*') AS r FROM t", "bigquery")).toBe(
      "SELECT REGEXP_EXTRACT(a, '(x).*') AS r FROM t",
    );
  });

  test("DATE_DIFF(a, b, DAY), DATE_TRUNC(d, MONTH): the date part is a keyword", async () => {
    expect(
      await lineage(
        "bigquery",
        "SELECT DATE_DIFF(a, b, DAY) AS dd, DATE_TRUNC(a, MONTH) AS m, DATE_TRUNC(a, WEEK(MONDAY)) AS w FROM ds.t",
        { "ds.t": ["a", "b", "DAY", "MONTH", "MONDAY"] },
      ),
    ).toEqual(["dd <- ds.t.a, ds.t.b [expression]", "m <- ds.t.a [expression]", "w <- ds.t.a [expression]"]);
  });

  test("unaliased expressions are f0_, f1_, … as BigQuery names them", async () => {
    expect(
      await lineage("bigquery", "SELECT id, a + 1, UPPER(b) FROM ds.t", { "ds.t": ["id", "a", "b"] }),
    ).toEqual(["id <- ds.t.id [direct]", "f0_ <- ds.t.a [expression]", "f1_ <- ds.t.b [expression]"]);
    // Inside FROM-subqueries and CTEs too (each SELECT counts its own).
    expect(
      await lineage(
        "bigquery",
        "WITH c AS (SELECT a * 2 FROM ds.t) SELECT c.f0_, x.f0_ AS y FROM c, (SELECT b || 'x' FROM ds.t) x",
        {
          "ds.t": ["a", "b"],
        },
      ),
    ).toEqual(["f0_ <- ds.t.a [expression]", "y <- ds.t.b [expression]"]);
  });
});

describe("databricks", () => {
  const T: Schemas = { "cat.sch.tbl": ["id", "raw", "xs", "s", "x", "arr", "a"] };

  test("backtick names, file-path tables", async () => {
    expect(await refTexts("databricks", "SELECT id FROM `cat`.`sch`.`tbl`")).toEqual(["`cat`.`sch`.`tbl`"]);
    const a = await analyse("databricks", "SELECT * FROM delta.`/mnt/data/events`");
    expect(a.tableRefs.map((r) => r.parts)).toEqual([["delta", "/mnt/data/events"]]);
  });

  test("raw:a.b paths, transform/filter lambdas, struct field access, CAST names", async () => {
    expect(
      await lineage(
        "databricks",
        "SELECT raw:a.b AS ab, transform(xs, v -> v + 1) AS t, filter(xs, v -> v > x) AS f, s.inner AS si, CAST(x AS INT) FROM `cat`.`sch`.`tbl`",
        T,
      ),
    ).toEqual([
      "ab <- cat.sch.tbl.raw [expression]",
      "t <- cat.sch.tbl.xs [expression]",
      "f <- cat.sch.tbl.xs, cat.sch.tbl.x [expression]",
      "si <- cat.sch.tbl.s [expression]",
      "x <- cat.sch.tbl.x [cast]",
    ]);
  });

  test("t.* EXCEPT, LATERAL VIEW explode", async () => {
    expect(
      await lineage("databricks", "SELECT t.* EXCEPT (raw, xs, s, x, arr, a) FROM cat.sch.tbl t", T),
    ).toEqual(["id <- cat.sch.tbl.id [direct]"]);
    expect(
      await lineage("databricks", "SELECT id, item FROM cat.sch.tbl LATERAL VIEW explode(arr) e AS item", T),
    ).toEqual(["id <- cat.sch.tbl.id [direct]", "item <- cat.sch.tbl.arr [expression]"]);
  });

  test("LATERAL VIEW inline: every field column comes from the array", async () => {
    expect(
      await lineage(
        "databricks",
        "SELECT id, f1, f2 FROM cat.sch.tbl LATERAL VIEW inline(arr) t AS f1, f2",
        T,
      ),
    ).toEqual([
      "id <- cat.sch.tbl.id [direct]",
      "f1 <- cat.sch.tbl.arr [expression]",
      "f2 <- cat.sch.tbl.arr [expression]",
    ]);
  });

  test("struct.*: fields unknown, said so (not 'no such table'), naming the column's table when known", async () => {
    const a = await analyse("databricks", "SELECT s.*, id FROM cat.sch.tbl", T);
    expect(a.columns).toBeUndefined();
    expect(a.diagnostics.map((d) => `${d.code} ${d.message} (${d.suggestion})`)).toEqual([
      "W010 cannot expand s.*: s is a column of cat.sch.tbl whose struct fields are not known (list the fields explicitly (s.field AS field, …))",
    ]);
    const u = await analyse("databricks", "SELECT q.*, id FROM cat.sch.tbl", T);
    expect(u.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "W010 cannot expand q.*: no table has that name, and if q is a struct column its fields are not known",
    ]);
  });

  test("from_json(col, schema): traced to the JSON column, the schema string is no source", async () => {
    expect(
      await lineage(
        "databricks",
        "SELECT from_json(raw, 'a INT, b STRING') AS j, from_json(raw, 'a INT, b STRING').a AS ja, from_json(x, schema_of_json('{\"k\": 1}')).k AS k FROM cat.sch.tbl",
        T,
      ),
    ).toEqual([
      "j <- cat.sch.tbl.raw [expression]",
      "ja <- cat.sch.tbl.raw [expression]",
      "k <- cat.sch.tbl.x [expression]",
    ]);
  });

  test("s.* of from_json(col, '<schema>') AS s: the schema's fields, traced to the JSON column", async () => {
    expect(
      await lineage(
        "databricks",
        "SELECT b.*, id FROM (SELECT id, from_json(raw:store.bicycle, 'price double, `the color` string, tags array<string>') AS b FROM cat.sch.tbl)",
        T,
      ),
    ).toEqual([
      "price <- cat.sch.tbl.raw [expression]",
      "the color <- cat.sch.tbl.raw [expression]",
      "tags <- cat.sch.tbl.raw [expression]",
      "id <- cat.sch.tbl.id [direct]",
    ]);
    expect(
      await lineage(
        "databricks",
        "WITH c AS (SELECT from_json(x, 'k INT, v STRING') AS j FROM cat.sch.tbl) SELECT j.* FROM c",
        T,
      ),
    ).toEqual(["k <- cat.sch.tbl.x [expression]", "v <- cat.sch.tbl.x [expression]"]);
  });

  test("array(…) / struct(…) constructors", async () => {
    expect(
      await lineage("databricks", "SELECT array(id, x) AS arr2, struct(id, a) AS st FROM cat.sch.tbl", T),
    ).toEqual([
      "arr2 <- cat.sch.tbl.id, cat.sch.tbl.x [expression]",
      "st <- cat.sch.tbl.id, cat.sch.tbl.a [expression]",
    ]);
  });

  test("FROM STREAM(t), FROM STREAM read_files(…): t is the table read", async () => {
    const sql = "SELECT s.id FROM STREAM(cat.sch.tbl) s";
    expect(await refTexts("databricks", sql)).toEqual(["cat.sch.tbl"]);
    expect(await lineage("databricks", sql, T)).toEqual(["id <- cat.sch.tbl.id [direct]"]);
    const files = await analyse(
      "databricks",
      "SELECT * FROM STREAM read_files('/landing/x', format => 'json')",
    );
    expect(files.tableRefs).toEqual([]);
    expect(files.diagnostics.map((d) => d.code)).toEqual(["W010"]);
  });

  test("transpiled: float(x), any(x), JOIN with no condition (a cross join)", async () => {
    const sql =
      "SELECT a.k, float(a.v) AS f, (SELECT any(u.b) FROM cat.sch.u u) AS b FROM cat.sch.tbl a JOIN cat.sch.u WHERE a.k > 1";
    expect(await lineage("databricks", sql, { "cat.sch.tbl": ["k", "v"], "cat.sch.u": ["b"] })).toEqual([
      "k <- cat.sch.tbl.k [direct]",
      "f <- cat.sch.tbl.v [expression]",
      "b <- cat.sch.u.b [expression]",
    ]);
    expect(await refTexts("databricks", sql)).toEqual(["cat.sch.u", "cat.sch.tbl", "cat.sch.u"]);
    expect(
      fixTranspiled("SELECT a FROM t WHERE x = ANY(SELECT 1) AND y > ANY (SELECT 2)", "databricks"),
    ).toBe("SELECT a FROM t WHERE x = ANY(SELECT 1) AND y > ANY (SELECT 2)");
  });

  test('"…" is a string', async () => {
    expect(await lineage("databricks", 'SELECT "x" AS label FROM cat.sch.tbl', T)).toEqual([
      "label <- () [expression]",
    ]);
  });

  test("names folded to lower case (quoted or not); a file-path table kept as written; 'lit' named by its value", async () => {
    expect(
      await lineage("databricks", "SELECT ID AS MyId, a AS `Some Label`, 'Spark' FROM LIVE.Orders", {
        "LIVE.Orders": ["id", "a"],
      }),
    ).toEqual([
      "myid <- live.orders.id [direct]",
      "some label <- live.orders.a [direct]",
      "spark <- () [expression]",
    ]);
    expect(await lineage("databricks", "SELECT id FROM parquet.`/Volumes/m/d/People.parquet`")).toEqual([
      "id <- parquet.`/Volumes/m/d/People.parquet`.id [direct]",
    ]);
  });
});

describe("dbt-style statements", () => {
  test("Snowflake: TABLE(FLATTEN(…)) without an alias, paths after a call, quoted path keys", async () => {
    expect(
      await lineage("snowflake", "SELECT id, value:a AS a FROM raw.t, TABLE(FLATTEN(input => raw:list))", {
        "RAW.T": ["ID", "RAW", "VALUE"],
      }),
    ).toEqual(["ID <- RAW.T.ID [direct]", "A <- RAW.T.RAW [expression]"]);
    expect(
      await lineage(
        "snowflake",
        'SELECT parse_json(raw):a::string AS a, src:"Customer Name"::varchar AS cn, src:items[0]:price::float AS p FROM raw.t',
        { "RAW.T": ["RAW", "SRC"] },
      ),
    ).toEqual(["A <- RAW.T.RAW [expression]", "CN <- RAW.T.SRC [expression]", "P <- RAW.T.SRC [expression]"]);
  });

  test("BigQuery: ARRAY_AGG(STRUCT(…) ORDER BY … LIMIT 1)[OFFSET(0)], GA4 event_params", async () => {
    expect(
      await lineage(
        "bigquery",
        "SELECT id, ARRAY_AGG(STRUCT(a, b) ORDER BY c DESC LIMIT 1)[OFFSET(0)] AS latest FROM `proj.ds.t` GROUP BY id",
        { "proj.ds.t": ["id", "a", "b", "c"] },
      ),
    ).toEqual(["id <- proj.ds.t.id [direct]", "latest <- proj.ds.t.a, proj.ds.t.b [aggregation: array_agg]"]);
    expect(
      await lineage(
        "bigquery",
        "SELECT e.key, e.value.string_value AS v FROM `proj.analytics_1.events_20240101`, UNNEST(event_params) AS e",
        { "proj.analytics_1.events_20240101": ["event_params"] },
      ),
    ).toEqual([
      "key <- proj.analytics_1.events_20240101.event_params [expression]",
      "v <- proj.analytics_1.events_20240101.event_params [expression]",
    ]);
  });

  test("BigQuery: UNNEST elements in a scalar subquery and in a LEFT JOIN; time travel", async () => {
    expect(
      await lineage(
        "bigquery",
        "SELECT t.id, (SELECT MAX(x) FROM UNNEST(xs) x) AS mx, s.name FROM ds.t t LEFT JOIN UNNEST(t.structs) s ON TRUE",
        { "ds.t": ["id", "xs", "x", "structs"] },
      ),
    ).toEqual([
      "id <- ds.t.id [direct]",
      "mx <- ds.t.xs [aggregation: max]",
      "name <- ds.t.structs [expression]",
    ]);
    const sql =
      "SELECT id FROM `ds.t` FOR SYSTEM_TIME AS OF TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR) WHERE id > 0";
    expect(await lineage("bigquery", sql, { "ds.t": ["id"] })).toEqual(["id <- ds.t.id [direct]"]);
    expect(await refTexts("bigquery", sql)).toEqual(["`ds.t`"]);
  });

  test("Databricks: VERSION AS OF / TIMESTAMP AS OF", async () => {
    for (const clause of ["VERSION AS OF 3", "TIMESTAMP AS OF '2024-01-01'"]) {
      expect(
        await lineage("databricks", `SELECT id FROM cat.sch.tbl ${clause} t`, { "cat.sch.tbl": ["id"] }),
      ).toEqual(["id <- cat.sch.tbl.id [direct]"]);
    }
  });

  test("Databricks: aggregate and exists lambdas", async () => {
    expect(
      await lineage(
        "databricks",
        "SELECT id, aggregate(xs, 0, (acc, x) -> acc + x) AS total, exists(xs, x -> x > 1) AS any1 FROM cat.sch.tbl",
        { "cat.sch.tbl": ["id", "xs", "x", "acc"] },
      ),
    ).toEqual([
      "id <- cat.sch.tbl.id [direct]",
      "total <- cat.sch.tbl.xs [expression]",
      "any1 <- cat.sch.tbl.xs [expression]",
    ]);
  });
});

describe("routing and fixes", () => {
  test("models with nothing dialect-specific go to DuckDB as written", () => {
    const sql = "SELECT id, CAST(a AS INT) AS b FROM raw.t";
    for (const d of ["snowflake", "bigquery", "databricks"] as const) {
      expect(normalizeForDuckDb(sql, d)).toEqual({ text: sql, changed: false, edits: [] });
    }
  });

  test("common grammar DuckDB lacks is rewritten lexically (no polyglot): FLATTEN, WITHIN GROUP, IGNORE NULLS, LIKE ANY, STRUCT, LATERAL VIEW, SAMPLE, RLIKE, SELECT AS STRUCT", async () => {
    const cases: Array<[SqlDialect, string, string]> = [
      [
        "snowflake",
        "SELECT f.value FROM t JOIN LATERAL FLATTEN(input => t.x:items, outer => true) f",
        "SELECT f.value FROM t JOIN LATERAL UNNEST((t.x -> '$.items')) AS f(SEQ, KEY, PATH, INDEX, VALUE, THIS) ON TRUE",
      ],
      [
        "snowflake",
        "SELECT value FROM t, TABLE(FLATTEN(t.x))",
        "SELECT value FROM t, UNNEST(t.x) AS _flatten(SEQ, KEY, PATH, INDEX, VALUE, THIS)",
      ],
      [
        "snowflake",
        "SELECT LISTAGG(a, ',') WITHIN GROUP (ORDER BY b), LAG(a) IGNORE NULLS OVER (ORDER BY b) FROM t WHERE a ILIKE ANY ('x%')",
        "SELECT LISTAGG(a, ',' ORDER BY b), LAG(a IGNORE NULLS) OVER (ORDER BY b) FROM t WHERE a IN ('x%')",
      ],
      [
        "bigquery",
        "SELECT STRUCT(a AS f, STRUCT<x INT64>(b) AS g), ARRAY<INT64>[1, 2] FROM t",
        "SELECT struct_pack(a, struct_pack(b)), [1, 2] FROM t",
      ],
      [
        "databricks",
        "SELECT id, pos, v FROM t LATERAL VIEW OUTER posexplode(xs) e AS pos, v WHERE id > 0",
        "SELECT id, pos, v FROM t LEFT JOIN LATERAL UNNEST(xs) AS e(pos, v) ON TRUE WHERE id > 0",
      ],
      ["databricks", "SELECT array(a, b) AS arr FROM t", 'SELECT "array"(a, b) AS arr FROM t'],
      [
        "snowflake",
        "SELECT s.id FROM raw.a s SAMPLE BERNOULLI (10 ROWS) SEED (3) JOIN raw.b TABLESAMPLE (5) b ON b.id = s.id",
        "SELECT s.id FROM raw.a s   JOIN raw.b   b ON b.id = s.id",
      ],
      [
        "databricks",
        "SELECT id FROM t TABLESAMPLE (50 PERCENT) WHERE name RLIKE '^a' AND name NOT RLIKE 'b' AND rlike(name, 'c')",
        "SELECT id FROM t   WHERE name SIMILAR TO '^a' AND name NOT SIMILAR TO 'b' AND rlike(name, 'c')",
      ],
      [
        "bigquery",
        "SELECT ARRAY(SELECT AS STRUCT id, `name` AS n) AS info, (SELECT AS VALUE x FROM UNNEST(xs) x LIMIT 1) AS v FROM t",
        'SELECT ARRAY(SELECT struct_pack(id, "n" := "name") ) AS info, (SELECT x FROM UNNEST(xs) x(x) LIMIT 1) AS v FROM t',
      ],
    ];
    for (const [dialect, sql, text] of cases) {
      const n = normalizeForDuckDb(sql, dialect);
      expect(n.hard).toBeUndefined();
      expect(n.text).toBe(text);
      // DuckDB reads the rewrite itself: no transpile is needed.
      const [parsed] = await parser().parseMany([n.text]);
      expect(parsed?.ok).toBe(true);
    }
  });

  test("Databricks PIVOT over several columns: the pivot columns are sources of each pivoted column, the rest group", async () => {
    const sql =
      "SELECT * FROM (SELECT course, year, earnings, s FROM courseSales JOIN years ON year = y)\n" +
      "PIVOT (sum(earnings) FOR (course, s) IN (('dotNET', 2) as c1, ('Java', 1) as c2)) p";
    const schemas: Schemas = { coursesales: ["course", "year", "earnings"], years: ["y", "s"] };
    expect(await lineage("databricks", sql, schemas)).toEqual([
      "year <- coursesales.year [direct]",
      "c1 <- coursesales.course, years.s, coursesales.earnings [aggregation: sum]",
      "c2 <- coursesales.course, years.s, coursesales.earnings [aggregation: sum]",
    ]);
    expect(await refTexts("databricks", sql)).toEqual(["courseSales", "years"]);
    // PIVOT after a join condition: not a FROM item rocky rewrites (polyglot's to read).
    const joined = normalizeForDuckDb(
      "SELECT * FROM a JOIN b ON a.id = b.id PIVOT (sum(n) FOR k IN ('x' AS x))",
      "databricks",
    );
    expect(joined.text).not.toContain("GROUP BY ALL");
    // One column, unaliased string values and two aggregates: Spark's names.
    expect(
      await lineage(
        "databricks",
        'SELECT * FROM raw.t PIVOT (sum(n) AS total, count(*) AS k FOR kind IN ("a", "b"))',
        { "raw.t": ["id", "kind", "n"] },
      ),
    ).toEqual([
      "id <- raw.t.id [direct]",
      "a_total <- raw.t.kind, raw.t.n [aggregation: sum]",
      "a_k <- raw.t.kind [aggregation: count]",
      "b_total <- raw.t.kind, raw.t.n [aggregation: sum]",
      "b_k <- raw.t.kind [aggregation: count]",
    ]);
  });

  test("SAMPLE, RLIKE and SELECT AS STRUCT/VALUE keep their sources", async () => {
    expect(
      await lineage("snowflake", "SELECT id, name FROM raw.src SAMPLE (10) WHERE status <> 'x'", {
        "RAW.SRC": ["ID", "NAME", "STATUS"],
      }),
    ).toEqual(["ID <- RAW.SRC.ID [direct]", "NAME <- RAW.SRC.NAME [direct]"]);
    expect(
      await lineage(
        "databricks",
        "SELECT id, name RLIKE '^a' AS a FROM `raw`.`src` WHERE name NOT RLIKE 'b'",
        {
          "raw.src": ["id", "name"],
        },
      ),
    ).toEqual(["id <- raw.src.id [direct]", "a <- raw.src.name [expression]"]);
    expect(
      await lineage("bigquery", "SELECT ARRAY(SELECT AS STRUCT id, name AS n) AS info FROM `raw.src`", {
        "raw.src": ["id", "name"],
      }),
    ).toEqual(["info <- raw.src.id, raw.src.name [aggregation: array_agg]"]);
  });

  test("polyglot output fixed: JOIN LATERAL without ON, bare INTERVAL amounts, one-identifier BigQuery names", () => {
    expect(fixTranspiled("SELECT 1 FROM a JOIN LATERAL UNNEST(a.x) AS f(v) WHERE 1 = 1", "databricks")).toBe(
      "SELECT 1 FROM a JOIN LATERAL UNNEST(a.x) AS f(v) ON TRUE WHERE 1 = 1",
    );
    expect(fixTranspiled("SELECT d + INTERVAL -7 DAY, d + INTERVAL n MONTH FROM t", "snowflake")).toBe(
      "SELECT d + INTERVAL (-7) DAY, d + INTERVAL (n) MONTH FROM t",
    );
    expect(fixTranspiled('SELECT 1 FROM "p.d.t"', "bigquery")).toBe('SELECT 1 FROM "p"."d"."t"');
  });

  test("JSON access `col -> '$.a'` reads col (it is not a lambda)", async () => {
    expect(await lineage("duckdb", "SELECT j -> '$.a' AS a, j ->> '$.b' AS b FROM t", { t: ["j"] })).toEqual([
      "a <- t.j [expression]",
      "b <- t.j [expression]",
    ]);
  });

  test("a construct nothing can analyse: E001 naming the dialect, the construct and its place", async () => {
    const sql = "SELECT id FROM raw.events MATCH_RECOGNIZE (PARTITION BY id PATTERN (a+) DEFINE a AS TRUE)";
    const a = await analyse("snowflake", sql);
    expect(a.columns).toBeUndefined();
    const d = a.diagnostics[0];
    expect(d?.code).toBe("E001");
    expect(d?.message).toBe(
      "SQL parse error: Snowflake SQL that rocky cannot analyse: MATCH_RECOGNIZE not supported (at 'MATCH_RECOGNIZE (PARTITION BY')",
    );
    expect(d?.offset).toBe(sql.indexOf("MATCH_RECOGNIZE"));
  });
});

describe("repeated output names", () => {
  test("DuckDB renames the repeat (W013); Snowflake, BigQuery and Databricks refuse the table (E013)", async () => {
    const sql = "SELECT 1 AS a, 2 AS b, 3 AS a";
    const duck = await analyse("duckdb", sql);
    expect(duck.columns?.map((c) => c.name)).toEqual(["a", "b", "a_1"]);
    expect(duck.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(["Warning W013"]);
    for (const [dialect, label] of [
      ["snowflake", "Snowflake"],
      ["bigquery", "BigQuery"],
      ["databricks", "Databricks"],
    ] as const) {
      const a = await analyse(dialect, sql);
      expect(a.diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`)).toEqual([
        `Error E013 output column "a" appears more than once; ${label} does not create a table with two columns of one name`,
      ]);
    }
  });
});

describe("indirect reads are named as the warehouse stores them, as value sources are", () => {
  const reads = async (dialect: SqlDialect, sql: string, schemas: Schemas = {}) =>
    ((await analyse(dialect, sql, schemas)).indirect ?? []).map(
      (r) => `${r.table.join(".")}.${r.column} (${r.via})`,
    );

  test("snowflake upper-cases, databricks lower-cases, bigquery splits a dotted name", async () => {
    expect(await reads("snowflake", "SELECT id FROM raw.events WHERE amount > 0 GROUP BY id")).toEqual([
      "RAW.EVENTS.AMOUNT (where)",
      "RAW.EVENTS.ID (group_by)",
    ]);
    expect(await reads("databricks", "SELECT Id FROM Raw.Events WHERE Amount > 0")).toEqual([
      "raw.events.amount (where)",
    ]);
    expect(await reads("bigquery", "SELECT id FROM `proj.ds.events` WHERE amount > 0")).toEqual([
      "proj.ds.events.amount (where)",
    ]);
  });
});
