/**
 * Where a model without a `[target]` goes: the default adapter's catalog and schema.
 * Read from the adapter's config keys, without loading the adapter plugin, so that
 * compile and lineage never pay for a warehouse SDK.
 */
import { basename, extname } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import type { Model } from "../project/types.ts";

export interface DefaultLocation {
  catalog?: string;
  schema?: string;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export function defaultLocation(config: LoadedConfig): DefaultLocation {
  const adapter = config.adapters.get("default") ?? [...config.adapters.values()][0];
  if (!adapter) return { schema: "main" };
  const a = adapter as Record<string, unknown>;
  const with_ = (catalog: string | undefined, schema: string | undefined): DefaultLocation => ({
    ...(catalog ? { catalog } : {}),
    ...(schema ? { schema } : {}),
  });
  switch (adapter.type) {
    case "duckdb": {
      // DuckDB names the catalog after the database file; an in-memory database is "memory".
      const path = str(a.path);
      const catalog = !path || path === ":memory:" ? "memory" : basename(path, extname(path));
      return with_(catalog, str(a.schema) ?? "main");
    }
    case "snowflake":
      return with_(str(a.database), str(a.schema) ?? "PUBLIC");
    case "bigquery":
      return with_(str(a.project) ?? str(a.project_id), str(a.dataset) ?? str(a.schema));
    case "databricks":
      return with_(str(a.catalog), str(a.schema) ?? "default");
    default:
      return with_(str(a.catalog) ?? str(a.database), str(a.schema));
  }
}

/** A model's full target with defaults applied (catalog/schema may stay empty on warehouses without them). */
export function resolvedTarget(
  model: Model,
  defaults: DefaultLocation,
): { catalog: string; schema: string; table: string } {
  return {
    catalog: model.target.catalog ?? defaults.catalog ?? "",
    schema: model.target.schema ?? defaults.schema ?? "",
    table: model.target.table,
  };
}
