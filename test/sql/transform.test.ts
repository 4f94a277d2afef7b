import { describe, expect, test } from "bun:test";
import {
  aggregation,
  CAST,
  DIRECT,
  EXPRESSION,
  kindOfRendered,
  maxTransform,
  renderTransform,
  transformRank,
  windowOf,
} from "../../src/sql/transform.ts";
import type { Transform } from "../../src/sql/types.ts";
import { renderHtml } from "../../src/cli/render/lineage-html.ts";
import { buildPicture } from "../../src/cli/render/lineage-picture.ts";
import { analyze, useParser } from "./helpers.ts";

// Every kind, with the string Rocky shows for it in JSON and text.
const CASES: [Transform, string][] = [
  [DIRECT, "direct"],
  [CAST, "cast"],
  [EXPRESSION, "expression"],
  [aggregation("sum"), "aggregation: sum"],
  [aggregation("percentile_cont"), "aggregation: percentile_cont"],
  [windowOf("row_number"), "window: row_number"],
];

describe("renderTransform", () => {
  for (const [t, s] of CASES)
    test(`${JSON.stringify(t)} renders as ${JSON.stringify(s)}`, () => {
      expect(renderTransform(t)).toBe(s);
      expect(kindOfRendered(s)).toBe(t.kind);
    });

  test("a string that is no transform has no kind", () => {
    expect(kindOfRendered("indirect")).toBeUndefined();
    expect(kindOfRendered("")).toBeUndefined();
    expect(kindOfRendered("constructor")).toBeUndefined();
  });

  test("ranks direct < cast < expression < aggregation < window; ties keep the first", () => {
    const ranks = CASES.map(([t]) => transformRank(t));
    expect(ranks).toEqual([0, 1, 2, 3, 3, 4]);
    const first = aggregation("SUM");
    expect(maxTransform(first, aggregation("MAX"))).toBe(first);
    expect(maxTransform(EXPRESSION, windowOf("RANK"))).toEqual(windowOf("RANK"));
  });
});

describe("analysis carries structured transforms", () => {
  const parser = useParser();
  test("each kind from SQL", async () => {
    const a = await analyze(
      parser(),
      "SELECT id, CAST(id AS INT) AS c, id + 1 AS e, SUM(v) AS s, ROW_NUMBER() OVER (ORDER BY id) AS w FROM t GROUP BY id",
    );
    expect(a.columns?.map((c) => c.transform)).toEqual([
      { kind: "direct" },
      { kind: "cast" },
      { kind: "expression" },
      { kind: "aggregation", fn: "sum" },
      { kind: "window", fn: "row_number" },
    ]);
  });
});

describe("lineage HTML colours an edge by its transform's kind", () => {
  test("one class per kind, from the edge's Rocky string", () => {
    const edges = [...CASES.map(([, s]) => s), "something new"].map((transform, i) => ({
      source: { model: "raw.t", column: `c${i}` },
      target: { model: "m", column: `c${i}` },
      transform,
    }));
    const picture = buildPicture({ table: () => undefined, allTables: () => [] }, "t", { model: "m" }, edges);
    const classes = [...renderHtml(picture).matchAll(/<path class="edge value (\w+)"/g)].map((m) => m[1]);
    expect(classes).toEqual([
      "direct",
      "cast",
      "expression",
      "aggregation",
      "aggregation",
      "window",
      "expression",
    ]);
  });
});
