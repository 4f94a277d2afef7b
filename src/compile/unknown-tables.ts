/**
 * Table references that match no model and no declared `[sources]` entry. Undeclared
 * external tables are legal (their columns are simply unknown), so this is a warning,
 * W020, with a did-you-mean over model and source names: a typo'd `FROM stg_returns`
 * otherwise compiles silently and fails only in the warehouse. With `[project]
 * strict_sources = true` every undeclared table is an error, E020. Whether the table
 * exists in the warehouse is checked by `rocky run` before any SQL (src/run/external-tables.ts).
 */
import type { SourceDecl } from "../config/load.ts";
import { closeMatches, didYouMeanOf } from "../errors.ts";
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
  const suggester = new TableSuggester([...models.keys()], [...project.config.sources.keys()]);
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
      const near = suggester.suggest(ref.parts, [name]);
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

interface Named {
  name: string;
  lower: string;
}

/** Candidate names looked at, at most, for all the suggestions of one compile. */
const SUGGESTION_BUDGET = 50_000;

/**
 * `did you mean …?` for table names, memoised per name: sources by their whole dotted
 * name; models (whose names are bare) only for a bare reference, since `raw.x` is not a
 * typo of a model. Bounded by a budget, so a 10k-model project reading thousands of
 * undeclared tables does not pay millions of edit distances for hints.
 */
export class TableSuggester {
  private readonly memo = new Map<string, string[]>();
  private spent = 0;
  private readonly models: Named[];
  private readonly sources: Named[];
  private readonly everything: Named[];
  constructor(modelNames: readonly string[], sourceNames: readonly string[]) {
    const named = (n: string): Named => ({ name: n, lower: n.toLowerCase() });
    this.models = modelNames.map(named);
    this.sources = sourceNames.map(named);
    this.everything = [...this.sources, ...this.models];
  }

  /** `readers`: the models reading the table, never what was meant. */
  suggest(parts: readonly string[], readers: readonly string[] = []): string | undefined {
    const table = parts.join(".");
    const key = table.toLowerCase();
    let close = this.memo.get(key);
    if (!close) {
      const pool = parts.length === 1 ? this.everything : this.sources;
      this.spent += pool.length;
      close =
        this.spent > SUGGESTION_BUDGET
          ? []
          : closeMatches(table, plausible(key, pool), 6).filter((x) => x.toLowerCase() !== key);
      this.memo.set(key, close);
    }
    const shown = close.filter((x) => !readers.includes(x)).slice(0, 3);
    return didYouMeanOf(shown);
  }
}

const counts = new Int32Array(65536);
const seenAt = new Uint32Array(65536);
let stamp = 0;

/** A letter's count difference, counted once per letter (and cleared for the next pair). */
function take(k: number): number {
  if (seenAt[k] === stamp) return 0;
  seenAt[k] = stamp;
  const d = Math.abs(counts[k]!);
  counts[k] = 0;
  return d;
}

/** The L1 distance of two names' letter counts: an edit distance is at least half of it. */
function lettersApart(a: string, b: string): number {
  stamp++;
  for (let i = 0; i < a.length; i++) counts[a.charCodeAt(i)]!++;
  for (let i = 0; i < b.length; i++) counts[b.charCodeAt(i)]!--;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff += take(a.charCodeAt(i));
  for (let i = 0; i < b.length; i++) diff += take(b.charCodeAt(i));
  return diff;
}

/**
 * The candidates `closeMatches` could accept, found cheaply, so most names are ruled out
 * without an edit distance (a 10k-model project reading many undeclared tables stays fast).
 */
function plausible(lower: string, pool: readonly Named[]): string[] {
  const limit = Math.max(2, Math.floor(lower.length / 3));
  const out: string[] = [];
  for (const { name, lower: cl } of pool) {
    if (Math.abs(cl.length - lower.length) <= limit ? lettersApart(lower, cl) / 2 <= limit : false)
      out.push(name);
    else if (cl.includes(lower) || lower.includes(cl)) out.push(name);
  }
  return out;
}
