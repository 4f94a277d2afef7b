/**
 * Compile-time checks of each model's `[[tests]]` (SPEC §17): an unknown type, a missing
 * or bad argument, a column the model does not output, or a relationships target that is
 * neither a model nor a declared source is a compile error pointing at the sidecar's line.
 * Without these a misspelt test would silently never run.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { CompiledModel, Diagnostic } from "../compile/types.ts";
import { didYouMean } from "../errors.ts";
import type { Model, Project } from "../project/types.ts";
import { columnsNamed, originOf, parseTest, TEST_TYPES, type TestDef } from "./definitions.ts";

export const TEST_CODES = {
  unknownType: "E060",
  badArgument: "E061",
  unknownColumn: "E062",
  unknownTable: "E063",
} as const;

/** Line numbers of the `index`-th `[[tests]]` block of a TOML file and of each key in it. */
function locate(text: string | undefined, index: number): { header: number; keys: Map<string, number> } {
  const keys = new Map<string, number>();
  if (text === undefined) return { header: 1, keys };
  const lines = text.split("\n");
  let seen = -1;
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (/^\[\[\s*tests\s*\]\]/.test(l)) {
      seen++;
      if (seen === index) header = i;
      else if (header >= 0) break;
      continue;
    }
    if (header >= 0 && /^\[/.test(l)) break;
    if (header >= 0) {
      const m = /^([A-Za-z0-9_"-]+)\s*=/.exec(l);
      if (m) keys.set(m[1]!.replaceAll('"', ""), i + 1);
    }
  }
  if (header < 0) {
    // `tests = [{...}]` inline: the `tests` key's line.
    const i = lines.findIndex((l) => /^\s*tests\s*=/.test(l));
    return { header: i >= 0 ? i + 1 : 1, keys };
  }
  return { header: header + 1, keys };
}

export interface CheckedTests {
  diagnostics: Diagnostic[];
  /** Parsed tests per model, for the models whose tests are all valid. */
  tests: Map<string, TestDef[]>;
}

/** Parse every model's tests; problems become diagnostics. */
export function parseProjectTests(project: Project, compiled: Map<string, CompiledModel>): CheckedTests {
  const diagnostics: Diagnostic[] = [];
  const tests = new Map<string, TestDef[]>();
  const texts = new Map<string, string | undefined>();
  const read = (file: string) => {
    if (!texts.has(file)) {
      try {
        texts.set(file, readFileSync(file, "utf8"));
      } catch {
        texts.set(file, undefined);
      }
    }
    return texts.get(file);
  };
  const sources = project.config.sources;
  for (const m of project.models) {
    const parsed: TestDef[] = [];
    let allOk = true;
    m.tests.forEach((raw, i) => {
      const origin = originOf(raw);
      const file = origin?.file ?? m.sidecar;
      const where = file ? locate(read(file), origin?.index ?? i) : undefined;
      const span = (key?: string): Diagnostic["span"] =>
        file
          ? {
              file: relative(project.config.root, file),
              line: (key !== undefined ? where?.keys.get(key.split(".")[0]!) : undefined) ?? where!.header,
              col: 1,
            }
          : { file: m.relPath, line: 1, col: 1 };
      const push = (code: string, message: string, key: string | undefined, suggestion?: string) =>
        diagnostics.push({
          severity: "Error",
          code,
          message: `model '${m.name}': ${message}`,
          model: m.name,
          span: span(key),
          suggestion: suggestion ?? null,
        });
      const r = parseTest(raw, m.name);
      if (!r.ok) {
        allOk = false;
        for (const p of r.problems) {
          const suggestion =
            p.kind === "unknown_type" && typeof raw.type === "string"
              ? (didYouMean(raw.type, TEST_TYPES) ?? p.suggestion)
              : p.kind === "bad_argument" && p.key !== undefined && p.suggestion
                ? (didYouMean(p.key, argNames(raw.type)) ?? p.suggestion)
                : p.suggestion;
          push(
            p.kind === "unknown_type" ? TEST_CODES.unknownType : TEST_CODES.badArgument,
            p.message,
            p.key,
            suggestion,
          );
        }
        return;
      }
      const t = r.test;
      const columns = compiled.get(m.name)?.columns;
      if (columns) {
        const have = new Set(columns.map((c) => c.toLowerCase()));
        for (const { key, column } of columnsNamed(t)) {
          if (have.has(column.toLowerCase())) continue;
          allOk = false;
          push(
            TEST_CODES.unknownColumn,
            `${t.type} test names column '${column}', which the model does not output (its columns: ${columns.join(", ")})`,
            key,
            didYouMean(column, columns) ?? "name one of the model's output columns",
          );
        }
      }
      if (t.type === "relationships") {
        const target = project.byName.get(t.toTable);
        const source = sources.get(t.toTable);
        const key = (raw.to !== undefined ? "to" : "to_table") as string;
        if (!target && !source) {
          allOk = false;
          push(
            TEST_CODES.unknownTable,
            `relationships test points to '${t.toTable}', which is neither a model nor a declared source`,
            key,
            didYouMean(t.toTable, [...project.byName.keys(), ...sources.keys()]) ??
              "name a model of the project, or declare the table under [sources] in rocky.toml",
          );
        } else {
          const cols = target ? compiled.get(target.name)?.columns : source?.columns.map((c) => c.name);
          if (cols && !cols.some((c) => c.toLowerCase() === t.toColumn.toLowerCase())) {
            allOk = false;
            push(
              TEST_CODES.unknownColumn,
              `relationships test points to column '${t.toColumn}' of '${t.toTable}', which has no such column (its columns: ${cols.join(", ")})`,
              raw.to !== undefined ? "to" : "to_column",
              didYouMean(t.toColumn, cols) ?? `name one of the columns of '${t.toTable}'`,
            );
          }
        }
      }
      parsed.push(t);
    });
    if (allOk && parsed.length > 0) tests.set(m.name, parsed);
  }
  return { diagnostics, tests };
}

function argNames(type: unknown): string[] {
  const base = ["type", "severity", "where", "filter", "name", "description"];
  const extra: Record<string, string[]> = {
    not_null: ["column"],
    unique: ["column", "columns"],
    composite: ["kind", "columns"],
    accepted_values: ["column", "values"],
    relationships: ["column", "to", "to_table", "to_column"],
    expression: ["expression", "column"],
    row_count_range: ["min", "max"],
    sql: ["sql"],
  };
  return [...base, ...(extra[String(type)] ?? [])];
}

/** The compile post-pass: one diagnostic per problem of any model's tests. */
export function checkTests(project: Project, compiled: Map<string, CompiledModel>): Diagnostic[] {
  return parseProjectTests(project, compiled).diagnostics;
}

/** The parsed tests of one model (empty when it has none or they do not validate). */
export function testsOf(model: Model, project: Project, compiled: Map<string, CompiledModel>): TestDef[] {
  return parseProjectTests({ ...project, models: [model] }, compiled).tests.get(model.name) ?? [];
}
