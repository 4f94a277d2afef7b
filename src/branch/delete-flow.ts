/** `rocky branch delete NAME [--drop]`: refuse a typo, then forget (and with --drop, drop) the branch. */
import type { Payload } from "../output/common.ts";
import type { BranchDeleteOutput } from "../output/schemas/branch.ts";
import { getBranch, listObjects } from "../state/branches.ts";
import type { DeleteResult } from "./delete.ts";
import { describeObject } from "./objects.ts";
import { type BranchProject, needProject, unknownBranch, withStore } from "./session.ts";

export async function deleteNamed(p: BranchProject, name: string, drop: boolean): Promise<DeleteResult> {
  const { deleteBranchAndObjects } = await import("./delete.ts");
  return withStore(
    p.statePath,
    drop ? { lock: { command: "branch delete" } } : { write: true, command: "branch delete" },
    async (store) => {
      // A deleted branch's leftover objects can still be dropped; a name with neither
      // a record nor objects is a typo, not a success.
      if (!getBranch(store, name) && listObjects(store, name).length === 0) throw unknownBranch(store, name);
      if (!drop) return deleteBranchAndObjects(store, name, undefined);
      const { connectAdapter } = await import("./context.ts");
      const adapter = await connectAdapter(needProject(p));
      try {
        return await deleteBranchAndObjects(store, name, adapter);
      } finally {
        await adapter.close();
      }
    },
  );
}

/** The `branch delete` payload. */
export function deletePayload(result: DeleteResult) {
  return {
    name: result.name,
    removed: result.removed,
    dropped: result.dropped.map(describeObject),
    left: result.left.map(describeObject),
    errors: result.errors.map((e) => ({ object: describeObject(e.object).object, error: e.error })),
  } satisfies Payload<typeof BranchDeleteOutput>;
}
