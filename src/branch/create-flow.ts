/**
 * `rocky branch create NAME [--clone]` from start to finish: with a project, the dialect
 * and models (so collisions follow the warehouse's schema rules), the record, and with
 * --clone a zero-copy copy of production.
 */
import type { Dialect } from "../adapter/types.ts";
import type { Model } from "../project/types.ts";
import type { BranchObject, BranchRecord } from "../state/branches.ts";
import { type BranchProject, needProject, withStore } from "./session.ts";

export interface CreateRequest {
  name: string;
  description?: string;
  createdBy: string;
  ttlMs?: number;
  clone: boolean;
}

export async function createNamed(
  p: BranchProject,
  req: CreateRequest,
): Promise<{ rec: BranchRecord; cloned: BranchObject[] | undefined }> {
  const { createBranch, cloneProduction } = await import("./create.ts");
  let dialect: Dialect | undefined;
  let models: Model[] = [];
  if (p.config && p.config.adapters.size > 0) {
    const [{ loadDialect }, { loadProject }] = await Promise.all([
      import("./context.ts"),
      import("../project/load.ts"),
    ]);
    dialect = await loadDialect(p.config);
    // Without --clone a project whose models do not load yet still gets its branch.
    const loading = loadProject(p.config).then((pr) => pr.models);
    models = req.clone ? await loading : await loading.catch(() => []);
  }
  return withStore(
    p.statePath,
    req.clone ? { lock: { command: "branch create" } } : { write: true, command: "branch create" },
    async (store) => {
      const rec = createBranch(store, {
        name: req.name,
        ...(req.description === undefined ? {} : { description: req.description }),
        createdBy: req.createdBy,
        ...(req.ttlMs === undefined ? {} : { ttlMs: req.ttlMs }),
        ...(dialect ? { dialect } : {}),
        models,
        productionSchemas: [
          ...new Set(models.map((m) => m.target.schema ?? dialect?.defaultSchema ?? "main")),
        ],
      });
      if (!req.clone) return { rec, cloned: undefined };
      const { connectAdapter } = await import("./context.ts");
      const adapter = await connectAdapter(needProject(p));
      try {
        return { rec, cloned: await cloneProduction(store, adapter, rec, models) };
      } finally {
        await adapter.close();
      }
    },
  );
}

/** `--from-git`: the current git branch mapped to a safe name; `notice` hears about a rename. */
export async function nameFromGit(root: string, notice: (line: string) => void): Promise<string> {
  const [{ currentBranch }, { safeBranchName }] = await Promise.all([
    import("../diff/git.ts"),
    import("./names.ts"),
  ]);
  const gitName = currentBranch(root);
  const safe = safeBranchName(gitName);
  if (safe !== gitName) notice(`git branch '${gitName}' is rocky branch '${safe}'`);
  return safe;
}
