/**
 * `rocky catalog --format parquet`: the catalog as one flat Parquet table, one row per
 * column of each asset (an asset whose columns are unknown has one row with a null
 * column), its incoming edges nested as `inputs`. Written by DuckDB's COPY through the
 * duckdb adapter on an in-memory database, so no warehouse is touched.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createAdapter } from "../adapter/loader.ts";
import { RockyError } from "../errors.ts";
import type { catalogPayload } from "./catalog.ts";

type Catalog = ReturnType<typeof catalogPayload>;

/** The Parquet schema (read_json's `columns`): stable whatever the project holds. */
const COLUMNS: Record<string, string> = {
  asset: "VARCHAR",
  kind: "VARCHAR",
  file: "VARCHAR",
  target: "VARCHAR",
  column: "VARCHAR",
  type: "VARCHAR",
  inputs: 'STRUCT(model VARCHAR, "column" VARCHAR, transform VARCHAR)[]',
};

interface Input {
  model: string;
  column: string;
  transform: string;
}

export interface CatalogRow {
  asset: string;
  kind: string;
  file: string | null;
  target: string | null;
  column: string | null;
  type: string | null;
  inputs: Input[];
}

export function catalogRows(c: Catalog): CatalogRow[] {
  const inputs = new Map<string, Input[]>();
  for (const e of c.edges) {
    const k = `${e.target.model}\0${e.target.column}`;
    const list = inputs.get(k) ?? [];
    list.push({ model: e.source.model, column: e.source.column, transform: e.transform });
    inputs.set(k, list);
  }
  return c.assets.flatMap((a): CatalogRow[] => {
    const base = {
      asset: a.name,
      kind: a.kind,
      file: a.file,
      target: a.target ? [a.target.catalog, a.target.schema, a.target.table].filter(Boolean).join(".") : null,
    };
    if (a.columns.length === 0) return [{ ...base, column: null, type: null, inputs: [] }];
    return a.columns.map((col) => ({
      ...base,
      column: col.name,
      type: col.type,
      inputs: inputs.get(`${a.name}\0${col.name}`) ?? [],
    }));
  });
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Write the catalog to `out` as Parquet; returns the number of rows written. */
export async function writeCatalogParquet(c: Catalog, out: string, projectRoot: string): Promise<number> {
  const rows = catalogRows(c);
  const tmp = mkdtempSync(join(tmpdir(), "rocky-catalog-"));
  const adapter = await createAdapter({ type: "duckdb", path: ":memory:" }, { projectRoot, name: "catalog" });
  try {
    const json = join(tmp, "catalog.ndjson");
    writeFileSync(json, rows.map((r) => JSON.stringify(r)).join("\n"));
    await adapter.connect();
    const columns = Object.entries(COLUMNS)
      .map(([k, t]) => `${lit(k)}: ${lit(t)}`)
      .join(", ");
    try {
      await adapter.execute(
        `COPY (SELECT * FROM read_json(${lit(json)}, format = 'newline_delimited', columns = {${columns}})) TO ${lit(resolve(out))} (FORMAT parquet)`,
      );
    } catch (e) {
      throw new RockyError(`cannot write ${out}: ${(e as Error).message}`, {
        hint: "check that its folder exists and is writable",
      });
    }
    return rows.length;
  } finally {
    await adapter.close().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}
