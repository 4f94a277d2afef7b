/**
 * `rocky branch delete [--drop]`. Objects are forgotten one by one as they are dropped,
 * so a failure halfway leaves the state listing exactly what is still there, and running
 * the command again finishes the job.
 */
import type { Adapter } from "../adapter/types.ts";
import { type BranchObject, deleteBranch, forgetObject, getBranch, listObjects } from "../state/branches.ts";
import type { StateStore } from "../state/store.ts";
import { deleteWatermark } from "../state/watermarks.ts";
import { tableKey as watermarkKey } from "../run/engine.ts";
import { objectRef } from "./objects.ts";

export interface DeleteResult {
  name: string;
  /** A branch record was removed. */
  removed: boolean;
  dropped: BranchObject[];
  left: BranchObject[];
  errors: { object: BranchObject; error: string }[];
}

/** Without an adapter nothing is dropped: the record goes and the objects are reported as left. */
export async function deleteBranchAndObjects(
  store: StateStore,
  name: string,
  adapter: Adapter | undefined,
): Promise<DeleteResult> {
  const objects = listObjects(store, name);
  const dropped: BranchObject[] = [];
  const errors: { object: BranchObject; error: string }[] = [];
  if (adapter) {
    for (const obj of objects) {
      try {
        await dropObject(adapter, obj);
        forgetObject(store, obj);
        // An incremental model's branch watermark goes with its table.
        if (obj.kind === "table") deleteWatermark(store, watermarkKey(objectRef(obj)));
        dropped.push(obj);
      } catch (e) {
        errors.push({ object: obj, error: (e as Error).message });
      }
    }
  }
  // Keep the record while objects that should have been dropped remain, so the branch
  // still shows up in `branch list` until a re-run has cleaned everything.
  const removed =
    errors.length === 0 && getBranch(store, name) !== undefined ? deleteBranch(store, name) : false;
  return { name, removed, dropped, left: listObjects(store, name), errors };
}

/** Drop one object if it is still there; a schema holding objects the branch did not create is refused. */
async function dropObject(adapter: Adapter, obj: BranchObject): Promise<void> {
  const d = adapter.dialect;
  const ref = objectRef(obj);
  switch (obj.kind) {
    case "table":
    case "clone_table":
    case "view":
    case "clone_view": {
      const recorded = obj.kind === "view" || obj.kind === "clone_view" ? "view" : "table";
      // What stands there now decides the statement: a later branch run may have replaced
      // a clone view by a table.
      const kind = adapter.objectKind
        ? await adapter.objectKind(ref)
        : (await adapter.describeTable(ref)) === undefined
          ? undefined
          : recorded;
      if (kind !== undefined) await adapter.execute(kind === "view" ? d.dropView(ref) : d.dropTable(ref));
      return;
    }
    case "schema": {
      const rest = await adapter.listTables(obj.catalog ?? undefined, obj.schema);
      if (rest.length > 0) {
        throw new Error(
          `schema still holds ${rest.map((t) => `'${t}'`).join(", ")}, which the branch did not record`,
        );
      }
      // DuckDB drops schemas with CASCADE: the emptiness check above is what keeps foreign objects safe.
      await adapter.dropSchema(obj.catalog ?? undefined, obj.schema);
      return;
    }
  }
}
