/**
 * Snowflake SQL text. Pure: no I/O, usable at compile time and in golden tests.
 *
 * Case rule (the convention of Snowflake's SQLAlchemy dialect): Snowflake stores an
 * unquoted identifier in upper case, so `orders` written in a model, or a source
 * loaded as RAW.ORDERS, is the object ORDERS. rocky always quotes, so it writes an
 * all-lower-case identifier that would be valid unquoted in upper case (`orders` →
 * `"ORDERS"`), and keeps any other name exactly (`Order`, `fix-price` stay
 * case-sensitive). Reading back, an all-upper-case plain name is reported in lower
 * case (ORDERS → `orders`), so names round-trip: `id` → ID → `id`, `Order` → `Order`.
 */
import {
  RockyError,
  standardSeedSql,
  standardStrategySql,
  type Dialect,
  type Fingerprint,
  type TableRef,
} from "../../src/adapter/sdk.ts";

/** The name Snowflake stores for `id` as rocky writes it (rocky → Snowflake). */
export function normalizeIdent(id: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(id) ? id.toUpperCase() : id;
}

/** The name rocky reports for a name Snowflake stores (Snowflake → rocky); inverse of normalizeIdent. */
export function denormalizeIdent(stored: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(stored) && /[A-Z]/.test(stored) ? stored.toLowerCase() : stored;
}

export function quoteIdent(id: string): string {
  if (id.length === 0) throw new RockyError("empty identifier");
  return `"${normalizeIdent(id).replace(/"/g, '""')}"`;
}

/** A string literal: Snowflake treats `\` as an escape inside '...', so it is doubled too. */
export function stringLiteral(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export function qualify(ref: TableRef): string {
  const parts = ref.catalog ? [ref.catalog, ref.schema, ref.table] : [ref.schema, ref.table];
  return parts.map(quoteIdent).join(".");
}

/**
 * Snowflake has no `UPDATE SET *` / `INSERT *`: with the column list known MERGE spells
 * it out; without it, `ALL BY NAME` (Snowflake 2025 MERGE syntax).
 */
const strategySql = standardStrategySql(
  { quoteIdent, qualify },
  {
    targetAlias: "t",
    sourceAlias: "s",
    updateAll: "UPDATE ALL BY NAME",
    insertAll: "INSERT ALL BY NAME",
    foldKey: normalizeIdent,
  },
);

export class SnowflakeDialect implements Dialect {
  readonly name = "snowflake";
  readonly foldIdentifier = normalizeIdent; // quoted names are exact, as rocky normalises them
  /** The database from rocky.toml; without one, names are two-part and the session database applies. */
  readonly defaultCatalog: string | undefined;
  readonly defaultSchema: string;

  constructor(opts: { database?: string; schema?: string } = {}) {
    this.defaultCatalog = opts.database;
    this.defaultSchema = opts.schema ?? "PUBLIC";
  }

  quoteIdent(id: string): string {
    return quoteIdent(id);
  }

  /** How Snowflake stores `id` as rocky writes it (`orders` → `ORDERS`); for name comparisons. */
  normalizeIdent(id: string): string {
    return normalizeIdent(id);
  }

  qualify(ref: TableRef): string {
    return qualify(ref);
  }

  /**
   * Branch schemas are made usable unquoted: upper case, anything but letters,
   * digits, `_` and `$` becomes `_`. `fix-price` and `fix_price` then collide, which
   * the branch code detects and refuses.
   */
  safeSchemaName(name: string): string {
    const s = name.toUpperCase().replace(/[^A-Z0-9_$]/g, "_");
    return /^[0-9$]/.test(s) ? `_${s}` : s;
  }

  readonly createTableAs = strategySql.createTableAs;
  readonly createView = strategySql.createView;
  readonly insertSelect = strategySql.insertSelect;
  readonly deleteWhere = strategySql.deleteWhere;
  readonly deleteMatching = strategySql.deleteMatching;
  readonly merge = strategySql.merge;

  /** Text exact to the nanosecond: the session output formats are pinned at connect. */
  maxValueQuery(target: TableRef, column: string): string {
    return `SELECT TO_VARCHAR(MAX(${quoteIdent(column)})) FROM ${qualify(target)}`;
  }

  /** Snowflake casts a string literal to the column's type in a comparison. */
  watermarkLiteral(value: string): string {
    return stringLiteral(value);
  }

  readonly seed = standardSeedSql(
    {
      integer: "NUMBER(38,0)",
      float: "FLOAT",
      decimal: (p, s) => `NUMBER(${p},${s})`,
      boolean: "BOOLEAN",
      date: "DATE",
      time: "TIME",
      timestamp: "TIMESTAMP_NTZ",
      timestampTz: "TIMESTAMP_TZ",
      text: "VARCHAR",
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

  /** Zero-copy clone: metadata only, storage shared until either side changes. */
  cloneTable(source: TableRef, target: TableRef): string {
    return `CREATE OR REPLACE TABLE ${qualify(target)} CLONE ${qualify(source)}`;
  }

  /** Atomic exchange of two tables (names, data, grants), across schemas; copies nothing. */
  swapTables(a: TableRef, b: TableRef): string {
    return `ALTER TABLE ${qualify(a)} SWAP WITH ${qualify(b)}`;
  }

  /** `HASH_AGG(*)` is order-independent over whole rows; COUNT(*) rides along. */
  fingerprintSql(ref: TableRef): string {
    return `SELECT COUNT(*) AS ROW_COUNT, HASH_AGG(*) AS CONTENT_HASH FROM ${qualify(ref)}`;
  }

  /** Columns of one table, in order (information_schema of the table's database). */
  describeSql(ref: TableRef): string {
    return (
      "SELECT column_name, data_type, is_nullable, numeric_precision, numeric_scale, character_maximum_length\n" +
      `FROM ${infoSchema(ref.catalog)}.COLUMNS\n` +
      `WHERE table_schema = ${stringLiteral(normalizeIdent(ref.schema))} AND table_name = ${stringLiteral(normalizeIdent(ref.table))}\n` +
      "ORDER BY ordinal_position"
    );
  }

  /** `BASE TABLE` or `VIEW`, no row when absent. */
  objectKindSql(ref: TableRef): string {
    return (
      `SELECT table_type FROM ${infoSchema(ref.catalog)}.TABLES\n` +
      `WHERE table_schema = ${stringLiteral(normalizeIdent(ref.schema))} AND table_name = ${stringLiteral(normalizeIdent(ref.table))}`
    );
  }

  listTablesSql(catalog: string | undefined, schema: string): string {
    return (
      `SELECT table_name FROM ${infoSchema(catalog)}.TABLES\n` +
      `WHERE table_schema = ${stringLiteral(normalizeIdent(schema))}\nORDER BY table_name`
    );
  }
}

function qualifySchema(catalog: string | undefined, schema: string): string {
  return catalog ? `${quoteIdent(catalog)}.${quoteIdent(schema)}` : quoteIdent(schema);
}

function infoSchema(catalog: string | undefined): string {
  return catalog ? `${quoteIdent(catalog)}.INFORMATION_SCHEMA` : "INFORMATION_SCHEMA";
}

/** Snowflake's information_schema type plus its precision, as DESCRIBE shows it (`NUMBER(38,0)`). */
export function columnType(dataType: string, precision: unknown, scale: unknown, length: unknown): string {
  const t = dataType.toUpperCase();
  if (t === "NUMBER" && precision != null) return `NUMBER(${String(precision)},${String(scale ?? 0)})`;
  if (t === "TEXT") return length != null ? `VARCHAR(${String(length)})` : "VARCHAR";
  return t;
}

/** A fingerprint row `[count, hash]` as the service returns it. */
export function toFingerprint(row: unknown[] | undefined): Fingerprint {
  return { rowCount: Number(row?.[0] ?? 0), hash: String(row?.[1] ?? "0") };
}
