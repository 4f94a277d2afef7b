/** How branch objects are named in output, and turned back into table references. */
import type { TableRef } from "../adapter/types.ts";
import type { BranchObject, BranchRecord } from "../state/branches.ts";

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Display name that needs no adapter (so `branch show` loads no warehouse driver):
 * parts joined by dots, quoted only when a part would be ambiguous (`hotfix.2026-04-20`).
 */
export function displayName(parts: readonly (string | null | undefined)[]): string {
  return parts
    .filter((p): p is string => p !== null && p !== undefined && p !== "")
    .map((p) => (PLAIN.test(p) ? p : `"${p.replaceAll('"', '""')}"`))
    .join(".");
}

export function displayRef(ref: TableRef): string {
  return displayName([ref.catalog, ref.schema, ref.table]);
}

export function objectRef(obj: Pick<BranchObject, "catalog" | "schema" | "name">): TableRef {
  return { ...(obj.catalog === null ? {} : { catalog: obj.catalog }), schema: obj.schema, table: obj.name };
}

export function describeObject(obj: BranchObject): { kind: BranchObject["kind"]; object: string } {
  return {
    kind: obj.kind,
    object:
      obj.kind === "schema"
        ? displayName([obj.catalog, obj.schema])
        : displayName([obj.catalog, obj.schema, obj.name]),
  };
}

/** Rocky 1.10's BranchEntry: `created_at` with a `+00:00` offset, `description` omitted when unset. */
export function branchEntry(rec: BranchRecord): {
  name: string;
  schema_prefix: string;
  created_by: string;
  created_at: string;
  description?: string;
  expires_at: string | null;
} {
  return {
    name: rec.name,
    schema_prefix: rec.schema_prefix,
    created_by: rec.created_by,
    created_at: rec.created_at.replace(/Z$/, "+00:00"),
    expires_at: rec.expires_at === null ? null : rec.expires_at.replace(/Z$/, "+00:00"),
    ...(rec.description === null ? {} : { description: rec.description }),
  };
}
