/**
 * Branch records and the warehouse objects each branch created, in the state file
 * (tables `branches` and `branch_objects`, migration 1). Plain functions over the
 * open SQLite handle, so the store owns opening, locking and migrations.
 */
import { nowIso, type StateStore } from "./store.ts";

export interface BranchRecord {
  name: string;
  schema_prefix: string;
  description: string | null;
  created_by: string;
  /** RFC 3339 UTC (`Z`), as every timestamp of the store; output shows `+00:00` like Rocky 1.10. */
  created_at: string;
  /** When `branch gc` may collect it (RFC 3339 UTC); null: never (migration 3). */
  expires_at: string | null;
}

/**
 * `schema`: a schema the branch created. `table`/`view`: built by a branch run.
 * `clone_table`/`clone_view`: a zero-copy start from production (`branch create --clone`);
 * a clone is not something the branch built, so compare and promote skip it.
 */
export type BranchObjectKind = "schema" | "table" | "view" | "clone_table" | "clone_view";

export interface BranchObject {
  branch: string;
  kind: BranchObjectKind;
  catalog: string | null;
  schema: string;
  /** Table or view name; empty for a schema. */
  name: string;
  created_at: string;
}

export function insertBranch(store: StateStore, rec: BranchRecord): void {
  store.db
    .query(
      "INSERT INTO branches (name, schema_prefix, description, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run(rec.name, rec.schema_prefix, rec.description, rec.created_by, rec.created_at, rec.expires_at);
}

export function getBranch(store: StateStore, name: string): BranchRecord | undefined {
  const row = store.db
    .query<BranchRecord, [string]>(
      "SELECT name, schema_prefix, description, created_by, created_at, expires_at FROM branches WHERE name = ?",
    )
    .get(name);
  return row ?? undefined;
}

/** Sorted by name in byte order (Rocky sorts Rust strings, i.e. bytes). */
export function listBranches(store: StateStore): BranchRecord[] {
  return store.db
    .query<BranchRecord, []>(
      "SELECT name, schema_prefix, description, created_by, created_at, expires_at FROM branches ORDER BY CAST(name AS BLOB)",
    )
    .all();
}

/** Removes the record; true when there was one. Objects are kept until forgotten one by one. */
export function deleteBranch(store: StateStore, name: string): boolean {
  return store.db.query("DELETE FROM branches WHERE name = ?").run(name).changes > 0;
}

/** Remember an object the branch created (idempotent: re-recording keeps the first date). */
export function recordObject(
  store: StateStore,
  obj: Omit<BranchObject, "created_at"> & { created_at?: string },
): void {
  store.db
    .query(
      `INSERT INTO branch_objects (branch, kind, catalog, schema, name, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (branch, kind, schema, name) DO NOTHING`,
    )
    .run(obj.branch, obj.kind, obj.catalog, obj.schema, obj.name, obj.created_at ?? nowIso());
}

/** Objects of a branch: tables and views first (they must be dropped before their schemas), then schemas. */
export function listObjects(store: StateStore, branch: string): BranchObject[] {
  return store.db
    .query<BranchObject, [string]>(
      `SELECT branch, kind, catalog, schema, name, created_at FROM branch_objects WHERE branch = ?
       ORDER BY CASE kind WHEN 'schema' THEN 1 ELSE 0 END, schema, name, kind`,
    )
    .all(branch);
}

export function forgetObject(
  store: StateStore,
  obj: Pick<BranchObject, "branch" | "kind" | "schema" | "name">,
): void {
  store.db
    .query("DELETE FROM branch_objects WHERE branch = ? AND kind = ? AND schema = ? AND name = ?")
    .run(obj.branch, obj.kind, obj.schema, obj.name);
}

/** Branches deleted without `--drop` whose objects are still recorded: name and object count. */
export function leftoverObjects(store: StateStore): { name: string; objects: number }[] {
  return store.db
    .query<{ name: string; objects: number }, []>(
      `SELECT branch AS name, count(*) AS objects FROM branch_objects
       WHERE branch NOT IN (SELECT name FROM branches) GROUP BY branch ORDER BY CAST(branch AS BLOB)`,
    )
    .all();
}

/** Per branch: recorded objects (tables, views, schemas) and the start of its latest run. */
export function branchActivity(store: StateStore): Map<string, { objects: number; last_run: string | null }> {
  const out = new Map<string, { objects: number; last_run: string | null }>();
  for (const r of store.db
    .query<{ name: string; objects: number }, []>(
      "SELECT branch AS name, count(*) AS objects FROM branch_objects GROUP BY branch",
    )
    .all())
    out.set(r.name, { objects: r.objects, last_run: null });
  for (const r of store.db
    .query<{ scope: string; last: string }, []>(
      "SELECT scope, max(started_at) AS last FROM runs WHERE scope LIKE 'branch:%' GROUP BY scope",
    )
    .all()) {
    const name = r.scope.slice("branch:".length);
    out.set(name, { objects: out.get(name)?.objects ?? 0, last_run: r.last });
  }
  return out;
}

export type GcAction = "dropped" | "failed" | "removed" | "would_drop";

/** One line of what `branch gc` did (or, with --dry-run, would do). */
export function logGc(
  store: StateStore,
  row: { gc_id: string; branch: string; action: GcAction; kind?: string; object?: string; error?: string },
): void {
  store.db
    .query(
      "INSERT INTO branch_gc_log (gc_id, at, branch, action, kind, object, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .run(
      row.gc_id,
      nowIso(),
      row.branch,
      row.action,
      row.kind ?? null,
      row.object ?? null,
      row.error ?? null,
    );
}
