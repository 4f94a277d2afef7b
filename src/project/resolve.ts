import type { Model } from "./types.ts";

/**
 * Maps SQL table references to models: by model name (bare), or by the model's
 * `schema.table` / `catalog.schema.table` target. Matching is case-insensitive, as
 * unquoted identifiers are in every supported warehouse.
 */
export class ModelIndex {
  private readonly byKey = new Map<string, string>();

  constructor(models: Iterable<Model>, defaults: { catalog?: string; schema?: string } = {}) {
    for (const m of models) {
      const schema = m.target.schema ?? defaults.schema;
      const catalog = m.target.catalog ?? defaults.catalog;
      this.add([m.name], m.name);
      if (schema) this.add([schema, m.target.table], m.name);
      if (schema && catalog) this.add([catalog, schema, m.target.table], m.name);
    }
  }

  private add(parts: string[], name: string) {
    const key = parts.join(".").toLowerCase();
    if (!this.byKey.has(key)) this.byKey.set(key, name);
  }

  /** The model a reference names, or undefined for an external source. */
  resolve(parts: readonly string[]): string | undefined {
    return this.byKey.get(parts.join(".").toLowerCase());
  }
}
