import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureCopy } from "../compile/fixture.ts";
import { rocky } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";

let dir: string;
beforeAll(() => {
  dir = fixtureCopy();
});

describe("rocky dag", () => {
  test("json: Rocky's dag schema; model nodes, a test node, data and check edges, layers", () => {
    const r = rocky(["dag", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const j = r.json<{
      nodes: { id: string; kind: string; depends_on: string[] }[];
      edges: { from: string; to: string; edge_type: string }[];
      execution_layers: string[][];
      summary: Record<string, unknown>;
      column_lineage?: unknown[];
    }>();
    expectSchemas("dag", j, "dag");
    expect(j.column_lineage).toBeUndefined();
    expect(j.summary).toEqual({
      total_nodes: 13,
      total_edges: 11,
      execution_layers: 5,
      counts_by_kind: { test: 1, transformation: 12 },
    });
    expect(j.execution_layers[4]).toEqual(["transformation:top_customers"]);
    expect(j.execution_layers[3]).toEqual([
      "transformation:fct_ranked",
      "test:int_customer_totals::not_null_customer_id",
    ]);
    expect(j.edges).toContainEqual({
      from: "transformation:fct_ranked",
      to: "transformation:top_customers",
      edge_type: "data",
    });
    expect(j.edges).toContainEqual({
      from: "transformation:int_customer_totals",
      to: "test:int_customer_totals::not_null_customer_id",
      edge_type: "check",
    });
    expect(j.nodes.find((n) => n.id === "transformation:int_orders_enriched")!.depends_on).toEqual([
      "transformation:stg_customers",
      "transformation:stg_orders",
      "transformation:stg_payments",
    ]);
  });

  test("--column-lineage adds every column edge", () => {
    const j = rocky(["dag", "--column-lineage", "-o", "json"], { cwd: dir }).json<{
      column_lineage: unknown[];
    }>();
    expectSchemas("dag", j, "dag");
    expect(j.column_lineage.length).toBe(35);
  });

  test("text: layers with each model's dependencies, and the external sources", () => {
    const r = rocky(["dag", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("DAG: 13 nodes, 11 edges, 5 execution layers\n\nLayer 0:\n");
    expect(r.stdout).toMatch(
      /transformation +int_orders_enriched +depends_on: stg_customers, stg_orders, stg_payments\n/,
    );
    expect(r.stdout).toMatch(/raw\.orders +read by: stg_orders\n/);
  });

  test("dot and mermaid, whatever -o says", () => {
    const dot = rocky(["dag", "--format", "dot", "-o", "json"], { cwd: dir });
    expect(dot.stdout.startsWith("digraph dag {")).toBe(true);
    expect(dot.stdout).toContain('"transformation:fct_ranked" -> "transformation:top_customers";');
    expect(dot.stdout).toContain('"source:raw.orders" -> "transformation:stg_orders";');
    const mm = rocky(["dag", "--format", "mermaid"], { cwd: dir });
    expect(mm.stdout.split("\n")[0]).toBe("flowchart LR");
    expect(mm.stdout).toContain('["top_customers"]');
  });

  test("a dependency cycle: the DAG is printed, the cycle named on stderr, exit 1", () => {
    const cyc = fixtureCopy({ withoutBroken: true });
    writeFileSync(
      join(cyc, "models", "staging", "stg_customers.sql"),
      "SELECT customer_id FROM all_parties\n",
    );
    const r = rocky(["dag", "-o", "table"], { cwd: cyc });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: dependency cycle: all_parties -> stg_customers -> all_parties\n");
    expect(r.stdout).toContain("DAG:");
  });
});

describe("rocky dag --format html", () => {
  test("one self-contained page: every node and source as a box, every edge as a curve", () => {
    const j = rocky(["dag", "-o", "json"], { cwd: dir }).json<{
      nodes: { label: string }[];
      edges: unknown[];
      sources: { name: string; read_by: string[] }[];
    }>();
    const r = rocky(["dag", "--format", "html"], { cwd: dir });
    expect(r.code).toBe(0);
    const html = r.stdout;
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toContain("<script");
    expect(html).toContain("13 nodes, 11 edges, 5 execution layers");
    expect((html.match(/<g class="node /g) ?? []).length).toBe(j.nodes.length + j.sources.length);
    for (const n of j.nodes) expect(html).toContain(`<title>${n.label}</title>`);
    const sourceEdges = j.sources.reduce((k, s) => k + s.read_by.length, 0);
    expect((html.match(/<path class="edge/g) ?? []).length).toBe(j.edges.length + sourceEdges);
    expect(html).toContain('class="edge check"');

    const chromium = "/usr/bin/chromium";
    if (!existsSync(chromium)) {
      console.warn("[skip] /usr/bin/chromium absent: dag html page not screenshotted");
      return;
    }
    const page = join(dir, "dag.html");
    writeFileSync(page, html);
    const png = join(dir, "dag.png");
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"];
    Bun.spawnSync([chromium, ...flags, `--screenshot=${png}`, "--window-size=1400,900", `file://${page}`], {
      stdout: "pipe",
      stderr: "pipe",
    });
    // A blank page compresses to a few hundred bytes; boxes, text and curves do not.
    expect(readFileSync(png).length).toBeGreaterThan(10_000);
  }, 60_000);
});
