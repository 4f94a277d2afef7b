import { describe, expect, test } from "bun:test";
import { buildDag, reachable } from "../../src/graph/dag.ts";

const deps = (o: Record<string, string[]>) => new Map(Object.entries(o));

describe("model DAG", () => {
  test("topological order with alphabetical ties, and layers by longest path", () => {
    const dag = buildDag(deps({ d: ["b", "c"], c: ["a"], b: ["a"], a: [], e: [], f: ["d", "e"] }));
    expect(dag.order).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(dag.layers).toEqual([["a", "e"], ["b", "c"], ["d"], ["f"]]);
    expect(dag.downstream.get("a")).toEqual(["b", "c"]);
    expect([...reachable(dag, "f", "upstream")].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect([...reachable(dag, "b", "downstream")].sort()).toEqual(["d", "f"]);
  });
  test("a cycle is reported as the cycle itself, in data-flow order", () => {
    expect(() => buildDag(deps({ a: ["c"], b: ["a"], c: ["b"], z: [] }))).toThrow(
      "dependency cycle: a -> b -> c -> a",
    );
  });
  test("a self-reference is a cycle", () => {
    expect(() => buildDag(deps({ a: ["a"] }))).toThrow("dependency cycle: a -> a");
  });
  test("an unknown dependency names both models", () => {
    expect(() => buildDag(deps({ a: ["ghost"] }))).toThrow(
      "model 'a' depends on 'ghost', which is not a model",
    );
  });
});
