/**
 * Projects written in Snowflake, BigQuery and Databricks SQL (SPEC §14), through the whole
 * compile: the model is analysed in its dialect (adapter type or sidecar `dialect`),
 * references resolve by the dialect's identifier rules, and the SQL a branch run sends is
 * the user's own text with only the table references rewritten (golden statements).
 *
 * The "misreading" tests fail on a compile that ignores the dialect (DuckDB reads
 * Snowflake `x:y` as `y AS x`, `"…"` as a column, `DATEADD(day, …)` with a column `day`).
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BigQueryDialect } from "../../adapters/bigquery/dialect.ts";
import { DatabricksDialect } from "../../adapters/databricks/dialect.ts";
import { SnowflakeDialect } from "../../adapters/snowflake/dialect.ts";
import { compileProject } from "../../src/compile/compile.ts";
import type { CompileResult } from "../../src/compile/types.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadProject } from "../../src/project/load.ts";
import { rewriteRefs } from "../../src/run/rewrite.ts";
import { tempDir } from "../helpers/cli.ts";
import { fmt } from "./fixture.ts";

const ADAPTER = {
  duckdb: 'type = "duckdb"\npath = "x.duckdb"',
  snowflake: 'type = "snowflake"\naccount = "acme"\ndatabase = "ANALYTICS"',
  bigquery: 'type = "bigquery"\nproject = "acme-prod"\ndataset = "analytics"',
  databricks: 'type = "databricks"\nhost = "acme"\ncatalog = "main"\nschema = "analytics"',
} as const;

async function project(
  adapter: keyof typeof ADAPTER,
  files: Record<string, string>,
  sources = "",
): Promise<CompileResult> {
  const dir = tempDir("rocky-dialect-");
  writeFileSync(join(dir, "rocky.toml"), `[adapter]\n${ADAPTER[adapter]}\n\n${sources}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, "models", path)), { recursive: true });
    writeFileSync(join(dir, "models", path), text);
  }
  return compileProject(await loadProject(await loadConfig(join(dir, "rocky.toml"))), { cache: false });
}

const edges = (r: CompileResult) => r.graph.edges().map(fmt);
const columns = (r: CompileResult, model: string) => r.models.get(model)?.columns;
const problems = (r: CompileResult) => r.diagnostics.map((d) => `${d.code} ${d.model}: ${d.message}`);

describe("no silent misreadings", () => {
  test("Snowflake x:y is a path into x, DATEADD(day, …) a date part (not a column)", async () => {
    const r = await project(
      "snowflake",
      {
        "stg_events.sql":
          "SELECT id, payload:customer.tier::string AS tier, DATEADD(day, 1, ts) AS next_day, DATEDIFF(week, ts, ts) AS weeks FROM raw.events",
      },
      '[sources.raw.events]\ncolumns = ["id", "payload", "ts", "day", "week"]\n',
    );
    expect(problems(r)).toEqual([]);
    expect(columns(r, "stg_events")).toEqual(["ID", "TIER", "NEXT_DAY", "WEEKS"]);
    expect(edges(r)).toEqual([
      // A declared source's columns keep their declared spelling in the graph.
      "raw.events.id -> stg_events.ID",
      "raw.events.payload -> stg_events.TIER [expression]",
      "raw.events.ts -> stg_events.NEXT_DAY [expression]",
      "raw.events.ts -> stg_events.WEEKS [expression]",
    ]);
  });

  test('BigQuery "…" is a string, DATE_DIFF(a, b, DAY) a date part; unaliased columns are f0_, f1_', async () => {
    const r = await project(
      "bigquery",
      { "stg_t.sql": 'SELECT "n/a" AS label, DATE_DIFF(a, b, DAY) AS dd, a + 1, UPPER(c) FROM `raw.t`' },
      '[sources.raw.t]\ncolumns = ["a", "b", "c", "n/a", "DAY"]\n',
    );
    expect(problems(r)).toEqual([]);
    expect(columns(r, "stg_t")).toEqual(["label", "dd", "f0_", "f1_"]);
    expect(edges(r)).toEqual([
      "raw.t.a -> stg_t.dd [expression]",
      "raw.t.b -> stg_t.dd [expression]",
      "raw.t.a -> stg_t.f0_ [expression]",
      "raw.t.c -> stg_t.f1_ [expression]",
    ]);
  });

  test('Databricks "…" is a string; CAST(x AS INT) is named x', async () => {
    const r = await project(
      "databricks",
      { "stg_t.sql": 'SELECT "x" AS label, CAST(a AS INT), raw:k.v AS kv FROM `raw`.`t`' },
      '[sources.raw.t]\ncolumns = ["a", "x", "raw"]\n',
    );
    expect(problems(r)).toEqual([]);
    expect(columns(r, "stg_t")).toEqual(["label", "a", "kv"]);
    expect(edges(r)).toEqual(["raw.t.a -> stg_t.a [cast]", "raw.t.raw -> stg_t.kv [expression]"]);
  });

  test("Snowflake unaliased columns are their text upper-cased; a downstream model reads them by that name", async () => {
    const r = await project(
      "snowflake",
      {
        "stg_t.sql": "SELECT a, b + 1, iff(a > 0, 'y', 'n') FROM raw.t",
        "down.sql": 'SELECT "B + 1" AS b1 FROM stg_t',
      },
      '[sources.raw.t]\ncolumns = ["a", "b"]\n',
    );
    expect(problems(r)).toEqual([]);
    expect(columns(r, "stg_t")).toEqual(["A", "B + 1", "IFF(A > 0, 'Y', 'N')"]);
    expect(columns(r, "down")).toEqual(["B1"]);
    expect(edges(r)).toContain("stg_t.B + 1 -> down.B1");
  });

  test("a sidecar `dialect` analyses one model of a DuckDB project in its own dialect", async () => {
    const r = await project(
      "duckdb",
      {
        "stg_t.sql": "SELECT payload:a AS a FROM raw.t",
        "stg_t.toml": 'dialect = "snowflake"\n',
        "plain.sql": "SELECT payload AS p FROM raw.t",
      },
      '[sources.raw.t]\ncolumns = ["payload"]\n',
    );
    expect(problems(r)).toEqual([]);
    expect(columns(r, "stg_t")).toEqual(["A"]);
    expect(columns(r, "plain")).toEqual(["p"]);
  });
});

describe("identifier rules", () => {
  test('Snowflake: unquoted names fold to upper case; "Events" is not the model events', async () => {
    const r = await project("snowflake", {
      "events.sql": "SELECT 1 AS id",
      "folded.sql": "SELECT id FROM EVENTS",
      "qualified.sql": "SELECT id FROM analytics.public.events",
      "exact.sql": 'SELECT id FROM "EVENTS"',
      "other.sql": 'SELECT id FROM "Events"',
    });
    expect(r.models.get("folded")?.dependsOn).toEqual(["events"]);
    expect(r.models.get("qualified")?.dependsOn).toEqual(["events"]);
    expect(r.models.get("exact")?.dependsOn).toEqual(["events"]);
    expect(r.models.get("other")?.dependsOn).toEqual([]);
    expect(r.models.get("other")?.refs.map((x) => [x.parts, x.model])).toEqual([[["Events"], undefined]]);
  });

  test("BigQuery: table names are case-sensitive, columns are not", async () => {
    const r = await project("bigquery", {
      "orders.sql": "SELECT 1 AS id",
      "same.sql": "SELECT ID FROM `orders`",
      "other.sql": "SELECT id FROM `Orders`",
    });
    expect(r.models.get("same")?.dependsOn).toEqual(["orders"]);
    expect(edges(r)).toContain("orders.id -> same.ID");
    expect(r.models.get("other")?.dependsOn).toEqual([]);
  });

  test("Databricks: case-insensitive", async () => {
    const r = await project("databricks", {
      "orders.sql": "SELECT 1 AS id",
      "upper.sql": "SELECT ID FROM `ORDERS`",
    });
    expect(r.models.get("upper")?.dependsOn).toEqual(["orders"]);
  });
});

describe("the SQL sent is the user's, with only table references rewritten", () => {
  const branch =
    (q: (ref: { catalog?: string; schema: string; table: string }) => string, r: CompileResult) =>
    (model: string) => {
      const cm = r.models.get(model)!;
      const m = r.project.byName.get(model)!;
      return rewriteRefs(m.sql, cm.refs, (ref) =>
        ref.model === undefined ? undefined : q({ schema: "branch_fix_x", table: ref.model }),
      );
    };

  test("Snowflake", async () => {
    const sql = `WITH items AS (
  SELECT e.id, f.value:sku::string AS sku, f.index AS pos
  FROM stg_events e, LATERAL FLATTEN(input => e.payload:items) f
)
SELECT i.id, i.sku, IFF(i.pos = 0, 'first', 'later') AS place, $$a :b$$ AS note
FROM items i JOIN "STG_EVENTS" s ON s.id = i.id
QUALIFY ROW_NUMBER() OVER (PARTITION BY i.id ORDER BY i.pos) = 1`;
    const r = await project("snowflake", {
      "stg_events.sql": "SELECT id, payload FROM raw.events",
      "items.sql": sql,
    });
    const d = new SnowflakeDialect({ database: "ANALYTICS" });
    expect(branch((ref) => d.qualify(ref), r)("items")).toBe(`WITH items AS (
  SELECT e.id, f.value:sku::string AS sku, f.index AS pos
  FROM "BRANCH_FIX_X"."STG_EVENTS" e, LATERAL FLATTEN(input => e.payload:items) f
)
SELECT i.id, i.sku, IFF(i.pos = 0, 'first', 'later') AS place, $$a :b$$ AS note
FROM items i JOIN "BRANCH_FIX_X"."STG_EVENTS" s ON s.id = i.id
QUALIFY ROW_NUMBER() OVER (PARTITION BY i.id ORDER BY i.pos) = 1`);
  });

  test("BigQuery", async () => {
    const sql = `SELECT o.* EXCEPT (raw_json, amount), SAFE_CAST(o.amount AS NUMERIC) AS amount, "str" AS s, e AS item
FROM \`acme-prod.analytics.stg_orders\` AS o, UNNEST(o.items) AS e WITH OFFSET AS pos
JOIN \`stg_customers\` c ON c.id = o.customer_id -- \`stg_orders\` in a comment
WHERE o.note != 'FROM stg_orders'`;
    const r = await project("bigquery", {
      "stg_orders.sql":
        "SELECT 1 AS id, 2 AS customer_id, 3 AS amount, [1] AS items, '' AS raw_json, '' AS note",
      "stg_customers.sql": "SELECT 1 AS id",
      "orders.sql": sql,
    });
    expect(problems(r)).toEqual([]);
    const d = new BigQueryDialect({ project: "acme-prod", dataset: "analytics" });
    expect(
      branch((ref) => d.qualify(ref), r)("orders"),
    ).toBe(`SELECT o.* EXCEPT (raw_json, amount), SAFE_CAST(o.amount AS NUMERIC) AS amount, "str" AS s, e AS item
FROM \`acme-prod\`.\`branch_fix_x\`.\`stg_orders\` AS o, UNNEST(o.items) AS e WITH OFFSET AS pos
JOIN \`acme-prod\`.\`branch_fix_x\`.\`stg_customers\` c ON c.id = o.customer_id -- \`stg_orders\` in a comment
WHERE o.note != 'FROM stg_orders'`);
  });

  test("Databricks", async () => {
    const sql = `SELECT s.id, raw:a.b AS ab, transform(s.xs, x -> x + 1) AS xs1, item
FROM STREAM(\`main\`.\`analytics\`.\`stg_events\`) s
LATERAL VIEW explode(s.xs) e AS item
WHERE "x" <> 'stg_events'`;
    const r = await project("databricks", {
      "stg_events.sql": "SELECT 1 AS id, '' AS raw, array(1) AS xs",
      "events.sql": sql,
    });
    expect(problems(r)).toEqual([]);
    const d = new DatabricksDialect({ catalog: "main", schema: "analytics" });
    expect(
      branch((ref) => d.qualify({ catalog: "main", ...ref }), r)("events"),
    ).toBe(`SELECT s.id, raw:a.b AS ab, transform(s.xs, x -> x + 1) AS xs1, item
FROM STREAM(\`main\`.\`branch_fix_x\`.\`stg_events\`) s
LATERAL VIEW explode(s.xs) e AS item
WHERE "x" <> 'stg_events'`);
  });
});

describe("positions and the cache", () => {
  test("a diagnostic in a normalised model points at the user's text", async () => {
    const sql = "SELECT `t`.id,\n  t.nope\nFROM `raw.t` t";
    const r = await project("bigquery", { "m.sql": sql }, '[sources.raw.t]\ncolumns = ["id"]\n');
    // An unknown column in fully known scope: E012 (the compile gate), at the user's text.
    const d = r.diagnostics.find((x) => x.code === "E012");
    expect(d?.span).toEqual({ file: "models/m.sql", line: 2, col: 3 });
  });

  test("a warm compile of a dialect project answers from the cache; the dialect is part of the key", async () => {
    const dir = tempDir("rocky-dialect-cache-");
    writeFileSync(join(dir, "rocky.toml"), `[adapter]\n${ADAPTER.snowflake}\n`);
    mkdirSync(join(dir, "models"));
    writeFileSync(join(dir, "models", "a.sql"), "SELECT 1 AS x");
    writeFileSync(join(dir, "models", "b.sql"), "SELECT x, payload:k AS k FROM a");
    const load = async () => loadProject(await loadConfig(join(dir, "rocky.toml")));
    const cold = await compileProject(await load());
    expect(cold.cache).toEqual({ hits: 0, misses: 2 });
    const warm = await compileProject(await load());
    expect(warm.cache).toEqual({ hits: 2, misses: 0 });
    expect(warm.models.get("b")?.columns).toEqual(["X", "K"]);
    // The same text read as DuckDB SQL is another analysis.
    writeFileSync(join(dir, "models", "b.toml"), 'dialect = "duckdb"\n');
    const other = await compileProject(await load());
    expect(other.cache).toEqual({ hits: 1, misses: 1 });
  });
});

describe("a model that cannot be analysed", () => {
  test("gets an error naming the dialect, the construct and its line:col; the rest keeps working", async () => {
    const r = await project("snowflake", {
      "ok.sql": "SELECT 1 AS id",
      "bad.sql": "SELECT id\nFROM ok MATCH_RECOGNIZE (PARTITION BY id PATTERN (a+) DEFINE a AS TRUE)",
      "after.sql": "SELECT id FROM ok",
    });
    const d = r.diagnostics.find((x) => x.model === "bad");
    expect(d?.code).toBe("E001");
    expect(d?.message).toContain("Snowflake SQL that rocky cannot analyse: MATCH_RECOGNIZE not supported");
    expect(d?.span).toEqual({ file: "models/bad.sql", line: 2, col: 9 });
    expect(r.models.get("bad")?.columns).toBeUndefined();
    expect(columns(r, "after")).toEqual(["ID"]);
  });
});
