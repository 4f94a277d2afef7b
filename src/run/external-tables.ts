/**
 * Before a run executes anything, the external tables its models read (references that
 * are not models: declared sources and undeclared tables alike) must exist. One listing
 * per schema, not one query per table, and every missing table named at once, so a
 * typo'd `FROM stg_returns` stops the run instead of failing after upstream models
 * were already replaced.
 */
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { CompileResult } from "../compile/types.ts";
import { lineCol } from "../compile/position.ts";
import { SYSTEM_SCHEMA, TableSuggester } from "../compile/unknown-tables.ts";
import { RockyError } from "../errors.ts";

interface Reader {
  model: string;
  where: string;
}

function tableRefOf(parts: readonly string[], adapter: Adapter): TableRef | undefined {
  const d = adapter.dialect;
  const withCatalog = (catalog: string | undefined, schema: string, table: string): TableRef =>
    catalog === undefined ? { schema, table } : { catalog, schema, table };
  if (parts.length === 1) return withCatalog(d.defaultCatalog, d.defaultSchema, parts[0]!);
  if (parts.length === 2) return withCatalog(d.defaultCatalog, parts[0]!, parts[1]!);
  if (parts.length === 3) return withCatalog(parts[0], parts[1]!, parts[2]!);
  return undefined;
}

export async function checkExternalTables(
  adapter: Adapter,
  compiled: CompileResult,
  selection: readonly string[],
): Promise<void> {
  // schema key -> table (lower-cased) -> how the SQL names it and who reads it
  const wanted = new Map<
    string,
    { catalog?: string; schema: string; tables: Map<string, { name: string; readers: Reader[] }> }
  >();
  for (const name of selection) {
    const m = compiled.models.get(name);
    const model = compiled.project.byName.get(name);
    for (const ref of m?.refs ?? []) {
      if (ref.model !== undefined) continue;
      const t = tableRefOf(ref.parts, adapter);
      if (!t || SYSTEM_SCHEMA.test(t.schema)) continue;
      const key = `${t.catalog ?? ""}\u0000${t.schema}`.toLowerCase();
      let group = wanted.get(key);
      if (!group) {
        group = {
          ...(t.catalog !== undefined ? { catalog: t.catalog } : {}),
          schema: t.schema,
          tables: new Map(),
        };
        wanted.set(key, group);
      }
      const entry = group.tables.get(t.table.toLowerCase()) ?? { name: ref.parts.join("."), readers: [] };
      const at = model ? lineCol(model.sql, ref.start) : undefined;
      entry.readers.push({
        model: name,
        where: model && at ? `${model.relPath}:${at.line}:${at.col}` : name,
      });
      group.tables.set(t.table.toLowerCase(), entry);
    }
  }
  const missing: { name: string; readers: Reader[] }[] = [];
  await Promise.all(
    [...wanted.values()].map(async (g) => {
      let present: string[];
      try {
        present = adapter.listObjects
          ? (await adapter.listObjects(g.catalog, g.schema)).map((o) => o.name)
          : await adapter.listTables(g.catalog, g.schema);
      } catch {
        // A schema rocky cannot list (permissions): the warehouse will say at run time.
        return;
      }
      // Case-insensitive: a false "exists" only defers the error to the warehouse.
      const have = new Set(present.map((n) => n.toLowerCase()));
      for (const [lower, entry] of g.tables) if (!have.has(lower)) missing.push(entry);
    }),
  );
  if (missing.length === 0) return;
  missing.sort((a, b) => a.name.localeCompare(b.name));
  const sources = compiled.project.config.sources;
  const suggester = new TableSuggester([...compiled.models.keys()], [...sources.keys()]);
  const lines = missing.map((t) => {
    // A declared source that is missing is not a typo: it has to be loaded.
    const near = sources.has(t.name)
      ? undefined
      : suggester.suggest(
          t.name.split("."),
          t.readers.map((r) => r.model),
        );
    const note = sources.has(t.name) ? " (declared in [sources])" : near ? ` (${near})` : "";
    return `  ${t.name}${note}: read by ${t.readers.map((r) => r.where).join(", ")}`;
  });
  const n = missing.length;
  throw new RockyError(
    `${n} table${n === 1 ? "" : "s"} the run reads ${n === 1 ? "does" : "do"} not exist in the warehouse; no SQL was run\n${lines.join("\n")}`,
    {
      code: "missing_tables",
      hint: "fix the reference, or create or load the table first (a model of the project is read by its name)",
    },
  );
}
