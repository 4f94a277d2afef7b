/** `rocky branch list` and `show`: read-only views of the state, no warehouse. */
import type { Payload } from "../output/common.ts";
import type { BranchListOutput, BranchOutput } from "../output/schemas/branch.ts";
import {
  type BranchObject,
  type BranchRecord,
  branchActivity,
  leftoverObjects,
  listBranches,
  listObjects,
} from "../state/branches.ts";
import { branchEntry, describeObject } from "./objects.ts";
import { requireBranch, withStore } from "./session.ts";

/** Every branch with its age, expiry, object count and last run; and objects left by deleted ones. */
export async function listEntries(statePath: string, now = Date.now()) {
  const { records, leftovers, activity } = await withStore(statePath, {}, async (s) => ({
    records: listBranches(s),
    leftovers: leftoverObjects(s),
    activity: branchActivity(s),
  }));
  const entries = records.map((r) => ({
    ...branchEntry(r),
    age_seconds: Math.max(0, Math.floor((now - Date.parse(r.created_at)) / 1000)),
    expired: r.expires_at !== null && Date.parse(r.expires_at) <= now,
    objects: activity.get(r.name)?.objects ?? 0,
    last_run: activity.get(r.name)?.last_run ?? null,
  }));
  return { entries, leftovers, total: records.length };
}

/** The `branch list` payload. */
export function listPayload(list: Awaited<ReturnType<typeof listEntries>>) {
  return { branches: list.entries, total: list.total, leftovers: list.leftovers } satisfies Payload<
    typeof BranchListOutput
  >;
}

/** The `branch show` and `branch create` payload: the branch and its objects. */
export function branchPayload(rec: BranchRecord, objects: readonly BranchObject[]) {
  return { branch: branchEntry(rec), objects: objects.map(describeObject) } satisfies Payload<
    typeof BranchOutput
  >;
}

export async function showBranch(statePath: string, name: string) {
  return withStore(statePath, {}, async (s) => ({
    rec: requireBranch(s, name),
    objects: listObjects(s, name),
  }));
}
