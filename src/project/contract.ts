/**
 * A model's `[contract]` (SPEC §17): the columns it promises to output (name, type,
 * nullability), optionally their order and a primary key. Compile compares it with the
 * model's SQL (src/testing/contract.ts) and `rocky run` with the built table before
 * publishing. The valibot schema is the one definition; the loader keeps the parsed form.
 */
import * as v from "valibot";
import type { Model } from "./types.ts";

const name = v.pipe(v.string(), v.nonEmpty());

export const ContractColumnSchema = v.strictObject({
  name,
  /** The warehouse type; absent: any type. Compared with equivalent spellings (INT = INTEGER, STRING = VARCHAR). */
  type: v.optional(name),
  /** `false`: the column must hold no NULL (checked on the staged rows before publishing). */
  nullable: v.optional(v.boolean()),
  /** Another way to say `nullable = false`. */
  not_null: v.optional(v.boolean()),
  description: v.optional(v.string()),
});

export const ContractSchema = v.strictObject({
  /** The columns the model outputs: no more, no fewer. */
  columns: v.pipe(v.array(ContractColumnSchema), v.minLength(1, "a contract lists at least one column")),
  /** Columns that identify a row; `branch compare` matches rows on them. */
  primary_key: v.optional(v.union([name, v.pipe(v.array(name), v.minLength(1))])),
  /** The output's columns must come in the order listed (default: any order). */
  enforce_order: v.optional(v.boolean(), false),
});

export interface ContractColumn {
  name: string;
  type?: string;
  nullable: boolean;
}

export interface Contract {
  columns: ContractColumn[];
  primaryKey?: string[];
  enforceOrder: boolean;
}

/** The sidecar's `[contract]` in the form compile and run use. Primary key columns are not null. */
export function normaliseContract(raw: v.InferOutput<typeof ContractSchema>): Contract {
  const primaryKey =
    raw.primary_key === undefined
      ? undefined
      : typeof raw.primary_key === "string"
        ? [raw.primary_key]
        : raw.primary_key;
  const inKey = new Set((primaryKey ?? []).map((k) => k.toLowerCase()));
  return {
    columns: raw.columns.map((c) => ({
      name: c.name,
      ...(c.type !== undefined ? { type: c.type } : {}),
      nullable: !(c.not_null === true || c.nullable === false || inKey.has(c.name.toLowerCase())),
    })),
    ...(primaryKey ? { primaryKey } : {}),
    enforceOrder: raw.enforce_order,
  };
}

/** The contract's primary key, for keyed `branch compare`; undefined without a contract or key. */
export function contractKey(model: Pick<Model, "contract">): string[] | undefined {
  const key = model.contract?.primaryKey;
  return key && key.length > 0 ? [...key] : undefined;
}

/** A contract column's declared type, if the model has a contract naming it with one. */
export function contractType(model: Pick<Model, "contract"> | undefined, column: string): string | undefined {
  const c = column.toLowerCase();
  return model?.contract?.columns.find((x) => x.name.toLowerCase() === c)?.type;
}

const ALIASES: Record<string, string> = {
  INT: "INTEGER",
  INT4: "INTEGER",
  SIGNED: "INTEGER",
  INT8: "BIGINT",
  INT64: "BIGINT",
  LONG: "BIGINT",
  INT2: "SMALLINT",
  SHORT: "SMALLINT",
  INT1: "TINYINT",
  BOOL: "BOOLEAN",
  STRING: "VARCHAR",
  TEXT: "VARCHAR",
  CHAR: "VARCHAR",
  BPCHAR: "VARCHAR",
  "CHARACTER VARYING": "VARCHAR",
  FLOAT8: "DOUBLE",
  FLOAT64: "DOUBLE",
  "DOUBLE PRECISION": "DOUBLE",
  FLOAT4: "FLOAT",
  REAL: "FLOAT",
  NUMERIC: "DECIMAL",
  NUMBER: "DECIMAL",
  BIGNUMERIC: "DECIMAL",
  TIMESTAMP_NTZ: "TIMESTAMP",
  DATETIME: "TIMESTAMP",
  TIMESTAMP_TZ: "TIMESTAMPTZ",
  "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
};

const INTEGERS = new Set(["INTEGER", "BIGINT", "SMALLINT", "TINYINT"]);

/** A type's base name and parameters, in one spelling: `numeric(10, 2)` → DECIMAL, ["10","2"]. */
function canonical(type: string): { base: string; params: string[] } {
  const t = type.trim().toUpperCase().replace(/\s+/g, " ");
  const m = /^([^(]*?)\s*(?:\((.*)\))?$/.exec(t);
  const rawBase = (m?.[1] ?? t).trim();
  const base = ALIASES[rawBase] ?? rawBase;
  // A string type's length is not part of what a contract promises (warehouses differ on it).
  const params = base === "VARCHAR" ? [] : (m?.[2]?.split(",").map((p) => p.trim()) ?? []);
  return { base, params };
}

/**
 * Does a built column's type meet the contract's? Equivalent spellings match; a contract
 * type without parameters (`DECIMAL`) accepts any (`DECIMAL(10,2)`).
 */
export function typeMatches(declared: string, actual: string): boolean {
  const d = canonical(declared);
  const a = canonical(actual);
  // Snowflake stores every integer type as NUMBER(38,0).
  if (INTEGERS.has(d.base) && a.base === "DECIMAL" && a.params[1] === "0") return true;
  if (d.base !== a.base) return false;
  return d.params.length === 0 || d.params.join(",") === a.params.join(",");
}
