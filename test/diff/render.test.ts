/** The Markdown comment stays readable (and under GitHub's 65,536 characters) on a big change. */
import { expect, test } from "bun:test";
import type { DiffReport, ModelDiff } from "../../src/diff/diff.ts";
import { renderDiffMarkdown } from "../../src/cli/render/diff.ts";

test("a change reaching thousands of columns: capped blast radius, capped sections, no picture", () => {
  const downstream = Array.from({ length: 500 }, (_, i) => ({
    model: `m_${i}`,
    column: "c",
    depth: 1 + (i % 3),
    via: "value" as const,
  }));
  const models: ModelDiff[] = Array.from({ length: 300 }, (_, i) => ({
    model_name: `stg_${i}`,
    status: "modified",
    classification: "breaking",
    changes: ["sql"],
    file: `models/stg_${i}.sql`,
    column_changes: [],
    columns: [
      {
        column: "id",
        kinds: ["expression_changed"],
        classification: "breaking",
        reason: "changed",
        downstream,
      },
    ],
    downstream_models: downstream.map((d) => d.model),
    notes: [],
  }));
  const report: DiffReport = {
    base_ref: "main",
    head_ref: "working tree",
    summary: {
      total_models: 1000,
      added: 0,
      removed: 0,
      modified: 300,
      unchanged: 700,
      breaking: 300,
      non_breaking: 0,
      cosmetic: 0,
      columns_changed: 300,
    },
    models,
    rebuild: models.map((m) => m.model_name),
    impact_edges: [],
  };
  const md = renderDiffMarkdown(report);
  expect(md.length).toBeLessThan(65536);
  expect(md).toContain("… and 488 more");
  expect(md).toContain("… and 260 more changed models");
  expect(md).toContain("models are impacted: too many to draw here");
  expect(md).not.toContain("```mermaid");
});
