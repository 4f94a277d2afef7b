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

describe("SemanticGraph indirect edges (SPEC 15)", () => {
  // src.a, src.k -> m (WHERE k; a window ORDER BY a computes m.r) -> n (GROUP BY m.x).
  const build = () => {
    const g = graph({ m: ["x", "y", "r"], n: ["x", "cnt"] }, ["src.a -> m.x", "src.b -> m.y", "m.x -> n.x"]);
    g.addIndirect("m", [
      { source: { model: "src", column: "k" }, via: "where", outputs: [] },
      { source: { model: "src", column: "a" }, via: "window_order", outputs: ["r"] },
      // A second read of the same (column, via) widens the first one's outputs.
      { source: { model: "src", column: "a" }, via: "window_order", outputs: ["y"] },
    ]);
    g.addIndirect("n", [{ source: { model: "m", column: "x" }, via: "group_by", outputs: [] }]);
    return g;
  };
  const ind = (e: {
    source: { model: string; column: string };
    target: { model: string; column: string };
    via?: string;
    kind?: string;
    depth?: number;
  }) =>
    `${e.source.model}.${e.source.column} -> ${e.target.model}.${e.target.column} (${e.kind === "indirect" ? e.via : "value"})${e.depth === undefined ? "" : ` @${e.depth}`}`;

  test("a read with no outputs affects every output column; listed outputs only those; counts as expanded", () => {
    const g = build();
    expect(g.indirectOf("m")).toEqual([
      { source: { model: "src", column: "k" }, via: "where", outputs: ["x", "y", "r"] },
      { source: { model: "src", column: "a" }, via: "window_order", outputs: ["r", "y"] },
    ]);
    expect(g.indirectProducers("m", "r").map(ind)).toEqual([
      "src.k -> m.r (where)",
      "src.a -> m.r (window_order)",
    ]);
    expect(g.indirectProducers("m", "x").map(ind)).toEqual(["src.k -> m.x (where)"]);
    expect(g.indirectConsumers("m", "x").map(ind)).toEqual([
      "m.x -> n.x (group_by)",
      "m.x -> n.cnt (group_by)",
    ]);
    // 3 (where) + 2 (window) + 2 (group by), stored as 3 reads; the value edges are untouched.
    expect(g.indirectEdgeCount).toBe(7);
    expect(g.indirectReadCount).toBe(3);
    expect(g.edgeCount).toBe(3);
    expect(g.edges().map(fmt)).toEqual(["src.a -> m.x", "src.b -> m.y", "m.x -> n.x"]);
    expect(g.indirectKnown("m")).toBe(true);
    expect(g.indirectKnown("src")).toBe(false);
  });

  test("traces with indirect edges mark each entry; value edges of a node come first", () => {
    const g = build();
    expect(g.traceWithIndirect("n", "cnt", "upstream").map(ind)).toEqual([
      "m.x -> n.cnt (group_by) @1",
      "src.a -> m.x (value) @2",
      "src.k -> m.x (where) @2",
    ]);
    expect(g.traceWithIndirect("src", "a", "downstream").map(ind)).toEqual([
      "src.a -> m.x (value) @1",
      "src.a -> m.r (window_order) @1",
      "src.a -> m.y (window_order) @1",
      "m.x -> n.x (value) @2",
      "m.x -> n.x (group_by) @2",
      "m.x -> n.cnt (group_by) @2",
    ]);
    // Without --indirect the trace is the value trace.
    expect(g.traceDownstream("src", "a").map(fmt)).toEqual(["src.a -> m.x @1", "m.x -> n.x @2"]);
  });

  test("impact: value if a path of value edges reaches the column, else indirect; or the first edge's kind", () => {
    const g = build();
    const show = (kindBy: "path" | "edge") =>
      g
        .impact([{ model: "src", column: "k" }], kindBy)
        .map((r) => `${r.model}.${r.column}:${r.kind}@${r.depth}`);
    expect(show("path")).toEqual([
      "m.x:indirect@1",
      "m.y:indirect@1",
      "m.r:indirect@1",
      "n.x:indirect@2",
      "n.cnt:indirect@2",
    ]);
    // By edge: n.x is reached from m.x by a value edge (diff's `via`).
    expect(show("edge")).toEqual([
      "m.x:indirect@1",
      "m.y:indirect@1",
      "m.r:indirect@1",
      "n.x:value@2",
      "n.cnt:indirect@2",
    ]);
    expect(g.impact([{ model: "src", column: "a" }]).map((r) => `${r.model}.${r.column}:${r.kind}`)).toEqual([
      "m.x:value",
      "m.r:indirect",
      "m.y:indirect",
      "n.x:value",
      "n.cnt:indirect",
    ]);
  });
});
