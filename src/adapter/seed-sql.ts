/**
 * SQL for `rocky seed` on a warehouse other than DuckDB: the CSV is read locally by DuckDB
 * (types sniffed or declared), then each column gets the warehouse's type and each value
 * its literal. A dialect spells only its type names and string literal (`standardSeedSql`).
 */

/** The warehouse's name for each kind of column DuckDB can read from a CSV. */
export interface SeedTypes {
  integer: string;
  float: string;
  decimal(precision: number, scale: number): string;
  boolean: string;
  date: string;
  time: string;
  /** A timestamp without time zone (DuckDB TIMESTAMP). */
  timestamp: string;
  /** An instant (DuckDB TIMESTAMP WITH TIME ZONE). */
  timestampTz: string;
  text: string;
}

export interface SeedSql {
  /** The warehouse column type for a CSV column DuckDB read as `duckdbType`. */
  columnType(duckdbType: string): string;
  /** The literal for one value: `text` is DuckDB's VARCHAR cast of it (null: SQL NULL). */
  value(text: string | null, duckdbType: string): string;
}

type Kind = keyof Omit<SeedTypes, "decimal"> | "decimal";

function kindOf(duckdbType: string): { kind: Kind; precision?: number; scale?: number } {
  const t = duckdbType.toUpperCase().trim();
  if (/^U?(TINYINT|SMALLINT|INTEGER)$/.test(t) || t === "BIGINT") return { kind: "integer" };
  // Beyond 64 bits signed: kept exact as a 38-digit decimal.
  if (t === "UBIGINT" || t === "HUGEINT" || t === "UHUGEINT")
    return { kind: "decimal", precision: 38, scale: 0 };
  if (t === "FLOAT" || t === "DOUBLE") return { kind: "float" };
  const d = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (d) return { kind: "decimal", precision: Number(d[1]), scale: Number(d[2]) };
  if (t === "BOOLEAN") return { kind: "boolean" };
  if (t === "DATE") return { kind: "date" };
  if (t === "TIME") return { kind: "time" };
  if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") return { kind: "timestampTz" };
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(t)) return { kind: "timestamp" };
  return { kind: "text" };
}

export function standardSeedSql(types: SeedTypes, stringLiteral: (s: string) => string): SeedSql {
  const columnType = (duckdbType: string) => {
    const k = kindOf(duckdbType);
    return k.kind === "decimal" ? types.decimal(k.precision!, k.scale!) : types[k.kind];
  };
  return {
    columnType,
    value(text, duckdbType) {
      if (text === null) return "NULL";
      const { kind } = kindOf(duckdbType);
      if (kind === "text") return stringLiteral(text);
      if (kind === "boolean") return text === "true" ? "TRUE" : "FALSE";
      // A bare integer or finite float is a number literal everywhere; anything else
      // (decimals, dates, inf/nan) is cast from its text so no dialect guesses its type.
      if (kind === "integer" && /^-?\d+$/.test(text)) return text;
      if (kind === "float" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) return text;
      return `CAST(${stringLiteral(text)} AS ${columnType(duckdbType)})`;
    },
  };
}
