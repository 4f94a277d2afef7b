import { contractType } from "../../project/contract.ts";
import { alignColumns, CLEAR_LINE, plural, progressCounts } from "../../format.ts";
import { defineCommand } from "citty";
import { loadAndCompile } from "../../compile/load.ts";
import { mark } from "../../compile/profile.ts";
import { compilePayload } from "../../compile/report.ts";
import { parseTargetDialects, portabilityDiagnostics } from "../../compile/portability.ts";
import type { CompileResult, Diagnostic } from "../../compile/types.ts";
import { didYouMean, ExitCode, RockyError } from "../../errors.ts";
import { globals } from "../context.ts";
import { hasSelection, selectInProject } from "../../graph/selection.ts";
import { EXCLUDE_HELP, SELECT_HELP, selectionFlags } from "../selection.ts";
import { envelope } from "../output.ts";
import { writeStderr, writeStdout } from "../../runtime/stdio.ts";
import { withNewline } from "../render/lineage-text.ts";
import { bold, dim, green, isInteractive, red, yellow } from "../style.ts";

export function renderDiagnostic(d: Diagnostic, fileOf: (model: string) => string | undefined): string {
  // Without a position, the model's file still tells the reader where to look.
  const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.col}` : `${fileOf(d.model) ?? d.model}:`;
  const colour = d.severity === "Error" ? red : d.severity === "Warning" ? yellow : dim;
  const line = `${where} ${colour(d.code)} ${d.message}`;
  return d.suggestion ? `${line}\n  hint: ${d.suggestion}` : line;
}

/**
 * `compile --model M`: each output column with its type where rocky knows it (the model's
 * contract; otherwise it is decided by the warehouse at run time) and what it is computed from.
 */
function columnLines(result: CompileResult, model: string, columns: readonly string[]): string[] {
  const decl = result.project.byName.get(model);
  const rows = columns.map((c) => {
    const from = result.graph
      .producers(model, c)
      .map(
        (e) => `${e.source.model}.${e.source.column}${e.transform === "direct" ? "" : ` (${e.transform})`}`,
      );
    return [c, contractType(decl, c) ?? "?", from.length > 0 ? from.join(", ") : "-"] as const;
  });
  const [header, ...body] = alignColumns([["column", "type", "computed from"], ...rows], "      ");
  return [
    dim(header ?? ""),
    ...body,
    ...(rows.some((r) => r[1] === "?")
      ? [dim("      ? = type not known before the run (declare it in the model's [contract])")]
      : []),
  ];
}

/** The text report; `quiet`: no line per model and no info diagnostics, only problems and the summary. */
function renderText(
  result: CompileResult,
  only: Set<string> | undefined,
  quiet = false,
  detail = false,
): string {
  const lines: string[] = [];
  const errorModels = new Set(result.diagnostics.filter((d) => d.severity === "Error").map((d) => d.model));
  for (const [name, m] of quiet ? [] : result.models) {
    if (only && !only.has(name)) continue;
    if (m.columns === undefined)
      lines.push(`  ${red("✗")} ${name} ${dim(`(unavailable: ${m.unavailable})`)}`);
    else {
      const mark = errorModels.has(name) ? red("✗") : green("✓");
      lines.push(`  ${mark} ${name} ${dim(`(${plural(m.columns.length, "column")})`)}`);
      if (detail) lines.push(...columnLines(result, name, m.columns));
    }
  }
  const diags = result.diagnostics.filter(
    (d) => (!only || only.has(d.model)) && !(quiet && d.severity === "Info"),
  );
  const fileOf = (model: string) => result.project.byName.get(model)?.relPath;
  if (diags.length > 0)
    lines.push(...(lines.length > 0 ? [""] : []), ...diags.map((d) => renderDiagnostic(d, fileOf)));
  const count = (s: Diagnostic["severity"]) => result.diagnostics.filter((d) => d.severity === s).length;
  const errors = count("Error");
  const summary = `Compiled: ${plural(result.models.size, "model")} in ${plural(result.dag.layers.length, "layer")}, ${plural(errors, "error")}, ${plural(count("Warning"), "warning")}, ${count("Info")} info (${result.timings.total_ms} ms)`;
  if (lines.length > 0) lines.push("");
  lines.push(`  ${errors > 0 ? red(summary) : bold(summary)}`);
  return lines.join("\n");
}

export default defineCommand({
  meta: {
    name: "compile",
    description: `Load, resolve and analyse every model; report diagnostics, layers and columns.

Exits 1 when any diagnostic is an error (the report is printed first).

Example:
  rocky compile
  rocky compile --model fct_orders -o json
  rocky compile --select tag:finance -o json
  rocky compile --quiet
  rocky compile --target-dialect snowflake,bigquery   # also warn about SQL that does not port`,
  },
  args: {
    model: { type: "string", description: "Show only this model's status and diagnostics" },
    select: { type: "string", description: `Show only these models: ${SELECT_HELP}` },
    exclude: { type: "string", description: EXCLUDE_HELP },
    "target-dialect": {
      type: "string",
      description:
        "Warn about constructs that do not port to these dialects (duckdb, snowflake, bigquery, databricks; comma-separated)",
    },
    quiet: {
      type: "boolean",
      alias: "q",
      description: "Summary only: errors and warnings, no line per model",
    },
    cache: {
      type: "boolean",
      default: true,
      description: "Use the analysis cache in .rocky-cache/ (--no-cache to parse every model)",
    },
  },
  async run({ args, rawArgs }) {
    // Progress only for people: on a terminal, in text mode, for compiles long enough to wait
    // on (a big project, or one that has taken a second already).
    const showProgress = isInteractive() && globals().output !== "json";
    const started = Date.now();
    let shown = false;
    const result = await loadAndCompile(globals().config, {
      cache: args.cache,
      ...(showProgress
        ? {
            onProgress: (done: number, total: number) => {
              if (done < total && (total >= 500 || Date.now() - started >= 1000)) {
                writeStderr(
                  `${CLEAR_LINE}  analysing models: ${progressCounts(done, total, Date.now() - started)}`,
                );
                shown = true;
              } else if (done >= total && shown) writeStderr(CLEAR_LINE);
            },
          }
        : {}),
    });
    const targetDialect = args["target-dialect"];
    if (targetDialect !== undefined) {
      result.diagnostics.push(
        ...portabilityDiagnostics(result, parseTargetDialects([String(targetDialect)])),
      );
    }
    let only: Set<string> | undefined;
    if (args.model !== undefined) {
      const m = [...result.models.keys()].find((n) => n.toLowerCase() === args.model!.toLowerCase());
      if (!m) {
        throw new RockyError(`no model named '${args.model}'`, {
          code: "not_found",
          hint: didYouMean(args.model, result.models.keys()) ?? "run 'rocky compile' to list the models",
        });
      }
      only = new Set([m]);
    }
    // Selectors name models exactly (as run and test); --model above stays case-insensitive.
    const { models: _model, ...selectors } = await selectionFlags(rawArgs, globals().config);
    if (hasSelection(selectors))
      only = new Set(selectInProject(result, { ...selectors, models: [...(only ?? [])] }));
    mark("compiled");
    const payload = envelope("compile", compilePayload(result, only));
    mark("payload built");
    writeStdout(
      withNewline(
        globals().output === "json"
          ? JSON.stringify(payload, null, 2)
          : renderText(result, only, args.quiet === true, args.model !== undefined),
      ),
    );
    mark("payload written");
    if (result.hasErrors) throw new ExitCode(1);
  },
});
