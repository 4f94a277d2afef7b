/** Load a project from its rocky.toml and compile it: the shared start of compile, lineage and dag. */
import { findConfig, loadConfig } from "../config/load.ts";
import { loadProject } from "../project/load.ts";
import { compileProject } from "./compile.ts";
import type { CompileResult } from "./types.ts";

export async function loadAndCompile(
  explicitConfig: string | undefined,
  opts: { cache?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<CompileResult> {
  const t0 = performance.now();
  const config = await loadConfig(findConfig(explicitConfig));
  const project = await loadProject(config);
  return compileProject(project, { ...opts, projectLoadMs: performance.now() - t0 });
}
