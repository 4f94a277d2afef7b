/**
 * An embedded DuckDB behind the Snowflake and Databricks loopback stand-ins, so a statement
 * the real adapter sends is executed, not answered from a script: tables the run creates
 * hold rows, fingerprints and compare queries are computed from them, and a test asserts
 * warehouse contents.
 *
 * Fidelity, honestly:
 * - A statement is run in DuckDB as sent; when DuckDB rejects it, it is transpiled from the
 *   dialect with @polyglot-sql/sdk and a few fixes where polyglot's DuckDB SQL does not
 *   execute (`execFixes`: Snowflake FLATTEN, `CAST(j -> 'p' AS TEXT)` of a JSON string).
 * - Warehouse statements DuckDB lacks are emulated: Snowflake `HASH_AGG(*)` (an xor of row
 *   hashes: equal tables agree, it is not Snowflake's value), `CLONE` (a copy),
 *   `ALTER TABLE a SWAP WITH b` (three renames, one schema); Databricks `DESCRIBE TABLE
 *   [EXTENDED]`, `SHALLOW/DEEP CLONE`, `xxhash64(*)`.
 * - Names: one attached catalog per warehouse database; DuckDB matches identifiers without
 *   case, as Databricks does; Snowflake's upper-case folding is what rocky sends (quoted).
 * - Types are DuckDB's, reported under the dialect's names (`NUMBER`, `TEXT`, `STRING`…).
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { loadPolyglot } from "../../src/sql/dialect.ts";

export type EngineDialect = "snowflake" | "databricks";

export interface EngineResult {
  /** Column names as the warehouse reports them, and DuckDB's type of each. */
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
  kind: "select" | "ddl" | "dml";
}

const SF_TYPES: Array<[RegExp, string]> = [
  [/^(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER|DECIMAL.*)$/, "NUMBER"],
  [/^(?:DOUBLE|FLOAT|REAL)$/, "FLOAT"],
  [/^VARCHAR$/, "TEXT"],
  [/^JSON$/, "VARIANT"],
  [/^TIMESTAMP$/, "TIMESTAMP_NTZ"],
  [/^TIMESTAMP WITH TIME ZONE$/, "TIMESTAMP_TZ"],
];
const DBX_TYPES: Array<[RegExp, string]> = [
  [/^INTEGER$/, "int"],
  [/^BIGINT$/, "bigint"],
  [/^(?:DOUBLE|FLOAT)$/, "double"],
  [/^(?:VARCHAR|JSON)$/, "string"],
  [/^BOOLEAN$/, "boolean"],
  [/^DECIMAL(.*)$/, "decimal$1"],
];

export class DuckEngine {
  /** Every statement received and what DuckDB was given for it (after emulation/transpile). */
  readonly log: { sent: string; ran: string[] }[] = [];
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly dialect: EngineDialect,
  ) {}

  /** A DuckDB with the catalogs attached (the first one in use) and `setup` (DuckDB SQL) run. */
  static async open(dialect: EngineDialect, catalogs: string[], setup: string[] = []): Promise<DuckEngine> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    for (const c of catalogs) await conn.run(`ATTACH ':memory:' AS "${c}"`);
    if (catalogs[0]) await conn.run(`USE "${catalogs[0]}"`);
    for (const s of setup) await conn.run(s);
    return new DuckEngine(instance, conn, dialect);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /** DuckDB SQL straight (for a test's own assertions): rows of JS values as strings. */
  async query(sql: string): Promise<(string | null)[][]> {
    return (await this.read(sql)).rows;
  }

  /** Executes one statement the adapter sent, in the dialect. */
  async execute(sent: string): Promise<EngineResult> {
    const ran: string[] = [];
    this.log.push({ sent, ran });
    // Databricks backtick names in DuckDB's quotes first: rocky's own statements then run as they are.
    const text = this.dialect === "databricks" ? unbacktick(sent) : sent;
    const emulated = this.emulate(text);
    if (emulated !== undefined) {
      let last: EngineResult = { columns: [], rows: [], kind: "ddl" };
      for (const s of emulated) {
        ran.push(s);
        last = await this.read(s);
      }
      return this.named(last, sent);
    }
    ran.push(text);
    try {
      return this.named(await this.read(text), sent);
    } catch (first) {
      const p = await loadPolyglot();
      const t = p.transpile(sent, this.dialect as never, "duckdb" as never);
      if (!t.success || !t.sql?.[0]) throw first;
      const fixed = execFixes(t.sql.join(";\n"), this.dialect);
      ran.push(fixed);
      return this.named(await this.read(fixed), sent);
    }
  }

  private async read(sql: string): Promise<EngineResult> {
    const r = await this.conn.runAndReadAll(sql);
    const names = r.columnNames();
    const types = r.columnTypes().map((t) => t.toString());
    const rows = r
      .getRowsJS()
      .map((row) =>
        row.map((v) =>
          v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : String(v),
        ),
      );
    const head = sql.trimStart().slice(0, 12).toUpperCase();
    const kind = /^(?:SELECT|WITH|DESCRIBE|SHOW|FROM)/.test(head)
      ? "select"
      : /^(?:INSERT|UPDATE|DELETE|MERGE)/.test(head)
        ? "dml"
        : "ddl";
    return { columns: names.map((name, i) => ({ name, type: types[i] ?? "VARCHAR" })), rows, kind };
  }

  /** Result names as the warehouse gives them (Snowflake upper-cases unquoted aliases), its type names. */
  private named(r: EngineResult, sent: string): EngineResult {
    const typeAt = r.columns.findIndex((c) => /^data_type$/i.test(c.name));
    if (typeAt >= 0 && /INFORMATION_SCHEMA|^DESCRIBE /i.test(sent)) {
      r = { ...r, rows: r.rows.map((row) => row.map((v, i) => (i === typeAt && v ? this.typeName(v) : v))) };
    }
    if (this.dialect !== "snowflake") return r;
    // Snowflake stores an unquoted name upper-cased (rocky's CTAS aliases are unquoted).
    const nameAt = r.columns.findIndex((c) => /^column_name$/i.test(c.name));
    if (nameAt >= 0 && /INFORMATION_SCHEMA/i.test(sent)) {
      r = { ...r, rows: r.rows.map((row) => row.map((v, i) => (i === nameAt && v ? v.toUpperCase() : v))) };
    }
    return {
      ...r,
      columns: r.columns.map((c) => ({
        ...c,
        name: sent.includes(`"${c.name}"`) ? c.name : c.name.toUpperCase(),
      })),
    };
  }

  /** The warehouse's own type name of a DuckDB type. */
  typeName(duckType: string): string {
    const list = /^(.*)\[\]$/.exec(duckType);
    if (list) return this.dialect === "databricks" ? `array<${this.typeName(list[1] as string)}>` : "ARRAY";
    for (const [re, name] of this.dialect === "snowflake" ? SF_TYPES : DBX_TYPES)
      if (re.test(duckType)) return duckType.replace(re, name);
    return duckType;
  }

  /** DuckDB statements standing for a warehouse statement DuckDB lacks, or undefined. */
  private emulate(sql: string): string[] | undefined {
    const s = sql.trim();
    let m = /^SELECT COUNT\(\*\) AS (\w+), HASH_AGG\(\*\) AS (\w+) FROM (\S+)$/i.exec(s);
    if (m) {
      // xor of row hashes: order-free like HASH_AGG; shifted into a signed 64-bit number.
      return [
        `SELECT COUNT(*) AS ${m[1]}, CAST(COALESCE(bit_xor(hash(_t)), 0) >> 1 AS BIGINT) AS ${m[2]} FROM ${m[3]} AS _t`,
      ];
    }
    if (/\.INFORMATION_SCHEMA\./i.test(s)) {
      // DuckDB's information_schema spans every attached catalog: scoped to the one named.
      return [
        s.replace(
          /"?(\w+)"?\.INFORMATION_SCHEMA\."?(\w+)"?/gi,
          (_m, catalog: string, view: string) =>
            `(SELECT * FROM information_schema.${view.toLowerCase()} WHERE table_catalog = '${catalog}')`,
        ),
      ];
    }
    m = /^SHOW TABLES IN "([^"]+)"\."([^"]+)"$/i.exec(s);
    if (m) {
      return [
        `SELECT table_schema AS "database", table_name AS "tableName", false AS "isTemporary" FROM information_schema.tables WHERE table_catalog = '${m[1]}' AND table_schema = '${m[2]}' ORDER BY table_name`,
      ];
    }
    m = /^DESCRIBE TABLE (EXTENDED )?("[^"]+"\."[^"]+"\."[^"]+")$/i.exec(s);
    if (m) {
      const [catalog, schema, table] = [...(m[2] as string).matchAll(/"([^"]+)"/g)].map((x) => x[1]);
      const where = `table_catalog = '${catalog}' AND table_schema = '${schema}' AND table_name = '${table}'`;
      const extended = m[1]
        ? ` UNION ALL SELECT 1, 0, '', '' UNION ALL SELECT 1, 1, '# Detailed Table Information', '' UNION ALL SELECT 1, 2, 'Type', (SELECT CASE table_type WHEN 'VIEW' THEN 'VIEW' ELSE 'MANAGED' END FROM information_schema.tables WHERE ${where})`
        : "";
      return [
        // Fails as a missing table does (the answer maps it to TABLE_OR_VIEW_NOT_FOUND).
        `SELECT * FROM ${m[2]} LIMIT 0`,
        `SELECT col_name, data_type, NULL AS comment FROM (SELECT 0 AS k, ordinal_position AS p, column_name AS col_name, data_type FROM information_schema.columns WHERE ${where}${extended}) ORDER BY k, p`,
      ];
    }
    if (/\bxxhash64\(\*\)/.test(s)) {
      // Databricks' fingerprint over row hashes, with DuckDB's hash of the row for xxhash64.
      return [
        s
          .replaceAll("xxhash64(*)", "CAST(hash(_t) >> 1 AS BIGINT)")
          .replace(/ FROM (\S+)$/, " FROM $1 AS _t"),
      ];
    }
    m = /^CREATE OR REPLACE TABLE (\S+) (?:SHALLOW |DEEP )?CLONE (\S+)$/i.exec(s);
    if (m) return [`CREATE OR REPLACE TABLE ${m[1]} AS SELECT * FROM ${m[2]}`];
    m = /^ALTER TABLE (\S+) SWAP WITH (\S+)$/i.exec(s);
    if (m) {
      const name = (q: string) => q.slice(q.lastIndexOf(".") + 1);
      const schemaOf = (q: string) => q.slice(0, q.lastIndexOf("."));
      const a = m[1] as string;
      const b = m[2] as string;
      return [
        `ALTER TABLE ${a} RENAME TO "__rocky_swap"`,
        `ALTER TABLE ${b} RENAME TO ${name(a)}`,
        `ALTER TABLE ${schemaOf(a)}."__rocky_swap" RENAME TO ${name(b)}`,
      ];
    }
    return undefined;
  }
}

/**
 * Polyglot's DuckDB SQL where it does not execute: Snowflake `LATERAL UNNEST(input => x) AS
 * f(SEQ, KEY, PATH, INDEX, VALUE, THIS)` (FLATTEN) becomes a subquery unnesting the JSON
 * array with its index; `CAST(j -> 'p' AS TEXT)` (`j:p::string`) reads the JSON string's
 * value (`->>`), as Snowflake's cast of a VARIANT string does.
 */
export function execFixes(sql: string, dialect: EngineDialect): string {
  let out = sql.replace(/CAST\(([\w."]+) -> ('[^']*') AS TEXT\)/g, "($1 ->> $2)");
  if (dialect === "databricks") {
    // `raw:a.b` is a STRING in Databricks (the JSON value's text); TRANSFORM is DuckDB's list_transform.
    out = out
      .replace(/([\w."]+) -> ('\$[^']*')/g, "($1 ->> $2)")
      .replace(/\bTRANSFORM\(/g, "list_transform(");
  }
  if (dialect === "snowflake") {
    out = out.replace(
      /LATERAL UNNEST\((?:input => )?([\s\S]+?)\) AS (\w+)\(SEQ, KEY, PATH, INDEX, VALUE, THIS\)/g,
      (_m, input: string, alias: string) =>
        `LATERAL (SELECT unnest(CAST(${input} AS JSON[])) AS "VALUE", generate_subscripts(CAST(${input} AS JSON[]), 1) - 1 AS "INDEX") AS ${alias}`,
    );
  }
  return out;
}

/** Snowflake's rowtype type of a DuckDB type. */
function sfRowType(duckType: string): string {
  if (/^(?:TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT|UINTEGER|DECIMAL.*)$/.test(duckType))
    return "fixed";
  if (/^(?:DOUBLE|FLOAT|REAL)$/.test(duckType)) return "real";
  if (duckType === "BOOLEAN") return "boolean";
  return "text";
}

/** An `onQuery` for the Snowflake stand-in answering from the engine (errors as Snowflake's 002003). */
export function snowflakeAnswers(engine: DuckEngine) {
  return async (sql: string) => {
    try {
      const r = await engine.execute(sql);
      return {
        columns: r.columns.map((c) => ({ name: c.name, type: sfRowType(c.type) })),
        rows: r.rows,
        statementTypeId: r.kind === "select" ? 0x1000 : r.kind === "dml" ? 0x3100 : 0x6000,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { error: { code: "002003", message, sqlState: "42S02" } };
    }
  };
}

/** Backtick-quoted names as DuckDB's double-quoted ones (single-quoted strings left alone). */
function unbacktick(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.|'')*'|`((?:[^`]|``)*)`/g, (m, name: string | undefined) =>
    name === undefined ? m : `"${name.replaceAll("``", "`").replaceAll('"', '""')}"`,
  );
}

/** Databricks' result type of a DuckDB type (anything else is sent as text). */
function dbxType(duckType: string): "INT" | "BIGINT" | "DOUBLE" | "BOOLEAN" | "STRING" {
  if (/^(?:TINYINT|SMALLINT|INTEGER)$/.test(duckType)) return "INT";
  if (duckType === "BIGINT") return "BIGINT";
  if (/^(?:DOUBLE|FLOAT)$/.test(duckType)) return "DOUBLE";
  if (duckType === "BOOLEAN") return "BOOLEAN";
  return "STRING";
}

/** An `onQuery` for the Databricks stand-in answering from the engine. */
export function databricksAnswers(engine: DuckEngine) {
  return async (sql: string) => {
    try {
      const r = await engine.execute(sql);
      const types = r.columns.map((c) => dbxType(c.type));
      return {
        columns: r.columns.map((c, i) => ({ name: c.name, type: types[i] as ReturnType<typeof dbxType> })),
        rows: r.rows.map((row) =>
          row.map((v, i) =>
            v === null
              ? null
              : types[i] === "INT" || types[i] === "DOUBLE"
                ? Number(v)
                : types[i] === "BOOLEAN"
                  ? v === "true"
                  : v,
          ),
        ),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/Catalog Error: Table with name .* does not exist/.test(message))
        return { error: { message: `[TABLE_OR_VIEW_NOT_FOUND] ${message}`, sqlState: "42P01" } };
      return { error: { message, sqlState: "42000" } };
    }
  };
}
