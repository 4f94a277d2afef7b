/** `rocky branch create`: a state record, and with `--clone` a zero-copy start from production. */
import type { Adapter, Dialect, TableRef } from "../adapter/types.ts";
import { RockyError } from "../errors.ts";
import type { Model } from "../project/types.ts";
import {
  type BranchObject,
  type BranchRecord,
  getBranch,
  insertBranch,
  listBranches,
  recordObject,
} from "../state/branches.ts";
import { nowIso, type StateStore } from "../state/store.ts";
import {
  branchTarget,
  checkBranchTargets,
  findSchemaCollision,
  productionTarget,
  schemaPrefixFor,
  validateBranchName,
} from "./names.ts";

export interface CreateOptions {
  name: string;
  description?: string;
  /** `$USER`, or `unknown`. */
  createdBy: string;
  /** Expiry from now (`--ttl`, else `[branch] ttl`); absent: never expires. */
  ttlMs?: number;
  /** When known (a project is loaded), schema collisions with other branches are refused. */
  dialect?: Dialect;
  productionSchemas?: string[];
  /** The project's models, when loaded: a branch target on a production table or schema is refused. */
  models?: readonly Model[];
}

export function createBranch(store: StateStore, opts: CreateOptions): BranchRecord {
  validateBranchName(opts.name);
  const schemaPrefix = schemaPrefixFor(opts.name);
  return store.transaction(() => {
    if (getBranch(store, opts.name)) throw new RockyError(`branch '${opts.name}' already exists`);
    if (opts.dialect) {
      const clash = findSchemaCollision(
        schemaPrefix,
        listBranches(store),
        opts.dialect,
        opts.productionSchemas ?? [],
      );
      if (clash) {
        throw new RockyError(
          `branch '${opts.name}' would use the same warehouse schema as branch '${clash.branch}' (${clash.schema} on ${opts.dialect.name})`,
          { hint: `pick another name, or use branch '${clash.branch}'` },
        );
      }
      if (opts.models) checkBranchTargets(opts.name, schemaPrefix, opts.dialect, opts.models);
    }
    const rec: BranchRecord = {
      name: opts.name,
      schema_prefix: schemaPrefix,
      description: opts.description ?? null,
      created_by: opts.createdBy,
      created_at: nowIso(),
      expires_at: null,
    };
    if (opts.ttlMs !== undefined)
      rec.expires_at = new Date(Date.parse(rec.created_at) + opts.ttlMs).toISOString();
    insertBranch(store, rec);
    return rec;
  });
}

/** Make sure the branch schema of `ref` exists, recording it as the branch's when created here. */
export async function ensureBranchSchema(
  store: StateStore,
  adapter: Adapter,
  branch: string,
  ref: TableRef,
  done: Set<string>,
): Promise<void> {
  const key = `${ref.catalog ?? ""}\u0000${ref.schema}`;
  if (done.has(key)) return;
  // Recorded before it exists: a crash between the two leaves a record of a schema that
  // may not exist (dropped with IF EXISTS), never a schema nobody knows about.
  recordObject(store, { branch, kind: "schema", catalog: ref.catalog ?? null, schema: ref.schema, name: "" });
  await adapter.createSchema(ref.catalog, ref.schema);
  done.add(key);
}

/**
 * Zero-copy start: each model with a production table gets a branch copy that costs
 * nothing (a native clone, or on DuckDB a view over production), so the branch schemas
 * hold the whole project from the first minute.
 */
export async function cloneProduction(
  store: StateStore,
  adapter: Adapter,
  branch: BranchRecord,
  models: readonly Model[],
): Promise<BranchObject[]> {
  const dialect = adapter.dialect;
  const schemas = new Set<string>();
  const made: BranchObject[] = [];
  for (const m of models) {
    const prod = productionTarget(m, dialect);
    const kind = adapter.objectKind
      ? await adapter.objectKind(prod)
      : (await adapter.tableExists(prod))
        ? "table"
        : undefined;
    if (kind === undefined) continue;
    const target = branchTarget(prod, branch.schema_prefix, dialect);
    await ensureBranchSchema(store, adapter, branch.name, target, schemas);
    // Warehouses clone tables, not views; a view over a production view costs nothing either.
    const native = kind === "table" && adapter.capabilities.clone && adapter.cloneTable !== undefined;
    const obj: BranchObject = {
      branch: branch.name,
      kind: native ? "clone_table" : "clone_view",
      catalog: target.catalog ?? null,
      schema: target.schema,
      name: target.table,
      created_at: nowIso(),
    };
    recordObject(store, obj);
    if (native) await adapter.cloneTable!(prod, target);
    else
      await adapter.execute(
        `CREATE OR REPLACE VIEW ${dialect.qualify(target)} AS SELECT * FROM ${dialect.qualify(prod)}`,
      );
    made.push(obj);
  }
  return made;
}
