import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { catalogPayload } from "../../catalog/catalog.ts";
import { recentExecutions } from "../../catalog/history.ts";
import { dagPayload } from "../../compile/dag-view.ts";
import { loadAndCompile } from "../../compile/load.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";
import { renderDocsSite } from "../render/docs-site.ts";

export default defineCommand({
  meta: {
    name: "docs",
    description: `Write a self-contained static docs site: every model with its SQL, columns,
tests and description, recent runs, the sources, column lineage and the DAG picture;
the search box finds models and columns.

Example:
  rocky docs
  rocky docs site/`,
  },
  args: {
    dir: { type: "positional", required: false, description: "Folder to write (default: rocky-docs)" },
  },
  async run({ args }) {
    const dir = resolve(args.dir ?? "rocky-docs");
    // The site answers from the graph whatever the diagnostics say; only load errors abort.
    const result = await loadAndCompile(globals().config);
    const catalog = catalogPayload(result);
    const history = recentExecutions(
      result.project.config.statePath,
      result.project.models.map((m) => m.name),
    );
    const html = renderDocsSite(
      catalog,
      dagPayload(result, false),
      (m) => result.project.byName.get(m)?.sql,
      history,
    );
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "index.html");
    writeFileSync(file, html);
    emit(
      envelope("docs", { file, models: catalog.summary.models, sources: catalog.summary.sources }),
      () => `Wrote ${file} (${catalog.summary.models} models, ${catalog.summary.sources} sources)`,
    );
  },
});
