/**
 * Opening the state for a branch command and finding the named branch in it: the
 * common start of every `rocky branch` sub-command.
 */
import { didYouMean, RockyError } from "../errors.ts";
import { type BranchRecord, getBranch, listBranches } from "../state/branches.ts";
import { openState, type StateStore } from "../state/store.ts";

/** `no branch named 'x'`, with a did-you-mean or the existing branches as the hint. */
export function unknownBranch(store: StateStore, name: string): RockyError {
  const names = listBranches(store).map((b) => b.name);
  return new RockyError(`no branch named '${name}'`, {
    hint:
      didYouMean(name, names) ??
      (names.length > 0
        ? `existing branches: ${names.join(", ")}`
        : `no branches yet; create it with 'rocky branch create ${name}'`),
    code: "not_found",
  });
}

export function requireBranch(store: StateStore, name: string): BranchRecord {
  const rec = getBranch(store, name);
  if (!rec) throw unknownBranch(store, name);
  return rec;
}

/**
 * Commands that write to the warehouse (create --clone, delete --drop, promote) open the
 * store with the single-writer lock, so they cannot drop or replace tables under a
 * running `rocky run`; the others only make short writes or read.
 */
export async function withStore<T>(
  path: string,
  opts: Parameters<typeof openState>[1],
  fn: (s: StateStore) => Promise<T>,
): Promise<T> {
  const store = openState(path, opts);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** The project when there is one; `--state-path` alone is enough for the state-only commands. */
export interface BranchProject {
  config?: import("../config/load.ts").LoadedConfig;
  statePath: string;
}

export function needProject(p: BranchProject): import("../config/load.ts").LoadedConfig {
  if (!p.config) throw new RockyError("this command needs a project (rocky.toml)");
  return p.config;
}
