/**
 * Isolated runs must never touch production (SPEC §5, §7, §8). Before any SQL is sent,
 * every isolated target (shadow, branch, replay) is checked against every model's
 * production table and against the other models' isolated targets; a scope that drops
 * its own schemas (branch, replay) must not share a schema with production either.
 *
 * Names are compared the way the warehouse resolves them once rocky has quoted them
 * (`Dialect.foldIdentifier`): DuckDB and Databricks ignore case, BigQuery compares
 * exactly, Snowflake compares what it stores (`foo` and `FOO` are one object there).
 * Pure: no I/O.
 */
import type { Dialect, TableRef } from "../adapter/types.ts";
import { RockyError } from "../errors.ts";

/** A model and one table it has in some scope. */
export interface Placed {
  model: string;
  ref: TableRef;
}

export type CollisionKind = "production_table" | "production_schema" | "isolated_table" | "audit_table";

export interface Collision {
  kind: CollisionKind;
  /** The model whose isolated target collides. */
  model: string;
  /** Its isolated target. */
  target: TableRef;
  /** The other model: owner of the production table/schema, or of the same isolated target. */
  other: string;
  /** The other model's table (its production table, or its isolated target). */
  otherRef: TableRef;
}

export interface CollisionCheck {
  dialect: Dialect;
  /** Every model's production table: the whole project, not only the selected models. */
  production: readonly Placed[];
  /** Where the isolated scope writes (or reads) each model it touches. */
  isolated: readonly Placed[];
  /** Names the scope in messages: `shadow`, `branch 'fix'`, `replay`. */
  label: string;
  /** The scope creates and drops its schemas: none of them may hold a production table. */
  ownsSchemas?: boolean;
  /** What the refusal means, after the first collision (default: `no SQL was run`). */
  outcome?: string;
}

/** How the warehouse identifies one (quoted) name; plugins without the hook ignore case (the safe side). */
export function foldName(dialect: Dialect, id: string): string {
  return dialect.foldIdentifier ? dialect.foldIdentifier(id) : id.toLowerCase();
}

/** The schema a ref lives in, as the warehouse identifies it (a missing catalog is the default one). */
export function schemaIdentity(
  dialect: Dialect,
  ref: { catalog?: string | undefined; schema: string },
): string {
  const catalog = ref.catalog ?? dialect.defaultCatalog;
  return `${catalog === undefined ? "" : foldName(dialect, catalog)}\u0000${foldName(dialect, ref.schema)}`;
}

/** A table as the warehouse identifies it: two refs with one identity are one object. */
export function tableIdentity(dialect: Dialect, ref: TableRef): string {
  return `${schemaIdentity(dialect, ref)}\u0000${foldName(dialect, ref.table)}`;
}

/** Every collision, the dangerous ones first: an isolated target on a production table, then shared schemas, then two models on one isolated target. */
export function findCollisions(c: CollisionCheck): Collision[] {
  const d = c.dialect;
  const prodTables = new Map<string, Placed>();
  const prodSchemas = new Map<string, Placed>();
  const prodOf = new Map<string, string>();
  for (const p of c.production) {
    const k = tableIdentity(d, p.ref);
    prodOf.set(p.model, k);
    if (!prodTables.has(k)) prodTables.set(k, p);
    const s = schemaIdentity(d, p.ref);
    if (!prodSchemas.has(s)) prodSchemas.set(s, p);
  }
  const tables: Collision[] = [];
  const schemas: Collision[] = [];
  const shared: Collision[] = [];
  const isoTables = new Map<string, Placed>();
  const seen = new Set<string>();
  for (const i of c.isolated) {
    const k = tableIdentity(d, i.ref);
    const once = `${i.model}\u0000${k}`;
    if (seen.has(once)) continue;
    seen.add(once);
    const prod = prodTables.get(k);
    if (prod) {
      tables.push({
        kind: "production_table",
        model: i.model,
        target: i.ref,
        other: prod.model,
        otherRef: prod.ref,
      });
    } else if (c.ownsSchemas) {
      const s = prodSchemas.get(schemaIdentity(d, i.ref));
      if (s) {
        schemas.push({
          kind: "production_schema",
          model: i.model,
          target: i.ref,
          other: s.model,
          otherRef: s.ref,
        });
      }
    }
    const first = isoTables.get(k);
    if (!first) isoTables.set(k, i);
    // On a production table each model is already reported above; two models that already
    // share a production table share its isolated copy too, a project problem that is not
    // the isolation's (promote refuses it, naming both).
    else if (first.model !== i.model && !prod && !sameProduction(prodOf, first.model, i.model)) {
      shared.push({
        kind: "isolated_table",
        model: i.model,
        target: i.ref,
        other: first.model,
        otherRef: first.ref,
      });
    }
  }
  return [...tables, ...schemas, ...shared];
}

function sameProduction(prodOf: Map<string, string>, a: string, b: string): boolean {
  const pa = prodOf.get(a);
  return pa !== undefined && pa === prodOf.get(b);
}

function schemaText(d: Dialect, ref: TableRef): string {
  const catalog = ref.catalog ?? d.defaultCatalog;
  return [...(catalog === undefined ? [] : [catalog]), ref.schema].map((p) => d.quoteIdent(p)).join(".");
}

/** One line per collision, naming both models and the table. */
export function describeCollision(c: Collision, label: string, d: Dialect): string {
  const at = `${label} target ${d.qualify(c.target)} of model '${c.model}'`;
  switch (c.kind) {
    case "production_table":
      return c.other === c.model
        ? `${at} is its own production table`
        : `${at} is the production table of model '${c.other}'`;
    case "production_schema":
      return `${at} is in ${schemaText(d, c.target)}, the production schema of model '${c.other}' (${d.qualify(c.otherRef)})`;
    case "isolated_table":
      return `${at} is also the ${label} target of model '${c.other}'`;
    case "audit_table":
      return `write-audit-publish staging table ${d.qualify(c.target)} of model '${c.model}' is the ${label} table of model '${c.other}'`;
  }
}

const SHOWN = 5;

/** The error for a non-empty list of collisions: the first in the message, up to four more below it. */
export function collisionError(
  collisions: readonly Collision[],
  label: string,
  d: Dialect,
  hint: (first: Collision) => string,
  outcome = "no SQL was run",
): RockyError {
  const [first, ...rest] = collisions;
  if (!first) throw new Error("collisionError needs at least one collision");
  const lines = rest.slice(0, SHOWN - 1).map((c) => `  also: ${describeCollision(c, label, d)}`);
  if (rest.length > SHOWN - 1) lines.push(`  ... and ${rest.length - (SHOWN - 1)} more`);
  const message = [`${describeCollision(first, label, d)}; ${outcome}`, ...lines].join("\n");
  return new RockyError(message, { hint: hint(first), code: "isolation_collision" });
}

/**
 * Write-audit-publish builds an audited model in a staging relation beside its target
 * (src/testing/wap.ts): that name must not be another model's table, which the staging
 * step would replace and then drop. `audited`: each audited model and its staging ref;
 * `tables`: every table the scope has (all models, not only the selected ones).
 */
export function findAuditCollisions(
  dialect: Dialect,
  audited: readonly Placed[],
  tables: readonly Placed[],
): Collision[] {
  const byIdentity = new Map<string, Placed>();
  for (const t of tables) {
    const k = tableIdentity(dialect, t.ref);
    if (!byIdentity.has(k)) byIdentity.set(k, t);
  }
  const out: Collision[] = [];
  for (const a of audited) {
    const hit = byIdentity.get(tableIdentity(dialect, a.ref));
    if (hit)
      out.push({ kind: "audit_table", model: a.model, target: a.ref, other: hit.model, otherRef: hit.ref });
  }
  return out;
}

/** Throw a RockyError naming the collisions, if any. */
export function checkCollisions(c: CollisionCheck, hint: (first: Collision) => string): void {
  const found = findCollisions(c);
  if (found.length > 0) throw collisionError(found, c.label, c.dialect, hint, c.outcome);
}
