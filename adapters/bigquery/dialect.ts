/**
 * BigQuery GoogleSQL text. Pure: no I/O, usable at compile time without credentials.
 *
 * Names: `project.dataset.table`, each part backtick-quoted on its own (GoogleSQL
 * accepts `` `p`.`d`.`t` `` as well as `` `p.d.t` ``; quoting per part keeps a
 * dash in a project id or table name unambiguous).
 */
import {
  type Dialect,
  RockyError,
  standardSeedSql,
  standardStrategySql,
  type TableRef,
} from "../../src/adapter/sdk.ts";

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

  /** GoogleSQL has no `UPDATE SET *`: MERGE spells its columns out (INSERT ROW when unknown). */
  private readonly strategySql = standardStrategySql(
    { quoteIdent, qualify: (r) => this.qualify(r) },
    { targetAlias: "_rocky_t", sourceAlias: "_rocky_s", insertAll: "INSERT ROW" },
  );
  readonly createTableAs = this.strategySql.createTableAs;
  readonly createView = this.strategySql.createView;
  readonly insertSelect = this.strategySql.insertSelect;
  readonly deleteWhere = this.strategySql.deleteWhere;
  readonly merge = this.strategySql.merge;

  /** BigQuery's DELETE takes a target alias, which the EXISTS correlates on. */
  deleteMatching(target: TableRef, select: string, keys: string[]): string {
    if (keys.length === 0)
      throw new RockyError("delete_insert strategy requires at least one partition_by column");
    const match = keys
      .map((c) => `_rocky_s.${quoteIdent(c)} IS NOT DISTINCT FROM _rocky_t.${quoteIdent(c)}`)
      .join(" AND ");
    return `DELETE FROM ${this.qualify(target)} AS _rocky_t WHERE EXISTS (\n  SELECT 1 FROM (\n${select}\n  ) AS _rocky_s WHERE ${match}\n)`;
  }

  /** Multi-statement transactions exist only inside one script job: one script, committed whole. */
  atomic(statements: string[]): string[] {
    return [["BEGIN TRANSACTION;", ...statements.map((s) => `${s};`), "COMMIT TRANSACTION;"].join("\n")];
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

  /** NUMERIC holds 29 integer digits and 9 decimals; wider decimals need BIGNUMERIC. */
  readonly seed = standardSeedSql(
    {
      integer: "INT64",
      float: "FLOAT64",
      decimal: (p, s) => (p - s <= 29 && s <= 9 ? `NUMERIC(${p}, ${s})` : `BIGNUMERIC(${p}, ${s})`),
      boolean: "BOOL",
      date: "DATE",
      time: "TIME",
      timestamp: "DATETIME",
      timestampTz: "TIMESTAMP",
      text: "STRING",
    },
    quoteString,
  );

  /** Table copy (a copy job in DDL form): partitioning, clustering and options go with it. */
  copyTable(source: TableRef, target: TableRef): string {
    return `CREATE OR REPLACE TABLE ${this.qualify(target)} COPY ${this.qualify(source)}`;
  }

  /** Table clone: a copy-on-write snapshot billed only for changed storage. */
  cloneTable(source: TableRef, target: TableRef): string {
    return `CREATE OR REPLACE TABLE ${this.qualify(target)} CLONE ${this.qualify(source)}`;
  }
}
