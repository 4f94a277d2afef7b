/**
 * BigQuery GoogleSQL text. Pure: no I/O, usable at compile time without credentials.
 *
 * Names: `project.dataset.table`, each part backtick-quoted on its own (GoogleSQL
 * accepts `` `p`.`d`.`t` `` as well as `` `p.d.t` ``; quoting per part keeps a
 * dash in a project id or table name unambiguous).
 */
import { RockyError } from "../../src/errors.ts";
import type { Strategy } from "../../src/project/types.ts";
import type { Dialect, MaterializeContext, TableRef } from "../../src/adapter/types.ts";

export interface BigQueryDialectOptions {
  /** Default project (catalog) for models without a [target] catalog. */
  project?: string;
  /** Default dataset (schema). */
  dataset?: string;
  /** Dataset location for CREATE SCHEMA (`US`, `EU`, `europe-west1`, ...). */
  location?: string;
}

export const DEFAULT_DATASET = "rocky";

/** Backtick-quote one identifier; backslash and backtick are escaped as GoogleSQL requires. */
export function quoteIdent(id: string): string {
  return `\`${id.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;
}

/** A GoogleSQL string literal. */
export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}

/**
 * Dataset names allow only letters, digits and underscores (max 1024). Everything
 * else becomes `_`, so a branch `fix-price` lands in dataset `branch__fix_price`.
 */
export function safeSchemaName(name: string): string {
  const out = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (out.length === 0) throw new RockyError("a BigQuery dataset name cannot be empty");
  if (out.length > 1024)
    throw new RockyError(`BigQuery dataset name too long (${out.length} > 1024): ${out}`);
  return out;
}

/**
 * Order-independent content hash plus row count. Rows are serialised with
 * TO_JSON_STRING and grouped first, so a duplicated row changes the hash
 * (a plain BIT_XOR over rows would cancel pairs of equal rows out).
 */
export function fingerprintSql(qualified: string): string {
  return [
    "SELECT",
    "  COALESCE(SUM(_rocky_n), 0) AS row_count,",
    "  COALESCE(BIT_XOR(FARM_FINGERPRINT(CONCAT(_rocky_j, '#', CAST(_rocky_n AS STRING)))), 0) AS hash",
    "FROM (",
    "  SELECT TO_JSON_STRING(_rocky_t) AS _rocky_j, COUNT(*) AS _rocky_n",
    `  FROM ${qualified} AS _rocky_t`,
    "  GROUP BY _rocky_j",
    ")",
  ].join("\n");
}

export class BigQueryDialect implements Dialect {
  readonly name = "bigquery";
  readonly foldIdentifier = (id: string): string => id; // datasets and tables are case-sensitive
  readonly defaultCatalog: string | undefined;
  readonly defaultSchema: string;
  readonly location: string | undefined;

  constructor(opts: BigQueryDialectOptions = {}) {
    this.defaultCatalog = opts.project;
    this.defaultSchema = opts.dataset ?? DEFAULT_DATASET;
    this.location = opts.location;
  }

  quoteIdent(id: string): string {
    return quoteIdent(id);
  }

  /** `` `project`.`dataset`.`table` ``; the project falls back to the default, else is left to the job's project. */
  qualify(ref: TableRef): string {
    const project = ref.catalog ?? this.defaultCatalog;
    const parts = project ? [project, ref.schema, ref.table] : [ref.schema, ref.table];
    return parts.map(quoteIdent).join(".");
  }

  safeSchemaName(name: string): string {
    return safeSchemaName(name);
  }

  private schemaRef(catalog: string | undefined, schema: string): string {
    const project = catalog ?? this.defaultCatalog;
    return (project ? [project, schema] : [schema]).map(quoteIdent).join(".");
  }

  materialize(target: TableRef, select: string, strategy: Strategy, ctx: MaterializeContext): string[] {
    const t = this.qualify(target);
    const body = select.trim().replace(/;+\s*$/, "");
    // CREATE OR REPLACE TABLE fails on a view (and vice versa): drop the other kind first.
    const dropOther = (want: "table" | "view"): string[] =>
      ctx.existingKind && ctx.existingKind !== want
        ? [ctx.existingKind === "view" ? this.dropView(target) : this.dropTable(target)]
        : [];
    const ctas = [...dropOther("table"), `CREATE OR REPLACE TABLE ${t} AS\n${body}`];
    // Incremental strategies build the table on first run, on --full-refresh, and over a view.
    const build =
      !ctx.targetExists ||
      ctx.fullRefresh ||
      (ctx.existingKind !== undefined && ctx.existingKind !== "table");
    switch (strategy.type) {
      case "full_refresh":
        return ctas;
      case "view":
        return [...dropOther("view"), `CREATE OR REPLACE VIEW ${t} AS\n${body}`];
      case "incremental": {
        if (build) return ctas;
        const ts = quoteIdent(strategy.timestamp_column);
        // A stored watermark wins; otherwise the target's own high-water mark. The
        // IS NULL arm keeps an empty target from filtering out every row.
        const where = ctx.watermark
          ? `${ts} > ${ctx.watermark}`
          : `(SELECT MAX(${ts}) FROM ${t}) IS NULL OR ${ts} > (SELECT MAX(${ts}) FROM ${t})`;
        return [
          `INSERT INTO ${t}${this.columnList(ctx)}\nSELECT * FROM (\n${body}\n) AS _rocky_src\nWHERE ${where}`,
        ];
      }
      case "merge":
        if (build) return ctas;
        return [this.merge(t, body, strategy.unique_key, strategy.update_columns, ctx.columns)];
      case "delete_insert": {
        if (build) return ctas;
        if (strategy.partition_by.length === 0)
          throw new RockyError("delete_insert strategy requires at least one partition_by column");
        const match = strategy.partition_by
          .map((c) => `_rocky_s.${quoteIdent(c)} IS NOT DISTINCT FROM _rocky_t.${quoteIdent(c)}`)
          .join(" AND ");
        // One multi-statement script, so BigQuery commits the delete and the insert atomically.
        return [
          [
            "BEGIN TRANSACTION;",
            `DELETE FROM ${t} AS _rocky_t WHERE EXISTS (\n  SELECT 1 FROM (\n${body}\n  ) AS _rocky_s WHERE ${match}\n);`,
            `INSERT INTO ${t}${this.columnList(ctx)}\n${body};`,
            "COMMIT TRANSACTION;",
          ].join("\n"),
        ];
      }
    }
  }

  private columnList(ctx: MaterializeContext): string {
    return ctx.columns && ctx.columns.length > 0 ? ` (${ctx.columns.map(quoteIdent).join(", ")})` : "";
  }

  private merge(
    t: string,
    body: string,
    keys: string[],
    updateColumns: string[] | undefined,
    columns: string[] | undefined,
  ): string {
    if (keys.length === 0) throw new RockyError("merge strategy requires at least one unique_key column");
    const keySet = new Set(keys.map((k) => k.toLowerCase()));
    // GoogleSQL has no `UPDATE SET *`: the columns must be spelled out.
    const update = updateColumns ?? columns?.filter((c) => !keySet.has(c.toLowerCase()));
    if (update === undefined) {
      throw new RockyError(
        "BigQuery MERGE needs the model's columns (or update_columns) to build UPDATE SET",
        {
          hint: "set [strategy] update_columns = [...] in the model's sidecar",
        },
      );
    }
    const on = keys.map((k) => `_rocky_t.${quoteIdent(k)} = _rocky_s.${quoteIdent(k)}`).join(" AND ");
    const lines = [`MERGE INTO ${t} AS _rocky_t`, `USING (\n${body}\n) AS _rocky_s`, `ON ${on}`];
    if (update.length > 0) {
      const set = update.map((c) => `${quoteIdent(c)} = _rocky_s.${quoteIdent(c)}`).join(", ");
      lines.push(`WHEN MATCHED THEN UPDATE SET ${set}`);
    }
    if (columns && columns.length > 0) {
      const cols = columns.map(quoteIdent);
      lines.push(
        `WHEN NOT MATCHED THEN INSERT (${cols.join(", ")}) VALUES (${cols.map((c) => `_rocky_s.${c}`).join(", ")})`,
      );
    } else {
      // INSERT ROW inserts the source row as is, in column order.
      lines.push("WHEN NOT MATCHED THEN INSERT ROW");
    }
    return lines.join("\n");
  }

  createSchema(catalog: string | undefined, schema: string): string {
    const opts = this.location ? ` OPTIONS (location = ${quoteString(this.location)})` : "";
    return `CREATE SCHEMA IF NOT EXISTS ${this.schemaRef(catalog, schema)}${opts}`;
  }

  dropSchema(catalog: string | undefined, schema: string): string {
    return `DROP SCHEMA IF EXISTS ${this.schemaRef(catalog, schema)} CASCADE`;
  }

  dropTable(ref: TableRef): string {
    return `DROP TABLE IF EXISTS ${this.qualify(ref)}`;
  }

  dropView(ref: TableRef): string {
    return `DROP VIEW IF EXISTS ${this.qualify(ref)}`;
  }

  /** STRING keeps TIMESTAMP micros exact; compared back through watermarkLiteral. */
  maxValueQuery(target: TableRef, column: string): string {
    return `SELECT CAST(MAX(${quoteIdent(column)}) AS STRING) FROM ${this.qualify(target)}`;
  }

  /**
   * GoogleSQL coerces a string literal to DATE/TIMESTAMP/DATETIME but never to a
   * number: an integer or decimal watermark must stay a bare number.
   */
  watermarkLiteral(value: string): string {
    return /^-?\d+(\.\d+)?$/.test(value) ? value : quoteString(value);
  }

  /** Table clone: a copy-on-write snapshot billed only for changed storage. */
  cloneTable(source: TableRef, target: TableRef): string {
    return `CREATE OR REPLACE TABLE ${this.qualify(target)} CLONE ${this.qualify(source)}`;
  }
}
