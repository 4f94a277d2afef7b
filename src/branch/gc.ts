/**
 * `rocky branch gc`: drop the recorded objects of expired branches (and, with
 * `--older-than`, of branches older than that), then their records. Best effort per
 * branch: a branch whose cleanup fails keeps its record (listing exactly what is left, as
 * `branch delete --drop` does) and the others go on. Only objects the state recorded for
 * the branch are dropped, and only inside the branch's own schemas; production is never
 * touched. Every action is written to `branch_gc_log` under one gc id.
 */
import type { Adapter, Dialect } from "../adapter/types.ts";
import { type BranchObject, type BranchRecord, listBranches, listObjects, logGc } from "../state/branches.ts";
import { formatRunId } from "../state/runs.ts";
import type { StateStore } from "../state/store.ts";
import { deleteBranchAndObjects } from "./delete.ts";
import { describeObject } from "./objects.ts";

export interface GcBranch {
  name: string;
  created_at: string;
  expires_at: string | null;
  /** Why it is collected: its expiry passed, or it is older than `--older-than`. */
  reason: "expired" | "older_than";
  status: "collected" | "failed" | "would_collect";
  dropped: BranchObject[];
  failed: { object: BranchObject | null; error: string }[];
  /** Objects still recorded (still in the warehouse) after this gc. */
  left: BranchObject[];
}

export interface GcResult {
  gc_id: string;
  dry_run: boolean;
  now: string;
  older_than_ms?: number;
  branches: GcBranch[];
}

/** Branches gc would collect at `now`, in name order. */
export function gcCandidates(
  store: StateStore,
  now: Date,
  olderThanMs?: number,
): { rec: BranchRecord; reason: GcBranch["reason"] }[] {
  const out: { rec: BranchRecord; reason: GcBranch["reason"] }[] = [];
  for (const rec of listBranches(store)) {
    if (rec.expires_at !== null && Date.parse(rec.expires_at) <= now.getTime())
      out.push({ rec, reason: "expired" });
    else if (olderThanMs !== undefined && now.getTime() - Date.parse(rec.created_at) >= olderThanMs)
      out.push({ rec, reason: "older_than" });
  }
  return out;
}

/**
 * An object gc may drop: in a schema of this branch (`<schema_prefix>__…` as the dialect
 * spells it). Anything else recorded under the branch is refused, whatever the record says.
 */
export function outsideBranch(obj: BranchObject, rec: BranchRecord, dialect: Dialect): boolean {
  const fold = (s: string) => (dialect.foldIdentifier ? dialect.foldIdentifier(s) : s.toLowerCase());
  const prefix = fold(dialect.safeSchemaName(`${rec.schema_prefix}__`));
  return !fold(obj.schema).startsWith(prefix);
}

export async function gcBranches(
  store: StateStore,
  opts: {
    now?: Date;
    olderThanMs?: number;
    dryRun: boolean;
    /** Connected lazily: a gc with nothing to drop never opens the warehouse. */
    adapter: () => Promise<Adapter>;
  },
): Promise<GcResult> {
  const now = opts.now ?? new Date();
  const gcId = formatRunId(now).replace(/^run-/, "gc-");
  const result: GcResult = {
    gc_id: gcId,
    dry_run: opts.dryRun,
    now: now.toISOString(),
    ...(opts.olderThanMs === undefined ? {} : { older_than_ms: opts.olderThanMs }),
    branches: [],
  };
  let adapter: Adapter | undefined;
  for (const { rec, reason } of gcCandidates(store, now, opts.olderThanMs)) {
    const objects = listObjects(store, rec.name);
    const entry: GcBranch = {
      name: rec.name,
      created_at: rec.created_at,
      expires_at: rec.expires_at,
      reason,
      status: opts.dryRun ? "would_collect" : "collected",
      dropped: [],
      failed: [],
      left: objects,
    };
    result.branches.push(entry);
    if (opts.dryRun) continue;
    const log = (action: Parameters<typeof logGc>[1]["action"], obj?: BranchObject, error?: string) =>
      logGc(store, {
        gc_id: gcId,
        branch: rec.name,
        action,
        ...(obj ? { kind: obj.kind, object: describeObject(obj).object } : {}),
        ...(error === undefined ? {} : { error }),
      });
    try {
      if (objects.length > 0) adapter ??= await opts.adapter();
      const foreign = adapter ? objects.filter((o) => outsideBranch(o, rec, adapter!.dialect)) : [];
      if (foreign.length > 0) {
        // A record pointing outside the branch's schemas: touch nothing of this branch.
        for (const o of foreign) {
          const error = "recorded outside the branch's schemas: refused, nothing of this branch was dropped";
          entry.failed.push({ object: o, error });
          log("failed", o, error);
        }
        entry.status = "failed";
        continue;
      }
      const r = await deleteBranchAndObjects(store, rec.name, adapter);
      entry.dropped = r.dropped;
      entry.left = r.left;
      for (const o of r.dropped) log("dropped", o);
      for (const e of r.errors) {
        entry.failed.push({ object: e.object, error: e.error });
        log("failed", e.object, e.error);
      }
      if (r.removed) log("removed");
      entry.status = r.removed ? "collected" : "failed";
    } catch (e) {
      // A connection that cannot open fails this branch; the next one tries again.
      entry.status = "failed";
      entry.failed.push({ object: null, error: (e as Error).message });
      entry.left = listObjects(store, rec.name);
      log("failed", undefined, (e as Error).message);
    }
  }
  if (adapter) await adapter.close();
  return result;
}
