/** `rocky docs`: compile the project and write its self-contained site to `<dir>/index.html`. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalogPayload } from "../catalog/catalog.ts";
import { recentExecutions } from "../catalog/history.ts";
import { dagPayload } from "../compile/dag-view.ts";
import { loadAndCompile } from "../compile/load.ts";

export interface BuiltSite {
  file: string;
  html: string;
  models: number;
  sources: number;
  /** What the site was built from, for `--serve` to watch. */
  inputs: { configFile: string; modelsDir: string };
}

/**
 * The page renderer is passed in: it lives in src/cli/render (core modules do not
 * import src/cli), and the command hands it over.
 */
export type SiteRenderer = (
  catalog: ReturnType<typeof catalogPayload>,
  dag: ReturnType<typeof dagPayload>,
  sqlOf: (model: string) => string | undefined,
  history: ReturnType<typeof recentExecutions>,
) => string;

export async function buildDocsSite(
  explicitConfig: string | undefined,
  dir: string,
  render: SiteRenderer,
): Promise<BuiltSite> {
  // The site answers from the graph whatever the diagnostics say; only load errors abort.
  const result = await loadAndCompile(explicitConfig);
  const catalog = catalogPayload(result);
  const config = result.project.config;
  const history = recentExecutions(
    config.statePath,
    result.project.models.map((m) => m.name),
  );
  const html = render(catalog, dagPayload(result, false), (m) => result.project.byName.get(m)?.sql, history);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "index.html");
  writeFileSync(file, html);
  return {
    file,
    html,
    models: catalog.summary.models,
    sources: catalog.summary.sources,
    inputs: { configFile: config.file, modelsDir: config.modelsDir },
  };
}
