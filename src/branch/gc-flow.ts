/** `rocky branch gc`: collect under the lock (none when dry), and the JSON payload of the result. */
import type { Payload } from "../output/common.ts";
import type { BranchGcOutput } from "../output/schemas/branch.ts";
import type { GcResult } from "./gc.ts";
import { describeObject } from "./objects.ts";
import { type BranchProject, needProject, withStore } from "./session.ts";

export async function gcNamed(
  p: BranchProject,
  opts: { dryRun: boolean; olderThanMs?: number },
): Promise<GcResult> {
  const { gcBranches } = await import("./gc.ts");
  return withStore(p.statePath, opts.dryRun ? {} : { lock: { command: "branch gc" } }, async (store) =>
    gcBranches(store, {
      dryRun: opts.dryRun,
      ...(opts.olderThanMs === undefined ? {} : { olderThanMs: opts.olderThanMs }),
      adapter: async () => {
        const { connectAdapter } = await import("./context.ts");
        return connectAdapter(needProject(p));
      },
    }),
  );
}

/** The `branch gc` JSON payload; `olderThan` is the flag as given. */
export function gcPayload(result: GcResult, olderThan: string | undefined) {
  return {
    gc_id: result.gc_id,
    dry_run: result.dry_run,
    now: result.now,
    ...(olderThan === undefined ? {} : { older_than: olderThan }),
    branches: result.branches.map((b) => ({
      name: b.name,
      created_at: b.created_at,
      expires_at: b.expires_at,
      reason: b.reason,
      status: b.status,
      dropped: b.dropped.map(describeObject),
      failed: b.failed.map((f) => ({
        object: f.object ? describeObject(f.object).object : null,
        error: f.error,
      })),
      left: b.left.map(describeObject),
    })),
    collected: result.branches.filter((b) => b.status === "collected").length,
    failed: result.branches.filter((b) => b.status === "failed").length,
  } satisfies Payload<typeof BranchGcOutput>;
}
