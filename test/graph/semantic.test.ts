import { describe, expect, test } from "bun:test";
import { type LineageEdge, SemanticGraph } from "../../src/graph/semantic.ts";

const fmt = (e: LineageEdge & { depth?: number }) =>
  `${e.source.model}.${e.source.column} -> ${e.target.model}.${e.target.column}${e.transform === "direct" ? "" : ` [${e.transform}]`}${e.depth === undefined ? "" : ` @${e.depth}`}`;

/** Build a graph from `src.col -> tgt.col [transform]` lines; models registered in the given order. */
function graph(models: Record<string, string[]>, edges: string[]): SemanticGraph {
  const g = new SemanticGraph();
  for (const [name, columns] of Object.entries(models)) g.addTable({ name, kind: "model", columns });
  for (const line of edges) {
    const m = /^(.+)\.(\w+) -> (\w+)\.(\w+)(?: \[(.+)\])?$/.exec(line);
    if (!m) throw new Error(`bad edge ${line}`);
    g.addEdge({ model: m[1]!, column: m[2]! }, { model: m[3]!, column: m[4]! }, m[5] ?? "direct");
  }
  return g;
}

describe("SemanticGraph traces", () => {
  // Rocky S-20: the diamond a -> (b, c) -> d.
  const diamond = graph(
    { a: ["id", "value"], b: ["id", "b_value"], c: ["id", "c_value"], d: ["id", "b_value", "c_value"] },
    [
      "source.raw.data.id -> a.id",
      "source.raw.data.value -> a.value",
      "a.id -> b.id",
      "a.value -> b.b_value",
      "a.id -> c.id",
      "a.value -> c.c_value",
      "b.id -> d.id",
      "b.b_value -> d.b_value",
      "c.c_value -> d.c_value",
    ],
  );

  test("downstream is breadth-first by depth, then graph order, each edge once", () => {
    expect(diamond.traceDownstream("a", "value").map(fmt)).toEqual([
      "a.value -> b.b_value @1",
      "a.value -> c.c_value @1",
      "b.b_value -> d.b_value @2",
      "c.c_value -> d.c_value @2",
    ]);
  });

  test("upstream reaches external sources by their table name", () => {
    expect(diamond.traceUpstream("d", "id").map(fmt)).toEqual([
      "b.id -> d.id @1",
      "a.id -> b.id @2",
      "source.raw.data.id -> a.id @3",
    ]);
  });

  test("an external source column can start a downstream trace", () => {
    expect(diamond.traceDownstream("source.raw.data", "id").map(fmt)).toEqual([
      "source.raw.data.id -> a.id @1",
      "a.id -> b.id @2",
      "a.id -> c.id @2",
      "b.id -> d.id @3",
    ]);
  });

  test("converging paths expand a column once (Rocky S-21)", () => {
    const g = graph({ a: ["id"], b: ["id"], c: ["id"], f: ["x"] }, [
      "src.t.id -> a.id",
      "a.id -> b.id",
      "a.id -> c.id",
      "b.id -> f.x",
      "c.id -> f.x",
    ]);
    const up = g.traceUpstream("f", "x").map(fmt);
    expect(up).toEqual([
      "b.id -> f.x @1",
      "c.id -> f.x @1",
      "a.id -> b.id @2",
      "a.id -> c.id @2",
      "src.t.id -> a.id @3",
    ]);
    expect(new Set(up).size).toBe(up.length);
  });

  test("identical edges are stored once; a self-reading model terminates (S-22, S-23)", () => {
    const g = graph({ orders: ["id"] }, ["orders.id -> orders.id", "orders.id -> orders.id"]);
    expect(g.edgeCount).toBe(1);
    expect(g.traceUpstream("orders", "id").map(fmt)).toEqual(["orders.id -> orders.id @1"]);
    expect(g.traceDownstream("orders", "id").map(fmt)).toEqual(["orders.id -> orders.id @1"]);
  });

  test("lookups are case-insensitive and keep the first spelling", () => {
    const g = graph({ Stg: ["Amount"], fct: ["total"] }, ["stg.amount -> fct.total [aggregation: sum]"]);
    expect(g.traceUpstream("FCT", "TOTAL").map(fmt)).toEqual([
      "Stg.Amount -> fct.total [aggregation: sum] @1",
    ]);
    expect(g.table("stg")?.columns).toEqual(["Amount"]);
  });

  test("unknown start gives an empty trace", () => {
    expect(diamond.traceUpstream("d", "nope")).toEqual([]);
    expect(diamond.traceDownstream("zzz", "id")).toEqual([]);
  });

  test("edgesOf merges both directions in graph order without duplicates", () => {
    expect(diamond.edgesOf("b").map(fmt)).toEqual([
      "a.id -> b.id",
      "a.value -> b.b_value",
      "b.id -> d.id",
      "b.b_value -> d.b_value",
    ]);
    expect(diamond.edgesTargeting("d").length).toBe(3);
    expect(diamond.edgesSourcedFrom("a").length).toBe(4);
  });

  test("a reference to a missing model column does not invent the column", () => {
    const g = graph({ a: ["id"], b: ["x"] }, ["a.nope -> b.x"]);
    expect(g.table("a")?.columns).toEqual(["id"]);
  });

  test("a walk costs what it visits: same trace on a small and a huge graph", () => {
    const build = (extra: number) => {
      const g = graph({ a: ["id"], b: ["id"], c: ["id"] }, ["a.id -> b.id", "b.id -> c.id"]);
      for (let i = 0; i < extra; i++) {
        g.addTable({ name: `m${i}`, kind: "model", columns: ["k"] });
        g.addEdge(
          { model: i === 0 ? "a" : `m${i - 1}`, column: "k" },
          { model: `m${i}`, column: "k" },
          "direct",
        );
      }
      return g;
    };
    expect(build(20_000).traceDownstream("a", "id").map(fmt)).toEqual(
      build(0).traceDownstream("a", "id").map(fmt),
    );
  });
});
