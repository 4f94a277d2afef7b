/** `rocky catalog`: assets, columns (declared types), edges, to its schema. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { makeProject, sql } from "../run/project.ts";

interface CatalogJson {
  project: string;
  summary: { models: number; sources: number; columns: number; edges: number };
  assets: {
    name: string;
    kind: string;
    file: string | null;
    description: string | null;
    strategy: string | null;
    tests: { type: string; column: string | null }[];
    columns: { name: string; type: string | null }[];
    upstream: string[];
    downstream: string[];
  }[];
  edges: {
    source: { model: string; column: string };
    target: { model: string; column: string };
    transform: string;
  }[];
}

const PROJECT = {
  "models/stg_orders.sql": "SELECT id, amount * 2 AS doubled FROM raw.orders\n",
  "models/stg_orders.toml":
    'description = "Orders, doubled"\n\n[[tests]]\ntype = "not_null"\ncolumn = "id"\n',
  "models/totals.sql": "SELECT sum(doubled) AS total FROM stg_orders\n",
};
const SOURCES =
  '\n[sources.raw.orders]\ncolumns = [{ name = "id", type = "INTEGER" }, { name = "amount", type = "DECIMAL(10,2)" }]\n';

describe("rocky catalog", () => {
  test("models and sources with columns, declared types, tests, descriptions and the column edges", () => {
    const dir = makeProject(PROJECT, SOURCES);
    const r = rocky(["catalog"], { cwd: dir });
    expect(r.code).toBe(0);
    const out = r.json<CatalogJson>();
    expectOurSchema("catalog", out);
    expect(out.summary).toEqual({ models: 2, sources: 1, columns: 5, edges: 3 });
    const by = Object.fromEntries(out.assets.map((a) => [a.name, a]));
    expect(by["raw.orders"]).toMatchObject({
      kind: "source",
      file: null,
      columns: [
        { name: "id", type: "INTEGER" },
        { name: "amount", type: "DECIMAL(10,2)" },
      ],
      downstream: ["stg_orders"],
    });
    expect(by.stg_orders).toMatchObject({
      kind: "model",
      file: "models/stg_orders.sql",
      description: "Orders, doubled",
      strategy: "full_refresh",
      tests: [{ type: "not_null", column: "id" }],
      columns: [
        { name: "id", type: null },
        { name: "doubled", type: null },
      ],
      upstream: ["raw.orders"],
      downstream: ["totals"],
    });
    expect(out.edges).toContainEqual({
      source: { model: "stg_orders", column: "doubled" },
      target: { model: "totals", column: "total" },
      transform: expect.stringContaining("aggregation"),
    });
  });

  test("--out writes the same document to a file; another --format is a usage error", () => {
    const dir = makeProject(PROJECT, SOURCES);
    const file = join(dir, "catalog.json");
    const r = rocky(["catalog", "--out", file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expectOurSchema("catalog", JSON.parse(readFileSync(file, "utf8")));
    const bad = rocky(["catalog", "--format", "xml"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain("invalid value 'xml' for --format");
  });

  test("--format parquet --out FILE: one row per asset column with its inputs, read back by DuckDB", async () => {
    const dir = makeProject(PROJECT, SOURCES);
    const noOut = rocky(["catalog", "--format", "parquet"], { cwd: dir });
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("--format parquet needs --out FILE");
    const r = rocky(["catalog", "--format", "parquet", "--out", "catalog.parquet"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("wrote catalog.parquet: 5 rows (one per asset column)");
    const rows = await sql(
      dir,
      `SELECT asset, kind, file, "column", type, inputs FROM read_parquet('${join(dir, "catalog.parquet")}') ORDER BY asset, "column"`,
    );
    expect(rows.map((row) => row.slice(0, 5))).toEqual([
      ["raw.orders", "source", null, "amount", "DECIMAL(10,2)"],
      ["raw.orders", "source", null, "id", "INTEGER"],
      ["stg_orders", "model", "models/stg_orders.sql", "doubled", null],
      ["stg_orders", "model", "models/stg_orders.sql", "id", null],
      ["totals", "model", "models/totals.sql", "total", null],
    ]);
    const inputs = (asset: string, column: string) =>
      rows.find((row) => row[0] === asset && row[3] === column)![5] as { model: string; column: string }[];
    expect(inputs("totals", "total")).toEqual([
      expect.objectContaining({ model: "stg_orders", column: "doubled" }),
    ]);
    expect(inputs("stg_orders", "doubled")).toEqual([
      expect.objectContaining({ model: "raw.orders", column: "amount" }),
    ]);
    expect(inputs("raw.orders", "id")).toEqual([]);
  });
});

describe("rocky docs", () => {
  test("writes one self-contained page: models, columns, lineage, SQL, the DAG; screenshot when Chromium is present", () => {
    const dir = makeProject(PROJECT, SOURCES);
    const r = rocky(["docs", "site", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const out = r.json<{ file: string; models: number; sources: number }>();
    expectOurSchema("docs", out);
    expect(out).toMatchObject({ file: join(dir, "site", "index.html"), models: 2, sources: 1 });
    const html = readFileSync(out.file, "utf8");
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain("2 models, 1 sources, 5 columns, 3 column edges");
    expect(html).toContain('<section class="asset" id="stg_orders"');
    expect(html).toContain("<p>Orders, doubled</p>");
    expect(html).toContain("Tests: not_null(id)");
    expect(html).toContain("<td>amount</td><td>DECIMAL(10,2)</td>");
    expect(html).toMatch(/<td>doubled<\/td><td><\/td><td>raw\.orders\.amount \(/);
    expect(html).toContain("<pre>SELECT sum(doubled) AS total FROM stg_orders</pre>");
    expect((html.match(/<g class="node /g) ?? []).length).toBe(4);
    expect(html).toContain('<input id="q" type="search"');

    const chromium = "/usr/bin/chromium";
    if (!existsSync(chromium)) {
      console.warn("[skip] /usr/bin/chromium absent: docs site not screenshotted");
      return;
    }
    const png = join(dir, "docs.png");
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];
    Bun.spawnSync(
      [chromium, ...flags, `--screenshot=${png}`, "--window-size=1400,1000", `file://${out.file}`],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(readFileSync(png).length).toBeGreaterThan(10_000);
  }, 60_000);
});

describe("rocky docs: recent runs and column search", () => {
  test("no state file: no history and none created; after a run, each model's recent runs", async () => {
    const dir = makeProject(PROJECT, SOURCES);
    const before = rocky(["docs", "site", "-o", "json"], { cwd: dir });
    expect(before.code).toBe(0);
    const page = () => readFileSync(join(dir, "site", "index.html"), "utf8");
    expect(page()).not.toContain("Recent runs");
    expect(existsSync(join(dir, ".rocky-state.db"))).toBe(false);
    await sql(
      dir,
      "CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT 1 AS id, 2.5::DECIMAL(10,2) AS amount",
    );
    const run = rocky(["run", "-o", "json"], { cwd: dir });
    expect(run.code).toBe(0);
    const runId = run.json<{ run_id: string }>().run_id;
    expect(rocky(["docs", "site"], { cwd: dir }).code).toBe(0);
    const html = page();
    const stg = html.slice(html.indexOf('id="stg_orders"'), html.indexOf('id="totals"'));
    expect(stg).toContain("<summary>Recent runs</summary>");
    expect(stg).toContain(`<td class="st-success">success</td>`);
    expect(stg).toContain(`<td>${runId}</td>`);
    // The search box also finds columns: every column row carries its name.
    expect(stg).toContain('<tr data-col="doubled">');
    expect(html).toContain('placeholder="Find models, sources and columns"');
  });
});

describe("rocky show", () => {
  test("the first rows of a built model with its column types; an unbuilt or unknown model is one clear error", () => {
    const dir = makeProject({
      "models/nums.sql": "SELECT i AS id, 'n' || i AS label FROM range(1, 6) t(i)\n",
      "models/later.sql": "SELECT id FROM nums\n",
    });
    const unbuilt = rocky(["show", "nums", "-o", "table"], { cwd: dir });
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr).toContain("model 'nums' has not been built");
    expect(unbuilt.stderr).toContain("hint: build it first: rocky run --model nums");
    expect(rocky(["run", "--model", "nums", "-o", "json"], { cwd: dir }).code).toBe(0);

    const j = rocky(["show", "nums", "--limit", "3", "-o", "json"], { cwd: dir });
    expect(j.code).toBe(0);
    const out = j.json<{ columns: { name: string; type: string }[]; rows: unknown[][] }>();
    expectOurSchema("show", out);
    expect(out.columns).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "label", type: "VARCHAR" },
    ]);
    expect(out.rows).toEqual([
      [1, "n1"],
      [2, "n2"],
      [3, "n3"],
    ]);
    const t = rocky(["show", "nums", "-o", "table"], { cwd: dir });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^id BIGINT {2}label VARCHAR\n1 {10}n1\n/m);
    expect(t.stdout).toContain("5 rows");

    const typo = rocky(["show", "numz", "-o", "table"], { cwd: dir });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("no model named 'numz'");
    expect(typo.stderr).toContain("hint: did you mean 'nums'?\n");
  }, 60_000);
});
