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
import type { Dialect, Fingerprint, MaterializeContext, TableRef } from "../../src/adapter/types.ts";
import { RockyError } from "../../src/errors.ts";
import type { Strategy } from "../../src/project/types.ts";

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

function ctas(t: string, select: string): string {
  return `CREATE OR REPLACE TABLE ${t} AS\n${select}`;
}

function mergeSql(
  t: string,
  select: string,
  keys: string[],
  update: string[] | undefined,
  cols: string[] | undefined,
): string {
  if (keys.length === 0) throw new RockyError("merge strategy requires at least one unique_key column");
  const on = keys.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(" AND ");
  const keySet = new Set(keys.map(normalizeIdent));
  // Snowflake has no `UPDATE SET *` / `INSERT *`. With the column list known we spell
  // it out; without it we fall back to `ALL BY NAME` (Snowflake 2025 MERGE syntax).
  const updCols = update ?? cols?.filter((c) => !keySet.has(normalizeIdent(c)));
  const whenMatched =
    updCols === undefined
      ? "WHEN MATCHED THEN UPDATE ALL BY NAME"
      : updCols.length === 0
        ? undefined
        : `WHEN MATCHED THEN UPDATE SET ${updCols.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(", ")}`;
  const whenNot =
    cols === undefined
      ? "WHEN NOT MATCHED THEN INSERT ALL BY NAME"
      : `WHEN NOT MATCHED THEN INSERT (${cols.map(quoteIdent).join(", ")}) VALUES (${cols.map((c) => `s.${quoteIdent(c)}`).join(", ")})`;
  return [`MERGE INTO ${t} AS t`, `USING (\n${select}\n) AS s`, `ON ${on}`, whenMatched, whenNot]
    .filter((l) => l !== undefined)
    .join("\n");
}

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

  materialize(target: TableRef, select: string, strategy: Strategy, ctx: MaterializeContext): string[] {
    const t = qualify(target);
    // A view where a table is wanted (or the reverse) cannot be appended to: rebuild.
    const rebuild =
      !ctx.targetExists ||
      ctx.fullRefresh ||
      (ctx.existingKind !== undefined && ctx.existingKind !== "table");
    // Snowflake's CREATE OR REPLACE TABLE refuses to replace a view (and vice versa).
    const drop = (want: "table" | "view"): string[] =>
      ctx.existingKind && ctx.existingKind !== want
        ? [`DROP ${ctx.existingKind === "view" ? "VIEW" : "TABLE"} IF EXISTS ${t}`]
        : [];
    const build = (): string[] => [...drop("table"), ctas(t, select)];
    switch (strategy.type) {
      case "full_refresh":
        return build();
      case "view":
        return [...drop("view"), `CREATE OR REPLACE VIEW ${t} AS\n${select}`];
      case "incremental": {
        if (rebuild) return build();
        const ts = quoteIdent(strategy.timestamp_column);
        // The stored watermark when there is one; else the target's own maximum, which
        // is NULL on an empty target (then everything is new). Works for any ordered type.
        const cond = ctx.watermark
          ? `${ts} > ${ctx.watermark}`
          : `${ts} > (SELECT MAX(${ts}) FROM ${t}) OR (SELECT MAX(${ts}) FROM ${t}) IS NULL`;
        return [`INSERT INTO ${t}\nSELECT * FROM (\n${select}\n) AS _rocky_src\nWHERE ${cond}`];
      }
      case "merge":
        if (rebuild) return build();
        return [mergeSql(t, select, strategy.unique_key, strategy.update_columns, ctx.columns)];
      case "delete_insert": {
        if (rebuild) return build();
        if (strategy.partition_by.length === 0) {
          throw new RockyError("delete_insert strategy requires at least one partition_by column");
        }
        // NULL-safe: a NULL partition is replaced like any other (IN would skip it).
        const match = strategy.partition_by
          .map((c) => `_rocky_incoming.${quoteIdent(c)} IS NOT DISTINCT FROM ${t}.${quoteIdent(c)}`)
          .join(" AND ");
        return [
          `DELETE FROM ${t}\nWHERE EXISTS (\n  SELECT 1 FROM (\n${select}\n) AS _rocky_incoming\n  WHERE ${match}\n)`,
          `INSERT INTO ${t}\n${select}`,
        ];
      }
    }
  }

  /** Text exact to the nanosecond: the session output formats are pinned at connect. */
  maxValueQuery(target: TableRef, column: string): string {
    return `SELECT TO_VARCHAR(MAX(${quoteIdent(column)})) FROM ${qualify(target)}`;
  }

  /** Snowflake casts a string literal to the column's type in a comparison. */
  watermarkLiteral(value: string): string {
    return stringLiteral(value);
  }

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
