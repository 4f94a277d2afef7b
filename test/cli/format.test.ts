import { describe, expect, test } from "bun:test";
import type { DagPayload } from "../../src/compile/dag-view.ts";
import { renderDagText } from "../../src/cli/render/dag.ts";
import { alignColumns, plural, progressCounts, rowCount, textTable } from "../../src/format.ts";

describe("one format helper for renderers", () => {
  test("plurals, row counts, progress counters", () => {
    expect([plural(1, "row"), plural(2, "row"), plural(2, "branch", "branches")]).toEqual([
      "1 row",
      "2 rows",
      "2 branches",
    ]);
    expect([rowCount(1), rowCount(12345)]).toEqual(["1 row", "12,345 rows"]);
    expect(progressCounts(5, 200, 62_000, " done")).toBe("5 of 200 done · 1m02s");
  });

  test("columns line up on screen, colour codes not counted; the last column is free", () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
    expect(
      alignColumns(
        [
          [red("x"), "a", "tail one"],
          ["yy", "bbb", "t"],
        ],
        "  ",
      ),
    ).toEqual([`  ${red("x")}   a    tail one`, "  yy  bbb  t"]);
    expect(textTable(["A", "BB"], [["long", "x"]])).toBe("A     BB\nlong  x");
  });

  test("the DAG's text lines up however long the model names are", () => {
    const long = "a_model_name_longer_than_thirty_chars";
    const payload = {
      summary: { total_nodes: 2, total_edges: 1, execution_layers: 2 },
      execution_layers: [["transformation:s"], [`transformation:${long}`]],
      nodes: [
        { id: "transformation:s", kind: "transformation", label: "s", depends_on: [] },
        {
          id: `transformation:${long}`,
          kind: "transformation",
          label: long,
          depends_on: ["transformation:s"],
        },
      ],
      sources: [{ name: "raw.t", read_by: ["s"] }],
    } as unknown as DagPayload;
    const lines = renderDagText(payload).split("\n");
    const at = (l: string | undefined) => l?.indexOf("depends_on:");
    const rows = lines.filter((l) => l.includes("depends_on:"));
    expect(rows).toHaveLength(2);
    expect(at(rows[0])).toBe(at(rows[1]));
    expect(lines).toContain("  raw.t  read by: s");
  });
});
