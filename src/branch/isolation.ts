/**
 * `rocky run --branch NAME`: every model is written to its branch target
 * `<catalog>.<schema_prefix>__<schema>.<table>`; a read of a model resolves to the
 * branch copy when this run built it or the branch already holds one (recorded in the
 * state and still in the warehouse), else to production. Everything written is recorded
 * so `branch delete --drop` can remove it.
 */
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { Model } from "../project/types.ts";
import type { CollisionPolicy, Isolation, ResolvedRead } from "../run/isolation.ts";
import { type BranchRecord, forgetObject, listObjects, recordObject } from "../state/branches.ts";
import type { StateStore } from "../state/store.ts";
import { objectRef } from "./objects.ts";
import { branchCollisionPolicy, branchTarget, productionTarget, tableKey } from "./names.ts";

export class BranchIsolation implements Isolation {
  readonly isolated = true;
  readonly scope: string;
  readonly collisions: CollisionPolicy;
  private readonly recorded = new Set<string>();
  /** Objects that are still `--clone`'s zero-copy start (a view over production, or a native clone). */
  private readonly clones = new Map<string, "view" | "table">();
  private readonly exists = new Map<string, Promise<boolean>>();
  private readonly schemas = new Set<string>();

  constructor(
    private readonly store: StateStore,
    private readonly adapter: Adapter,
    readonly branch: BranchRecord,
  ) {
    this.scope = `branch:${branch.name}`;
    this.collisions = branchCollisionPolicy(branch.name, adapter.dialect, "run");
    for (const o of listObjects(store, branch.name)) {
      if (o.kind !== "schema") this.recorded.add(tableKey(objectRef(o)));
      if (o.kind === "clone_view" || o.kind === "clone_table")
        this.clones.set(tableKey(objectRef(o)), o.kind === "clone_view" ? "view" : "table");
    }
  }

  previewTarget(model: Model): TableRef {
    return this.branchRef(model);
  }

  private branchRef(model: Model): TableRef {
    return branchTarget(
      productionTarget(model, this.adapter.dialect),
      this.branch.schema_prefix,
      this.adapter.dialect,
    );
  }

  /**
   * The engine asks for a model's target before it creates the schema and writes: the
   * schema is recorded here, first, so a write that fails or a crash leaves no schema the
   * state does not know about (an unused record is harmless: drops use IF EXISTS).
   */
  targetFor(model: Model): TableRef {
    const ref = this.branchRef(model);
    this.recordSchema(ref);
    return ref;
  }

  async readTargetFor(model: Model, builtInRun: boolean): Promise<ResolvedRead> {
    const target = this.branchRef(model);
    if (builtInRun) return { ref: target, from: "isolated" };
    const key = tableKey(target);
    // Only what the branch itself created counts as its copy: a table someone else put in
    // a branch schema is not silently read in place of production.
    if (this.recorded.has(key)) {
      let p = this.exists.get(key);
      if (!p) this.exists.set(key, (p = this.adapter.tableExists(target)));
      if (await p) {
        const clone = this.clones.get(key);
        return clone ? { ref: target, from: "isolated", clone } : { ref: target, from: "isolated" };
      }
    }
    return { ref: productionTarget(model, this.adapter.dialect), from: "production" };
  }

  private recordSchema(ref: TableRef): void {
    const schemaKey = `${ref.catalog ?? ""}\u0000${ref.schema}`;
    if (this.schemas.has(schemaKey)) return;
    recordObject(this.store, {
      branch: this.branch.name,
      kind: "schema",
      catalog: ref.catalog ?? null,
      schema: ref.schema,
      name: "",
    });
    this.schemas.add(schemaKey);
  }

  onWrite(_model: Model, ref: TableRef, kind: "table" | "view"): void {
    this.recordSchema(ref);
    recordObject(this.store, {
      branch: this.branch.name,
      kind,
      catalog: ref.catalog ?? null,
      schema: ref.schema,
      name: ref.table,
    });
    // The built copy replaces a zero-copy clone and the other kind (a strategy change):
    // one record per object, of the kind that now stands there.
    const other = kind === "table" ? "view" : "table";
    for (const k of ["clone_table", "clone_view", other] as const) {
      forgetObject(this.store, { branch: this.branch.name, kind: k, schema: ref.schema, name: ref.table });
    }
    const key = tableKey(ref);
    this.recorded.add(key);
    this.clones.delete(key);
    this.exists.set(key, Promise.resolve(true));
  }
}
