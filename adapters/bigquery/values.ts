/**
 * Decoding of the REST API's raw result rows (`{f:[{v}]}`) into plain JS values.
 * We decode ourselves (the SDK is called with `skipParsing`) so the adapter's
 * QueryResult follows the contract in src/adapter/types.ts rather than the SDK's
 * wrapper classes (BigQueryDate, BigQueryInt, Big.js).
 */
import type { ColumnInfo } from "../../src/adapter/sdk.ts";

/** The subset of TableFieldSchema we read. */
export interface FieldSchema {
  name?: string | null;
  type?: string | null;
  mode?: string | null;
  fields?: FieldSchema[] | null;
}

/** A raw cell: `{v: string | null | {f: [...]} | [{v}]}`. */
export interface RawCell {
  v?: unknown;
}
export interface RawRow {
  f?: RawCell[];
}

/** The REST API reports legacy type names; users and INFORMATION_SCHEMA speak GoogleSQL. */
const STANDARD: Record<string, string> = {
  INTEGER: "INT64",
  FLOAT: "FLOAT64",
  BOOLEAN: "BOOL",
  RECORD: "STRUCT",
};

export function standardType(field: FieldSchema): string {
  const raw = (field.type ?? "STRING").toUpperCase();
  let base = STANDARD[raw] ?? raw;
  if (base === "STRUCT" && field.fields && field.fields.length > 0) {
    base = `STRUCT<${field.fields.map((f) => `${f.name} ${standardType(f)}`).join(", ")}>`;
  }
  return field.mode?.toUpperCase() === "REPEATED" ? `ARRAY<${base}>` : base;
}

export function columnsOf(fields: FieldSchema[] | null | undefined): ColumnInfo[] {
  return (fields ?? []).map((f) => ({
    name: f.name ?? "",
    type: standardType(f),
    // REPEATED columns are never NULL (an empty array instead).
    nullable: (f.mode ?? "NULLABLE").toUpperCase() === "NULLABLE",
  }));
}

/** Microseconds since the epoch (the `useInt64Timestamp` format) to an ISO-8601 UTC string with micros. */
export function microsToIso(micros: string): string {
  const us = BigInt(micros);
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const frac = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-04-20T10:00:00.000Z
  return `${iso.slice(0, 19)}.${frac.toString().padStart(6, "0")}Z`;
}

function scalar(type: string, v: string): unknown {
  switch (type) {
    case "INTEGER":
    case "INT64":
      return BigInt(v);
    case "FLOAT":
    case "FLOAT64":
      // The API sends "NaN", "Infinity", "-Infinity" as strings; Number() maps them.
      return Number(v);
    case "BOOLEAN":
    case "BOOL":
      return v === "true";
    case "TIMESTAMP":
      // Integer micros with useInt64Timestamp; older responses send float seconds ("1.7e9").
      return /^-?\d+$/.test(v) ? microsToIso(v) : microsToIso(String(Math.round(Number(v) * 1e6)));
    default:
      // NUMERIC/BIGNUMERIC stay strings (exact), DATE/DATETIME/TIME/STRING/JSON/BYTES(base64) as sent.
      return v;
  }
}

export function decodeValue(field: FieldSchema, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const type = (field.type ?? "STRING").toUpperCase();
  if (field.mode?.toUpperCase() === "REPEATED") {
    const items = Array.isArray(v) ? (v as RawCell[]) : [];
    return items.map((item) => decodeValue({ ...field, mode: "NULLABLE" }, item.v));
  }
  if (type === "RECORD" || type === "STRUCT") {
    const cells = (v as RawRow).f ?? [];
    const out: Record<string, unknown> = {};
    (field.fields ?? []).forEach((sub, i) => {
      out[sub.name ?? String(i)] = decodeValue(sub, cells[i]?.v);
    });
    return out;
  }
  return scalar(type, String(v));
}

export function decodeRows(
  fields: FieldSchema[] | null | undefined,
  rows: RawRow[] | null | undefined,
): unknown[][] {
  const fs = fields ?? [];
  return (rows ?? []).map((row) => fs.map((f, i) => decodeValue(f, row.f?.[i]?.v)));
}
