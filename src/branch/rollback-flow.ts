/** `rocky branch rollback [PROMOTE]`: resolve the promote, then connect and undo it. */
import type { LoadedConfig } from "../config/load.ts";
import type { Payload } from "../output/common.ts";
import type { BranchRollbackOutput } from "../output/schemas/branch.ts";
import type { RollbackResult } from "./rollback.ts";
import { withStore } from "./session.ts";

export async function rollbackNamed(config: LoadedConfig, which: string): Promise<RollbackResult> {
  const [{ rollbackPromote, resolvePromote }, { tableKey }, { resolveTrigger }, { connectAdapter }] =
    await Promise.all([
      import("./rollback.ts"),
      import("../run/engine.ts"),
      import("../run/run.ts"),
      import("./context.ts"),
    ]);
  return withStore(config.statePath, { lock: { command: "branch rollback" } }, async (store) => {
    // Refuse an unknown promote before connecting to the warehouse.
    resolvePromote(store, which);
    const adapter = await connectAdapter(config);
    try {
      return await rollbackPromote(store, adapter, which, {
        trigger: resolveTrigger(undefined),
        configHash: config.hash,
        watermarkKey: tableKey,
      });
    } finally {
      await adapter.close();
    }
  });
}

/** The `branch rollback` payload: the result as it is, checked against its schema. */
export const rollbackPayload = (r: RollbackResult) => r satisfies Payload<typeof BranchRollbackOutput>;
