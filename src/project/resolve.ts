import type { Dialect, Model } from "./types.ts";

/**
 * How a warehouse stores a name written in config (a model name, a `[target]` part), for
 * comparing with a reference's stored parts: Snowflake stores an all-lower-case plain name
 * upper-cased (as its adapter writes it) and any other exactly; BigQuery keeps names as
 * written (table names are case-sensitive).
 */
export function storedName(name: string, dialect: "snowflake" | "bigquery"): string {
  return dialect === "snowflake" && /^[a-z_][a-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
}

/**
 * Maps SQL table references to models: by model name (bare), or by the model's
 * `schema.table` / `catalog.schema.table` target. Matching is case-insensitive (DuckDB,
 * Databricks), except for references from Snowflake and BigQuery models, whose parts come
 * in the warehouse's stored form (see dialect-analysis.ts) and are compared exactly with
 * the stored form of the model's names (Snowflake `"Events"` is not the model `events`,
 * whose table is EVENTS; BigQuery `Orders` is not `orders`).
 */
export class ModelIndex {
  private readonly byKey = new Map<string, string>();
  private readonly models: Model[];
  private readonly defaults: { catalog?: string; schema?: string };
  private readonly exact = new Map<string, Map<string, string>>();

  constructor(models: Iterable<Model>, defaults: { catalog?: string; schema?: string } = {}) {
    this.models = [...models];
    this.defaults = defaults;
    for (const m of this.models) {
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
  resolve(parts: readonly string[], dialect?: Dialect): string | undefined {
    if (dialect === "snowflake" || dialect === "bigquery")
      return this.exactIndex(dialect).get(parts.join("."));
    return this.byKey.get(parts.join(".").toLowerCase());
  }

  /** Built on first use: keys in the dialect's stored form, compared exactly. */
  private exactIndex(dialect: "snowflake" | "bigquery"): Map<string, string> {
    let index = this.exact.get(dialect);
    if (index) return index;
    index = new Map();
    const add = (parts: string[], name: string) => {
      const key = parts.map((p) => storedName(p, dialect)).join(".");
      if (!index!.has(key)) index!.set(key, name);
    };
    for (const m of this.models) {
      const schema = m.target.schema ?? this.defaults.schema;
      const catalog = m.target.catalog ?? this.defaults.catalog;
      add([m.name], m.name);
      if (schema) add([schema, m.target.table], m.name);
      if (schema && catalog) add([catalog, schema, m.target.table], m.name);
    }
    this.exact.set(dialect, index);
    return index;
  }
}
