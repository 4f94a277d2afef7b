/** What `rocky run --branch NAME` adds to a run: the branch isolation (the flag check lives in src/cli/flags.ts). */
import type { Adapter } from "../adapter/types.ts";
import { RockyError } from "../errors.ts";
import type { Isolation } from "../run/isolation.ts";
import { getBranch } from "../state/branches.ts";
import type { StateStore } from "../state/store.ts";
import { BranchIsolation } from "./isolation.ts";
import { safeBranchName } from "./names.ts";

/** `--branch` decides where every model goes; `--shadow`/`--shadow-schema` would too. */
/** The isolation of a branch run, for the run engine; an unknown branch is an error with a hint. */
export function branchIsolation(name: string): (ctx: { adapter: Adapter; store: StateStore }) => Isolation {
  return ({ adapter, store }) => {
    const rec = getBranch(store, name);
    if (!rec) {
      // A git-style name (`feature/x`) was never a rocky branch: point at its mapped form.
      const safe = safeBranchName(name);
      const hint =
        safe !== name
          ? getBranch(store, safe)
            ? `did you mean --branch ${safe}? (git's '${name}' is rocky's '${safe}')`
            : `rocky branch create ${safe} (git's '${name}' as a rocky branch name), or rocky branch create --from-git`
          : `rocky branch create ${name}`;
      throw new RockyError(`branch '${name}' not found`, { hint, code: "not_found" });
    }
    return new BranchIsolation(store, adapter, rec);
  };
}
