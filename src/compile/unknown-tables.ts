/**
 * Table references that match no model and no declared `[sources]` entry. Undeclared
 * external tables are legal (their columns are simply unknown), so this is a warning,
 * W020, with a did-you-mean over model and source names: a typo'd `FROM stg_returns`
 * otherwise compiles silently and fails only in the warehouse. With `[project]
 * strict_sources = true` every undeclared table is an error, E020. Whether the table
 * exists in the warehouse is checked by `rocky run` before any SQL (src/run/external-tables.ts).
 */
import type { SourceDecl } from "../config/load.ts";
import { closeMatches } from "../errors.ts";
import type { Project } from "../project/types.ts";
import { lineCol } from "./position.ts";
import type { CompiledModel, Diagnostic } from "./types.ts";

/** The warehouse's own catalog views: never declared, always there. */
export const SYSTEM_SCHEMA = /^(information_schema|pg_catalog)$/i;

export const UNKNOWN_TABLE_CODES = { warning: "W020", error: "E020" } as const;

export interface TableLookup {
  model(parts: readonly string[]): string | undefined;
  source(parts: readonly string[]): SourceDecl | undefined;
}

export function unknownTableDiagnostics(
  project: Project,
  models: ReadonlyMap<string, CompiledModel>,
  tables: TableLookup,
): Diagnostic[] {
  const strict = project.config.strictSources === true;
  const modelNames = [...models.keys()];
  const sourceNames = [...project.config.sources.keys()];
  const out: Diagnostic[] = [];
  for (const [name, m] of models) {
    const file = project.byName.get(name);
    const seen = new Set<string>();
    for (const ref of m.refs) {
      if (ref.model !== undefined || tables.model(ref.parts) || tables.source(ref.parts)) continue;
      if (ref.parts.some((p) => SYSTEM_SCHEMA.test(p))) continue;
      const table = ref.parts.join(".");
      if (seen.has(table.toLowerCase())) continue;
      seen.add(table.toLowerCase());
      const near = tableSuggestion(ref.parts, modelNames, sourceNames, [name]);
      const declare = `declare its columns under [sources.${table}]`;
      out.push({
        severity: strict ? "Error" : "Warning",
        code: strict ? UNKNOWN_TABLE_CODES.error : UNKNOWN_TABLE_CODES.warning,
        message: strict
          ? `table ${table} is not a model or a declared source (strict_sources = true)`
          : `table ${table} is not a model or a declared source: read as an external table with unknown columns`,
        model: name,
        span: file ? { file: file.relPath, ...lineCol(file.sql, ref.start) } : null,
        suggestion: near ?? (strict ? declare : `if it is an external table, ${declare}`),
      });
    }
  }
  return out;
}

/** `did you mean …?` for a table name: sources by their whole dotted name, models by the table part. */
export function tableSuggestion(
  parts: readonly string[],
  modelNames: readonly string[],
  sourceNames: readonly string[],
  /** The models reading it: never what was meant. */
  readers: readonly string[] = [],
): string | undefined {
  const table = parts.join(".");
  const same = (x: string) => x.toLowerCase() === table.toLowerCase();
  const close = [
    ...closeMatches(table, sourceNames).filter((x) => !same(x)),
    ...closeMatches(
      parts.at(-1) ?? table,
      modelNames.filter((x) => !readers.includes(x)),
    ),
  ].slice(0, 3);
  return close.length > 0 ? `did you mean ${close.map((x) => `'${x}'`).join(", ")}?` : undefined;
}
