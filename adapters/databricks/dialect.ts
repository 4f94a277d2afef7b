/**
 * Databricks (Spark SQL on Delta / Unity Catalog) SQL text. Pure: no I/O.
 *
 * Case rule: Unity Catalog names are case-insensitive and stored lower case, with
 * or without backticks, so identifiers are quoted as written and never folded.
 */
import {
  RockyError,
  standardSeedSql,
  standardStrategySql,
  type Dialect,
  type Fingerprint,
  type TableRef,
} from "../../src/adapter/sdk.ts";

export function quoteIdent(id: string): string {
  if (id.length === 0) throw new RockyError("empty identifier");
  return `\`${id.replace(/`/g, "``")}\``;
}

/** A string literal: Spark treats `\` as an escape inside '...', so it is doubled too. */
export function stringLiteral(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export function qualify(ref: TableRef): string {
  const parts = ref.catalog ? [ref.catalog, ref.schema, ref.table] : [ref.schema, ref.table];
  return parts.map(quoteIdent).join(".");
}

function qualifySchema(catalog: string | undefined, schema: string): string {
  return catalog ? `${quoteIdent(catalog)}.${quoteIdent(schema)}` : quoteIdent(schema);
}

const strategySql = standardStrategySql(
  { quoteIdent, qualify },
  { targetAlias: "t", sourceAlias: "s", updateAll: "UPDATE SET *", insertAll: "INSERT *", setPrefix: "t." },
);

export class DatabricksDialect implements Dialect {
  readonly name = "databricks";
  readonly foldIdentifier = (id: string): string => id.toLowerCase(); // Unity Catalog ignores case
  /** The catalog from rocky.toml; without one, names are two-part and the session catalog applies. */
  readonly defaultCatalog: string | undefined;
  readonly defaultSchema: string;

  constructor(opts: { catalog?: string; schema?: string } = {}) {
    this.defaultCatalog = opts.catalog;
    this.defaultSchema = opts.schema ?? "default";
  }

  quoteIdent(id: string): string {
    return quoteIdent(id);
  }

  qualify(ref: TableRef): string {
    return qualify(ref);
  }

  /**
   * Branch schemas are made usable unquoted: lower case (what Unity Catalog stores),
   * anything but letters, digits and `_` becomes `_`. Colliding names are refused
   * by the branch code.
   */
  safeSchemaName(name: string): string {
    return name.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  }

  readonly createTableAs = strategySql.createTableAs;
  readonly createView = strategySql.createView;
  readonly insertSelect = strategySql.insertSelect;
  readonly deleteWhere = strategySql.deleteWhere;
  readonly merge = strategySql.merge;

  /** `<=>` is Spark's NULL-safe equality: a NULL partition is replaced like any other. */
  deleteMatching(target: TableRef, select: string, keys: string[]): string {
    if (keys.length === 0)
      throw new RockyError("delete_insert strategy requires at least one partition_by column");
    const t = qualify(target);
    const match = keys.map((k) => `_rocky_incoming.${quoteIdent(k)} <=> ${t}.${quoteIdent(k)}`).join(" AND ");
    return `DELETE FROM ${t}\nWHERE EXISTS (\n  SELECT 1 FROM (\n${select}\n) AS _rocky_incoming\n  WHERE ${match}\n)`;
  }

  /**
   * Delta has no multi-statement transactions, but `INSERT … REPLACE WHERE` deletes and
   * inserts in one atomic commit. Positional: the column check before an in-place
   * update guarantees the same columns.
   */
  replaceWhere(target: TableRef, condition: string, select: string): string {
    return `INSERT INTO ${qualify(target)} REPLACE WHERE ${condition}\n${select}`;
  }

  /** Spark renders timestamps with all their microseconds when cast to STRING. */
  maxValueQuery(target: TableRef, column: string): string {
    return `SELECT CAST(MAX(${quoteIdent(column)}) AS STRING) FROM ${qualify(target)}`;
  }

  /** Spark casts a string literal to the column's type in a comparison. */
  watermarkLiteral(value: string): string {
    return stringLiteral(value);
  }

  /** Spark has no TIME type: a time of day stays its text. */
  readonly seed = standardSeedSql(
    {
      integer: "BIGINT",
      float: "DOUBLE",
      decimal: (p, s) => `DECIMAL(${p},${s})`,
      boolean: "BOOLEAN",
      date: "DATE",
      time: "STRING",
      timestamp: "TIMESTAMP_NTZ",
      timestampTz: "TIMESTAMP",
      text: "STRING",
    },
    stringLiteral,
  );

  createSchema(catalog: string | undefined, schema: string): string {
    return `CREATE SCHEMA IF NOT EXISTS ${qualifySchema(catalog, schema)}`;
  }

  dropSchema(catalog: string | undefined, schema: string): string {
    return `DROP SCHEMA IF EXISTS ${qualifySchema(catalog, schema)} CASCADE`;
  }

  dropTable(ref: TableRef): string {
    return `DROP TABLE IF EXISTS ${qualify(ref)}`;
  }

  dropView(ref: TableRef): string {
    return `DROP VIEW IF EXISTS ${qualify(ref)}`;
  }

  /**
   * A deep clone: the data files are copied, so production does not depend on the branch
   * table's files (a shallow clone would break when the branch is dropped and vacuumed).
   */
  copyTable(source: TableRef, target: TableRef): string {
    return `CREATE OR REPLACE TABLE ${qualify(target)} DEEP CLONE ${qualify(source)}`;
  }

  /** Delta shallow clone: metadata copy pointing at the source's files. */
  cloneTable(source: TableRef, target: TableRef): string {
    return `CREATE OR REPLACE TABLE ${qualify(target)} SHALLOW CLONE ${qualify(source)}`;
  }

  /**
   * Order-independent content hash: per-row `xxhash64(*)`, summed (as DECIMAL so it
   * cannot overflow under ANSI mode) and XOR-ed; the sum sees duplicate rows, which
   * a XOR alone would cancel out.
   */
  fingerprintSql(ref: TableRef): string {
    return (
      "SELECT COUNT(*) AS row_count, " +
      "COALESCE(SUM(CAST(xxhash64(*) AS DECIMAL(38,0))), 0) AS hash_sum, " +
      `COALESCE(BIT_XOR(xxhash64(*)), 0) AS hash_xor FROM ${qualify(ref)}`
    );
  }

  describeSql(ref: TableRef): string {
    return `DESCRIBE TABLE ${qualify(ref)}`;
  }

  /** Its `Type` row says MANAGED / EXTERNAL / VIEW; fails when the object is absent. */
  describeExtendedSql(ref: TableRef): string {
    return `DESCRIBE TABLE EXTENDED ${qualify(ref)}`;
  }

  listTablesSql(catalog: string | undefined, schema: string): string {
    return `SHOW TABLES IN ${qualifySchema(catalog, schema)}`;
  }
}

/** A fingerprint row `[count, sum, xor]` as the service returns it. */
export function toFingerprint(row: unknown[] | undefined): Fingerprint {
  return {
    rowCount: Number(row?.[0] ?? 0),
    hash: `${String(row?.[1] ?? "0")}:${String(row?.[2] ?? "0")}`,
  };
}
