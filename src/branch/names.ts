/**
 * Branch names and where a branch puts things. Pure: no state, no warehouse.
 */
import type { Dialect, TableRef } from "../adapter/types.ts";
import { RockyError } from "../errors.ts";
import type { Model } from "../project/types.ts";
import { checkCollisions } from "../run/collisions.ts";
import { type CollisionPolicy, productionTarget } from "../run/isolation.ts";

export const MAX_NAME_BYTES = 64;
const NAME_CHARS = /^[A-Za-z0-9_.-]+$/;

/**
 * Rocky 1.10's rules, checked in its order and with its messages, so scripts that
 * match on them keep working. The byte length is checked before the charset, as there.
 */
export function validateBranchName(name: string): void {
  if (name.length === 0) throw new RockyError("branch name cannot be empty");
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_NAME_BYTES) {
    throw new RockyError(`branch name too long: ${bytes} chars (max ${MAX_NAME_BYTES})`);
  }
  if (!NAME_CHARS.test(name)) {
    throw new RockyError(`invalid branch name '${name}': only [A-Za-z0-9_.-] characters are allowed`, {
      hint: `use '${safeBranchName(name)}' (rocky branch create --from-git maps the current git branch this way)`,
    });
  }
}

/**
 * A git branch name made a valid rocky branch name: `/` becomes `__` (so `feature/fix-price`
 * reads `feature__fix-price` and cannot meet `feature_fix-price`), any other character
 * outside [A-Za-z0-9_.-] becomes `_`, cut to 64 bytes.
 */
export function safeBranchName(gitName: string): string {
  const mapped = gitName.replace(/\//g, "__").replace(/[^A-Za-z0-9_.-]/g, "_");
  // After the mapping every character is one byte.
  return mapped.slice(0, MAX_NAME_BYTES);
}

export function schemaPrefixFor(name: string): string {
  return `branch__${name}`;
}

/** A model's production target (one definition, shared with the run engine). */
export { productionTarget };

/** `<schema_prefix>__<schema>`, made valid for the warehouse (e.g. `-`/`.` on BigQuery). */
export function branchSchemaName(schemaPrefix: string, schema: string, dialect: Dialect): string {
  return dialect.safeSchemaName(`${schemaPrefix}__${schema}`);
}

/** Where a branch keeps its copy of a production table: same catalog and table, prefixed schema. */
export function branchTarget(prod: TableRef, schemaPrefix: string, dialect: Dialect): TableRef {
  return { ...prod, schema: branchSchemaName(schemaPrefix, prod.schema, dialect) };
}

/** Stable identity of a table for collision checks and lookups. */
export function tableKey(ref: TableRef): string {
  // Case-insensitive: DuckDB, Snowflake (unquoted) and BigQuery datasets fold or compare
  // names without case, and refusing a case-only clash is the safe side everywhere.
  return [ref.catalog ?? "", ref.schema, ref.table].map((p) => p.toLowerCase()).join("\u0000");
}

export interface OtherBranch {
  name: string;
  schema_prefix: string;
}

/**
 * The branch among `others` whose schemas would be the same warehouse schemas as the
 * new branch's, for the given production schemas (plus the bare prefix, which covers
 * every schema when the dialect maps characters one by one).
 */
export function findSchemaCollision(
  schemaPrefix: string,
  others: readonly OtherBranch[],
  dialect: Dialect,
  productionSchemas: readonly string[],
): { branch: string; schema: string } | undefined {
  const probes = [...new Set([dialect.defaultSchema, ...productionSchemas])];
  const mine = new Map<string, string>();
  mine.set(dialect.safeSchemaName(schemaPrefix).toLowerCase(), dialect.safeSchemaName(schemaPrefix));
  for (const s of probes) {
    const n = branchSchemaName(schemaPrefix, s, dialect);
    mine.set(n.toLowerCase(), n);
  }
  for (const other of others) {
    const theirs = [
      dialect.safeSchemaName(other.schema_prefix),
      ...probes.map((s) => branchSchemaName(other.schema_prefix, s, dialect)),
    ];
    for (const t of theirs) {
      const hit = mine.get(t.toLowerCase());
      if (hit !== undefined) return { branch: other.name, schema: hit };
    }
  }
  return undefined;
}

/**
 * What the collision check says about a branch: its schemas are its own (`delete --drop`
 * drops them), so a model whose production table or schema is one of them, or two models
 * that map to one branch table, are refused.
 */
export function branchCollisionPolicy(
  name: string,
  dialect: Dialect,
  when: "create" | "run",
): CollisionPolicy {
  const other = when === "create" ? "or pick another branch name" : "or use a branch with another name";
  return {
    label: `branch '${name}'`,
    ownsSchemas: true,
    hint: (c) =>
      c.kind === "isolated_table"
        ? `the schemas of models '${c.other}' and '${c.model}' map to one branch schema on ${dialect.name}: give one of them another [target] schema`
        : `model '${c.other}' writes into a schema of branch '${name}': give it another [target] schema, ${other}`,
  };
}

/** `branch create`: refuse a branch whose targets would land on production (every model of the project). */
export function checkBranchTargets(
  name: string,
  schemaPrefix: string,
  dialect: Dialect,
  models: readonly Model[],
): void {
  const policy = branchCollisionPolicy(name, dialect, "create");
  const production = models.map((m) => ({ model: m.name, ref: productionTarget(m, dialect) }));
  checkCollisions(
    {
      dialect,
      production,
      isolated: production.map((p) => ({ model: p.model, ref: branchTarget(p.ref, schemaPrefix, dialect) })),
      label: policy.label,
      ownsSchemas: true,
      outcome: "the branch was not created",
    },
    policy.hint,
  );
}
