import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderTraceText } from "../../src/cli/render/lineage-text.ts";
import { fixtureCopy, fmt } from "../compile/fixture.ts";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";

type Edge = Parameters<typeof fmt>[0];

let dir: string;
beforeAll(() => {
  dir = fixtureCopy();
  rocky(["compile"], { cwd: dir }); // warm the cache once for the tests below
});

describe("rocky lineage: JSON", () => {
  test("model level: Rocky's lineage schema; columns, upstream, downstream, edges on both sides", () => {
    const r = rocky(["lineage", "int_orders_enriched", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<{
      columns: { name: string }[];
      upstream: string[];
      downstream: string[];
      edges: Edge[];
    }>();
    expectSchemas("lineage", j, "lineage");
    expect(j.columns.map((c) => c.name)).toEqual([
      "order_id",
      "customer_id",
      "customer_name",
      "paid_amount",
      "state",
    ]);
    expect(j.upstream).toEqual(["stg_orders", "stg_customers", "stg_payments"]);
    expect(j.downstream).toEqual(["int_customer_totals"]);
    expect(j.edges.map(fmt)).toEqual([
      "stg_orders.order_id -> int_orders_enriched.order_id",
      "stg_orders.customer_id -> int_orders_enriched.customer_id",
      "stg_customers.customer_name -> int_orders_enriched.customer_name",
      "stg_payments.amount -> int_orders_enriched.paid_amount [expression]",
      "stg_orders.amount -> int_orders_enriched.paid_amount [expression]",
      "stg_orders.status -> int_orders_enriched.state [expression]",
      "int_orders_enriched.customer_id -> int_customer_totals.customer_id",
      "int_orders_enriched.paid_amount -> int_customer_totals.total [aggregation: sum]",
    ]);
  });

  test("column level: Rocky's column_lineage schema with direction and depth", () => {
    const r = rocky(["lineage", "fct_ranked.running", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<{ direction: string; model: string; column: string; trace: Edge[] }>();
    expectSchemas("column_lineage", j, "column_lineage");
    expect(j).toMatchObject({ model: "fct_ranked", column: "running", direction: "upstream" });
    expect(j.trace.map(fmt)).toEqual([
      "int_customer_totals.total -> fct_ranked.running [window: sum] @1",
      "int_orders_enriched.paid_amount -> int_customer_totals.total [aggregation: sum] @2",
      "stg_payments.amount -> int_orders_enriched.paid_amount [expression] @3",
      "stg_orders.amount -> int_orders_enriched.paid_amount [expression] @3",
      "raw.payments.amount -> stg_payments.amount [cast] @4",
      "raw.orders.amount -> stg_orders.amount @4",
    ]);
  });

  test("a source column starts a downstream trace, written either way", () => {
    const a = rocky(["lineage", "raw.orders", "--column", "amount", "--downstream", "-o", "json"], {
      cwd: dir,
    });
    const b = rocky(["lineage", "raw.orders.amount", "--downstream", "--format", "json"], { cwd: dir });
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const j = a.json<{ direction: string; trace: Edge[] }>();
    expectSchemas("column_lineage", j, "column_lineage");
    expect(j.direction).toBe("downstream");
    expect(j.trace.map(fmt)).toEqual([
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

  test("a source as the model: its declared columns and readers", () => {
    const j = rocky(["lineage", "raw.orders", "-o", "json"], { cwd: dir }).json<{
      kind: string;
      columns: { name: string }[];
      downstream: string[];
    }>();
    expectSchemas("lineage", j, "lineage");
    expect(j.kind).toBe("source");
    expect(j.columns.map((c) => c.name)).toEqual([
      "order_id",
      "customer_id",
      "amount",
      "status",
      "ordered_at",
    ]);
    expect(j.downstream).toEqual(["stg_orders"]);
  });

  test("an unavailable model says so instead of showing no columns", () => {
    const j = rocky(["lineage", "broken_child", "-o", "json"], { cwd: dir }).json<{
      columns: unknown[];
      unavailable: string;
    }>();
    expectSchemas("lineage", j, "lineage");
    expect(j.unavailable).toContain("cannot expand * over broken");
    const t = rocky(["lineage", "broken_child", "-o", "table"], { cwd: dir });
    expect(t.stdout).toContain("Columns: unavailable (cannot expand * over broken: its columns are unknown)");
  });
});

describe("rocky lineage: text", () => {
  test("model: each column with its direct sources", () => {
    const r = rocky(["lineage", "orders_copy", "-o", "table"], { cwd: dir });
    expect(r.stdout).toBe(
      [
        "Model: orders_copy",
        "Upstream: stg_orders",
        "Downstream: (none)",
        "",
        "Columns:",
        "  order_id       <- stg_orders.order_id (direct)",
        "  customer_id    <- stg_orders.customer_id (direct)",
        "  amount         <- stg_orders.amount (direct)",
        "  status         <- stg_orders.status (direct)",
        "  ordered_at     <- stg_orders.ordered_at (direct)",
        "  double_amount  <- stg_orders.amount (expression)",
        "  one            (no source columns: a constant or COUNT(*))",
        "",
      ].join("\n"),
    );
  });

  test("column trace: a tree indented by depth", () => {
    const r = rocky(["lineage", "top_customers", "--column", "total", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "Column trace: top_customers.total (upstream)",
        "  <- fct_ranked.total (direct)",
        "    <- int_customer_totals.total (direct)",
        "      <- int_orders_enriched.paid_amount (aggregation: sum)",
        "        <- stg_payments.amount (expression)",
        "          <- raw.payments.amount (cast)",
        "        <- stg_orders.amount (expression)",
        "          <- raw.orders.amount (direct)",
        "",
      ].join("\n"),
    );
  });
});

describe("rocky lineage: errors", () => {
  test("unknown model: exit 1 with close matches", () => {
    const r = rocky(["lineage", "fct_rankd"], { cwd: dir });
    expect(r.code).toBe(1);
    expectJsonError(r, "not_found", "lineage");
    expect(r.stderr).toBe("Error: no model or source named 'fct_rankd'\nhint: did you mean 'fct_ranked'?\n");
  });

  test("unknown column: exit 1 with close matches", () => {
    const r = rocky(["lineage", "fct_ranked.totl", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    expectJsonError(r, "not_found", "lineage");
    expect(r.stderr).toBe("Error: model 'fct_ranked' has no column 'totl'\nhint: did you mean 'total'?\n");
  });

  test("--upstream with --downstream is a usage error", () => {
    const r = rocky(["lineage", "fct_ranked.total", "--upstream", "--downstream"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Error: --upstream and --downstream cannot be used together");
  });

  test("an unknown format is a usage error", () => {
    const r = rocky(["lineage", "fct_ranked", "--format", "svg"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("use one of: text, json, dot, mermaid, html");
  });
});

describe("rocky lineage: pictures", () => {
  test("dot works whatever -o says: clusters per table, transforms as labels", () => {
    const r = rocky(["lineage", "int_customer_totals.total", "--format", "dot", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("digraph lineage {\n  rankdir=LR;\n")).toBe(true);
    expect(r.stdout).toContain('label="int_orders_enriched";');
    expect(r.stdout).toContain(
      '"int_orders_enriched.paid_amount" -> "int_customer_totals.total" [label="aggregation: sum"];',
    );
    expect(r.stdout).toContain('"raw.orders.amount" -> "stg_orders.amount";');
    expect(r.stdout.trimEnd().endsWith("}")).toBe(true);
  });

  test("mermaid: a flowchart with one subgraph per table", () => {
    const r = rocky(["lineage", "stg_orders", "--downstream", "--format", "mermaid"], { cwd: dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("flowchart LR");
    expect(lines).toContain('  subgraph t0["stg_orders"]');
    expect(r.stdout).toMatch(/n\d+ -->\|"expression"\| n\d+/);
    // Downstream only, the model's outgoing edges: 2 to all_parties, 6 to orders_copy, 4 to int_orders_enriched.
    expect(lines.filter((l) => l.includes("-->")).length).toBe(12);
  });

  test("html: one self-contained page; headless Chromium renders the nodes", () => {
    const out = join(dir, "lineage.html");
    const r = rocky(["lineage", "top_customers.total", "--format", "html", "--out", out], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const html = readFileSync(out, "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain('data-table="raw.payments"');

    const chromium = "/usr/bin/chromium";
    if (!existsSync(chromium)) {
      console.warn("[skip] /usr/bin/chromium absent: html page not rendered");
      return;
    }
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];
    const dom = Bun.spawnSync([chromium, ...flags, "--dump-dom", `file://${out}`], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const rendered = dom.stdout.toString();
    for (const table of [
      "top_customers",
      "fct_ranked",
      "int_customer_totals",
      "int_orders_enriched",
      "raw.orders",
    ]) {
      expect(rendered).toContain(`data-table="${table}"`);
    }
    expect((rendered.match(/class="edge /g) ?? []).length).toBe(7);
    const png = join(dir, "lineage.png");
    Bun.spawnSync([chromium, ...flags, `--screenshot=${png}`, "--window-size=1200,600", `file://${out}`], {
      stdout: "pipe",
      stderr: "pipe",
    });
    // A blank page compresses to a few hundred bytes; boxes, text and curves do not.
    expect(readFileSync(png).length).toBeGreaterThan(10_000);
  }, 60_000);
});

describe("rocky lineage: trace tree", () => {
  test("a column reached twice is expanded once and marked", () => {
    const e = (s: string, t: string, depth: number) => {
      const [sm, sc] = s.split(".") as [string, string];
      const [tm, tc] = t.split(".") as [string, string];
      return {
        source: { model: sm, column: sc },
        target: { model: tm, column: tc },
        transform: "direct",
        depth,
      };
    };
    // a.x feeds b.x and c.x; both feed d.x; d.x feeds e.x.
    const trace = [
      e("a.x", "b.x", 1),
      e("a.x", "c.x", 1),
      e("b.x", "d.x", 2),
      e("c.x", "d.x", 2),
      e("d.x", "e.x", 3),
    ];
    expect(renderTraceText("a", "x", "downstream", trace, undefined).split("\n")).toEqual([
      "Column consumers: a.x (downstream)",
      "  -> b.x (direct)",
      "    -> d.x (direct)",
      "      -> e.x (direct)",
      "  -> c.x (direct)",
      "    -> d.x (direct) (see above)",
    ]);
  });
});

describe("rocky lineage: aggregate value sources", () => {
  test("FILTER (WHERE c) and WITHIN GROUP (ORDER BY x) are sources; string_agg's ORDER BY is not", () => {
    const project = fixtureCopy({ withoutBroken: true });
    writeFileSync(
      join(project, "models", "marts", "order_stats.sql"),
      `SELECT customer_id,
  count(*) FILTER (WHERE status = 'paid') AS n_paid,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median_amount,
  string_agg(status, ',' ORDER BY order_id) AS statuses
FROM stg_orders
GROUP BY customer_id
`,
    );
    const r = rocky(["lineage", "order_stats", "-o", "json"], { cwd: project });
    expect(r.code).toBe(0);
    const j = r.json<{ edges: Edge[] }>();
    expectSchemas("lineage", j, "lineage");
    expect(j.edges.map(fmt)).toEqual([
      "stg_orders.customer_id -> order_stats.customer_id",
      "stg_orders.status -> order_stats.n_paid [aggregation: count]",
      "stg_orders.amount -> order_stats.median_amount [aggregation: quantile_cont]",
      "stg_orders.status -> order_stats.statuses [aggregation: string_agg]",
    ]);
  });
});

describe("rocky lineage: repeated output names", () => {
  test("the repeat is a_1 in the graph; a downstream * and a reader of a_1 follow it", () => {
    const project = fixtureCopy({ withoutBroken: true });
    const marts = join(project, "models", "marts");
    writeFileSync(
      join(marts, "dup_names.sql"),
      "SELECT order_id AS a, customer_id AS b, amount AS a FROM stg_orders\n",
    );
    writeFileSync(join(marts, "dup_star.sql"), "SELECT * FROM dup_names\n");
    writeFileSync(join(marts, "dup_reader.sql"), "SELECT a_1 * 2 AS doubled FROM dup_names\n");
    const compile = rocky(["compile", "-o", "json"], { cwd: project });
    expect(compile.code).toBe(0);
    const diagnostics = compile.json<{ diagnostics: { code: string; model?: string }[] }>().diagnostics;
    expect(diagnostics.filter((d) => d.model?.startsWith("dup_")).map((d) => `${d.model} ${d.code}`)).toEqual(
      ["dup_names W013"],
    );
    const r = rocky(["lineage", "dup_names", "-o", "json"], { cwd: project });
    expect(r.code).toBe(0);
    const j = r.json<{ columns: { name: string }[]; edges: Edge[] }>();
    expectSchemas("lineage", j, "lineage");
    expect(j.columns.map((c) => c.name)).toEqual(["a", "b", "a_1"]);
    expect(j.edges.map(fmt).filter((e) => e.includes("dup_names.a_1"))).toEqual([
      "stg_orders.amount -> dup_names.a_1",
      "dup_names.a_1 -> dup_reader.doubled [expression]",
      "dup_names.a_1 -> dup_star.a_1",
    ]);
  });

  test("in Snowflake, which refuses such a table, compile fails with E013 at the repeat", () => {
    const project = tempDir("rocky-dup-");
    writeFileSync(
      join(project, "rocky.toml"),
      '[adapter]\ntype = "snowflake"\naccount = "acme"\ndatabase = "ANALYTICS"\n',
    );
    mkdirSync(join(project, "models"));
    writeFileSync(join(project, "models", "dup.sql"), "SELECT 1 AS a,\n  2 AS b, 3 AS a\n");
    const r = rocky(["compile", "-o", "json"], { cwd: project });
    expect(r.code).toBe(1);
    const j = r.json<{ diagnostics: unknown[] }>();
    expectSchemas("compile", j, "compile");
    expect(j.diagnostics).toEqual([
      {
        severity: "Error",
        code: "E013",
        message:
          'output column "a" appears more than once; Snowflake does not create a table with two columns of one name',
        model: "dup",
        span: { file: "models/dup.sql", line: 2, col: 11 },
        suggestion: "give each output column a distinct alias",
      },
    ]);
  });
});

describe("rocky lineage --indirect (SPEC 15)", () => {
  type Read = { source: { model: string; column: string }; via: string };
  const reads = (model: string): string[] => {
    const r = rocky(["lineage", model, "--indirect", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<{ indirect: Read[]; edges: Edge[] }>();
    expectSchemas("lineage", j, "lineage");
    return j.indirect.map((x) => `${x.source.model}.${x.source.column} (${x.via})`);
  };

  test("JSON: a subquery's WHERE, a window's ORDER BY and PARTITION BY, each named by the model read", () => {
    expect(reads("fct_ranked")).toEqual([
      "int_customer_totals.n_orders (where)",
      "int_customer_totals.total (window_order)",
      "int_customer_totals.customer_id (window_partition)",
    ]);
  });

  test("JSON: GROUP BY inside a chain of CTEs, JOIN ON keys of every side, a WHERE through a target name", () => {
    expect(reads("int_customer_totals")).toEqual(["int_orders_enriched.customer_id (group_by)"]);
    expect(reads("int_orders_enriched")).toEqual([
      "stg_orders.customer_id (join)",
      "stg_customers.customer_id (join)",
      "stg_payments.order_id (join)",
      "stg_orders.order_id (join)",
    ]);
    expect(reads("top_customers")).toEqual(["fct_ranked.rnk (where)"]);
  });

  test("without --indirect the payload is Rocky's, value edges unchanged", () => {
    const plain = rocky(["lineage", "fct_ranked", "-o", "json"], { cwd: dir }).json<
      Record<string, unknown>
    >();
    const withIndirect = rocky(["lineage", "fct_ranked", "--indirect", "-o", "json"], { cwd: dir }).json<
      Record<string, unknown>
    >();
    expect("indirect" in plain).toBe(false);
    expect(withIndirect.edges).toEqual(plain.edges);
  });

  test("text: an indirect section under the columns", () => {
    const r = rocky(["lineage", "int_customer_totals", "--indirect", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toEndWith(
      [
        "",
        "Indirect (columns that decide which rows exist, or how they are grouped and ordered):",
        "  int_orders_enriched.customer_id (group_by)",
        "",
      ].join("\n"),
    );
  });

  test("with a column or a picture format: a usage error saying what it supports", () => {
    for (const args of [
      ["fct_ranked.rnk", "--indirect"],
      ["fct_ranked", "--indirect", "--format", "dot"],
    ]) {
      const r = rocky(["lineage", ...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("Error: --indirect lists a model's indirect reads");
    }
  });
});
