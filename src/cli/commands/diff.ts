import { defineCommand } from "citty";
import { renderDiffMarkdown, renderDiffText } from "../render/diff.ts";
import { diffPayload, runDiff } from "../../diff/run-diff.ts";
import type { DiffReport } from "../../diff/diff.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { writeStdout } from "../../runtime/stdio.ts";
import { globals } from "../context.ts";
import { envelope } from "../output.ts";
import { hasSelection } from "../../graph/selection.ts";
import { restrictReport } from "../../diff/select.ts";
import { EXCLUDE_HELP, SELECT_HELP, selectionFlags } from "../selection.ts";

const FORMATS = ["text", "table", "json", "markdown"] as const;
type Format = (typeof FORMATS)[number];
const FAIL_ON = ["breaking", "any"] as const;

/** Whether the report trips `--fail-on`: `breaking`, or `any` model change at all (cosmetic included). */
export function failsOn(report: DiffReport, failOn: string | undefined): boolean {
  if (failOn === "breaking") return report.summary.breaking > 0;
  if (failOn === "any") return report.models.length > 0;
  return false;
}

export default defineCommand({
  meta: {
    name: "diff",
    description: `What a change breaks: compare the project at a git revision with the working tree.

Per model: added, removed, modified (SQL, sidecar, strategy, target). Per column: added,
removed, renamed, type changed, expression changed, rows changed, sources changed, each
with its downstream blast radius (columns and depth) and a classification: breaking,
non-breaking or cosmetic (formatting only). Nothing is checked out: the base is read
from git's objects. BASE defaults to the merge base with the default branch.

Exits 0 unless --fail-on is given: --fail-on breaking exits 1 when a change is breaking,
--fail-on any when any model changed.

Example:
  rocky diff                       # against the merge base with main
  rocky diff HEAD~1
  rocky diff origin/main --format markdown > comment.md
  rocky diff --base-dir ../shop-main -o json
  rocky diff main --fail-on breaking
  rocky diff main --select models/marts --exclude fct_legacy`,
  },
  args: {
    base: {
      type: "positional",
      required: false,
      description: "Git revision to compare with (branch, tag, commit)",
    },
    "base-dir": {
      type: "string",
      description: "Compare with the project in this folder instead of a revision",
    },
    format: { type: "string", description: "text | json | markdown (default: follows -o)" },
    "fail-on": { type: "string", description: "breaking | any: exit 1 when such a change exists" },
    select: { type: "string", description: `Report only these models: ${SELECT_HELP}` },
    exclude: { type: "string", description: EXCLUDE_HELP },
    cache: {
      type: "boolean",
      default: true,
      description: "Use the analysis cache in .rocky-cache/ (--no-cache to parse every model)",
    },
  },
  async run({ args, rawArgs }) {
    const format: Format =
      (args.format as Format | undefined) ?? (globals().output === "json" ? "json" : "text");
    if (!FORMATS.includes(format))
      throw new UsageError(`invalid value '${args.format}' for --format`, `use one of: text, json, markdown`);
    const failOn = args["fail-on"];
    if (failOn !== undefined && !(FAIL_ON as readonly string[]).includes(failOn))
      throw new UsageError(`invalid value '${failOn}' for --fail-on`, "use one of: breaking, any");
    const base = typeof args.base === "string" && args.base !== "" ? args.base : undefined;
    if (base !== undefined && args["base-dir"] !== undefined)
      throw new UsageError(
        "BASE and --base-dir cannot be used together",
        "give a revision or a folder, not both",
      );
    const selectors = await selectionFlags(rawArgs, globals().config);
    const run = await runDiff({
      config: globals().config,
      ...(base !== undefined ? { base } : {}),
      ...(args["base-dir"] !== undefined ? { baseDir: args["base-dir"] } : {}),
      cache: args.cache,
    });
    const report = hasSelection(selectors)
      ? restrictReport(run.report, run.head, run.base, selectors)
      : run.report;
    const failed = failsOn(report, failOn);
    const markdown = renderDiffMarkdown(report);
    let text: string;
    if (format === "json")
      text = JSON.stringify(envelope("diff", diffPayload(report, markdown, failed)), null, 2);
    else if (format === "markdown") text = markdown;
    else text = renderDiffText(report);
    writeStdout(text.endsWith("\n") ? text : `${text}\n`);
    if (failed) throw new ExitCode(1);
  },
});
