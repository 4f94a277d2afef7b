/** Load a project from its rocky.toml and compile it: the shared start of compile, lineage and dag. */
import { findConfig, loadConfig } from "../config/load.ts";
import { loadProject } from "../project/load.ts";
import { compileProject } from "./compile.ts";
import { manifestOf, saveSnapshot } from "./lineage-snapshot.ts";
import { mark } from "./profile.ts";
import type { CompileResult } from "./types.ts";

export async function loadAndCompile(
  explicitConfig: string | undefined,
  opts: {
    cache?: boolean;
    onProgress?: (done: number, total: number) => void;
    /** Also store the graph for `rocky lineage`'s next answers (lineage-snapshot.ts); costs a stat per file. */
    lineageSnapshot?: boolean;
  } = {},
): Promise<CompileResult> {
  const t0 = performance.now();
  mark("imports done");
  const config = await loadConfig(findConfig(explicitConfig));
  mark("config loaded");
  // Taken before the files are read, so an edit made during the compile is seen next time.
  const manifest =
    opts.cache === false || !opts.lineageSnapshot ? undefined : manifestOf(config.file, config.modelsDir);
  mark("manifest taken");
  const project = await loadProject(config);
  mark("project loaded");
  const result = await compileProject(project, {
    cache: opts.cache,
    onProgress: opts.onProgress,
    projectLoadMs: performance.now() - t0,
  });
  if (manifest !== undefined) saveSnapshot(config.root, manifest, config.modelsDir, result.graph);
  mark("lineage snapshot saved");
  return result;
}
