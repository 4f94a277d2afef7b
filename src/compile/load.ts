/** Load a project from its rocky.toml and compile it: the shared start of compile, lineage and dag. */
import { findConfig, loadConfig } from "../config/load.ts";
import { loadProject } from "../project/load.ts";
import { compileProject } from "./compile.ts";
import { mark } from "./profile.ts";
import type { CompileResult } from "./types.ts";

export async function loadAndCompile(
  explicitConfig: string | undefined,
  opts: { cache?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<CompileResult> {
  const t0 = performance.now();
  mark("imports done");
  const config = await loadConfig(findConfig(explicitConfig));
  mark("config loaded");
  const project = await loadProject(config);
  mark("project loaded");
  return compileProject(project, { ...opts, projectLoadMs: performance.now() - t0 });
}
