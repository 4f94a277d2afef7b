/**
 * Files read by model SQL (`read_csv('data/people.csv')`, `FROM 'data/x.parquet'`).
 * A relative path means the project root, whatever the current folder (the DuckDB adapter
 * sets `file_search_path` to it), so lineage names such a source by its path from the
 * root, and the diagnostics about them say what helps: a file's columns are known only
 * once it is read, so list them; `[sources]` cannot declare a file.
 */
import { isAbsolute, join, normalize, relative } from "node:path";
import type { Project } from "../project/types.ts";
import type { CompiledModel, Diagnostic } from "./types.ts";

const FILE_EXTENSION = /\.(csv|tsv|txt|parquet|json|jsonl|ndjson|xlsx|gz|zst)$/i;

/** A table name that is really a file path (DuckDB's `FROM 'data/x.csv'`). */
export function looksLikeFile(name: string): boolean {
  return name.includes("/") || name.includes("\\") || FILE_EXTENSION.test(name);
}

/** The name lineage gives a file: its path from the project root, or absolute when outside it. */
export function fileSourceName(path: string, root: string): string {
  const abs = isAbsolute(path) ? normalize(path) : join(root, path);
  const rel = relative(root, abs);
  return rel.startsWith("..") || isAbsolute(rel) ? abs : rel.split("\\").join("/");
}

/** The table name lineage uses: a file path resolved against the root, anything else as written. */
export function sourceName(name: string, root: string): string {
  return looksLikeFile(name) ? fileSourceName(name, root) : name;
}

const FILE_FUNCTION =
  /\b(read_csv(?:_auto)?|read_parquet|parquet_scan|read_json(?:_auto|_objects)?|read_ndjson(?:_auto|_objects)?|read_text|read_blob|read_xlsx)\s*\(\s*\[?\s*'((?:[^']|'')*)'/gi;

/** The first path each file-reading function is called with in a model's SQL. */
function filesRead(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of sql.matchAll(FILE_FUNCTION)) {
    const fn = m[1]!.toLowerCase();
    if (!out.has(fn)) out.set(fn, m[2]!.replace(/''/g, "'"));
  }
  return out;
}

/** Reword, in place, the SQL analysis' diagnostics about files so they name the file and give advice that applies. */
export function explainFileSources(
  diagnostics: Diagnostic[],
  project: Project,
  models: ReadonlyMap<string, CompiledModel>,
): void {
  const root = project.config.root;
  const files = new Map<string, Map<string, string>>();
  const filesOf = (model: string) => {
    let hit = files.get(model);
    if (!hit) {
      hit = filesRead(project.byName.get(model)?.sql ?? "");
      files.set(model, hit);
    }
    return hit;
  };
  const dropped = new Set<Diagnostic>();
  for (const d of diagnostics) {
    const before = d.message;
    // W017 (no span to rewrite a table name in): a file is never redirected, so nothing is lost.
    const notFound = /^cannot find (.+) in the SQL text$/.exec(d.message);
    if (d.code === "W017" && notFound && looksLikeFile(notFound[1]!)) {
      dropped.add(d);
      continue;
    }
    const quoted = /^cannot expand \* over (.+): its columns are unknown$/.exec(d.message)?.[1];
    const fn = /\b([a-z_]+)\(…\)/.exec(d.message)?.[1];
    const path = fn === undefined ? undefined : filesOf(d.model).get(fn);
    if (d.code === "W010" && quoted !== undefined && looksLikeFile(quoted)) {
      explainStar(d, `'${quoted}'`, fileSourceName(quoted, root));
    } else if (fn !== undefined && path !== undefined) {
      const name = fileSourceName(path, root);
      if (d.code === "W010") explainStar(d, `${fn}('${path}')`, name);
      else d.message = d.message.replace(`${fn}(…)`, `file ${name} (${fn})`);
    }
    // The model's "unavailable" reason is its first diagnostic's message: keep them the same.
    const m = models.get(d.model);
    if (m && m.unavailable === before) m.unavailable = d.message;
  }
  for (const m of models.values()) {
    const gone = [...dropped].find((d) => d.model === m.name && d.message === m.unavailable);
    if (gone) {
      const next = diagnostics.find((d) => d.model === m.name && !dropped.has(d));
      m.unavailable = next?.message ?? "the model could not be analysed";
    }
  }
  for (let i = diagnostics.length - 1; i >= 0; i--)
    if (dropped.has(diagnostics[i]!)) diagnostics.splice(i, 1);
}

function explainStar(d: Diagnostic, from: string, name: string): void {
  d.message = `cannot expand * over ${from}: a file's columns are not known before it is read`;
  d.suggestion = `list the columns explicitly, e.g. SELECT col_a, col_b FROM ${from}; relative paths are read from the project root (${name})`;
}
