/**
 * Compile-time checks of each model's `[strategy]` against what the model outputs:
 * a strategy naming a column the model does not produce fails at run time (or worse,
 * writes wrong rows), and an incremental aggregate without a key cannot be re-processed
 * correctly. Both stop a run before any SQL, like any compile error.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { didYouMean } from "../errors.ts";
import type { Model, Project } from "../project/types.ts";
import { Lexer } from "../sql/lexer.ts";
import type { SqlDialect } from "../sql/types.ts";
import type { CompiledModel, Diagnostic } from "./types.ts";

export const STRATEGY_CODES = {
  /** An incremental model that aggregates (GROUP BY, DISTINCT, aggregate functions) without `unique_key`. */
  aggregateWithoutKey: "E040",
  /** A strategy column (`timestamp_column`, `unique_key`, `partition_by`, `update_columns`) the model does not output. */
  unknownColumn: "E041",
  /** An incremental model with window functions: rows before the mark are never recomputed. */
  windowInIncremental: "W042",
} as const;

/** Where the `[strategy]` of a model is written: its sidecar at the key's line, else the model file. */
function spanOf(project: Project, m: Model, key: string): Diagnostic["span"] {
  if (!m.sidecar) return { file: m.relPath, line: 1, col: 1 };
  let line = 1;
  try {
    const lines = readFileSync(m.sidecar, "utf8").split("\n");
    const i = lines.findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
    if (i >= 0) line = i + 1;
  } catch {
    // The sidecar was read at load time; a vanished file only loses the line number.
  }
  return { file: relative(project.config.root, m.sidecar), line, col: 1 };
}

/** The outermost query's aggregation, if any: `GROUP BY`, `SELECT DISTINCT`, or none. */
export function topLevelAggregation(sql: string, dialect?: SqlDialect): "GROUP BY" | "DISTINCT" | undefined {
  const lexer = new Lexer(sql, dialect);
  let depth = 0;
  let previous: "group" | "select" | undefined;
  let distinct = false;
  while (lexer.next()) {
    if (lexer.is("(")) depth++;
    else if (lexer.is(")")) depth--;
    if (depth !== 0 || lexer.is(")")) {
      previous = undefined;
      continue;
    }
    if (previous === "group" && lexer.isWord("by")) return "GROUP BY";
    if (previous === "select" && lexer.isWord("distinct")) distinct = true;
    previous = lexer.isWord("group") ? "group" : lexer.isWord("select") ? "select" : undefined;
  }
  return distinct ? "DISTINCT" : undefined;
}

export function checkStrategies(project: Project, compiled: Map<string, CompiledModel>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of project.models) {
    const s = m.strategy;
    if (s.type === "full_refresh" || s.type === "view") continue;
    const cm = compiled.get(m.name);
    const columns = cm?.columns;
    if (columns) {
      const have = new Set(columns.map((c) => c.toLowerCase()));
      const named: [string, string[]][] =
        s.type === "incremental"
          ? [
              ["timestamp_column", [s.timestamp_column]],
              ["unique_key", s.unique_key ?? []],
            ]
          : s.type === "merge"
            ? [
                ["unique_key", s.unique_key],
                ["update_columns", s.update_columns ?? []],
              ]
            : [["partition_by", s.partition_by]];
      for (const [key, cols] of named) {
        for (const c of cols) {
          if (have.has(c.toLowerCase())) continue;
          out.push({
            severity: "Error",
            code: STRATEGY_CODES.unknownColumn,
            message: `model '${m.name}': [strategy] ${key} names '${c}', which the model does not output (its columns: ${columns.join(", ")})`,
            model: m.name,
            span: spanOf(project, m, key),
            suggestion: didYouMean(c, columns) ?? `set ${key} to one of the model's output columns`,
          });
        }
      }
    }
    if (s.type !== "incremental") continue;
    const windowed = (cm?.analysis.columns ?? []).filter((c) => c.transform.kind === "window");
    if (windowed.length > 0)
      out.push({
        severity: "Warning",
        code: STRATEGY_CODES.windowInIncremental,
        message: `incremental model '${m.name}' computes ${windowed.map((c) => `'${c.name}'`).join(", ")} with a window function: rows before the high-water mark are never recomputed, so a window over new rows (a count, a rank) can leave them different from a full rebuild`,
        model: m.name,
        span: spanOf(project, m, "type"),
        suggestion: "make the model full_refresh, or keep only windows whose earlier rows cannot change",
      });
    if (s.unique_key) continue;
    const aggregated =
      topLevelAggregation(m.sql, m.dialect) ??
      (cm?.analysis.columns?.some((c) => c.transform.kind === "aggregation") ? "an aggregate" : undefined);
    if (!aggregated) continue;
    // The group columns are the outputs that are not aggregates (and not the timestamp).
    const keys = (cm?.analysis.columns ?? [])
      .filter((c) => c.transform.kind !== "aggregation" && c.name !== s.timestamp_column)
      .map((c) => `"${c.name}"`);
    out.push({
      severity: "Error",
      code: STRATEGY_CODES.aggregateWithoutKey,
      message: `incremental model '${m.name}' aggregates (${aggregated}) but declares no unique_key: re-processing its latest period would add a second row for a group instead of replacing it`,
      model: m.name,
      span: spanOf(project, m, "type"),
      suggestion:
        keys.length > 0
          ? `declare the group's columns under [strategy]: unique_key = [${keys.join(", ")}]`
          : "declare unique_key = [...] (the columns that identify one output row) under [strategy]",
    });
  }
  return out;
}
