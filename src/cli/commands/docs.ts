import { resolve } from "node:path";
import { defineCommand } from "citty";
import { DEFAULT_PORT, serveDocs } from "../../docs/serve.ts";
import { buildDocsSite } from "../../docs/site.ts";
import { UsageError } from "../../errors.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";
import { renderDocsSite } from "../render/docs-site.ts";

export default defineCommand({
  meta: {
    name: "docs",
    description: `Write a self-contained static docs site: every model with its SQL, columns,
tests and description, recent runs, the sources, column lineage and the DAG picture;
the search box finds models and columns. With --serve, also serve it on 127.0.0.1 and
rebuild it whenever a model or rocky.toml changes (reload the page to see the edit).

Example:
  rocky docs
  rocky docs site/
  rocky docs --serve --port 8081`,
  },
  args: {
    dir: { type: "positional", required: false, description: "Folder to write (default: rocky-docs)" },
    serve: {
      type: "boolean",
      description: "Serve the site on 127.0.0.1 and rebuild it on changes, until Ctrl-C",
    },
    port: { type: "string", description: "Port for --serve (default 8080; 0 picks a free one)" },
  },
  async run({ args }) {
    const dir = resolve(args.dir ?? "rocky-docs");
    const port = args.port === undefined ? DEFAULT_PORT : Number(args.port);
    if (args.port !== undefined && !args.serve) throw new UsageError("--port needs --serve");
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`invalid value '${args.port}' for --port (a port number, 0 for any free one)`);
    const config = globals().config;
    const build = () => buildDocsSite(config, dir, renderDocsSite);
    const site = await build();
    const summary = `${site.models} models, ${site.sources} sources`;
    if (!args.serve) {
      emit(
        envelope("docs", { file: site.file, models: site.models, sources: site.sources }),
        () => `Wrote ${site.file} (${summary})`,
      );
      return;
    }
    await serveDocs({
      port,
      first: site,
      rebuild: build,
      onListening: (url) =>
        emit(
          envelope("docs", { file: site.file, models: site.models, sources: site.sources, url }),
          () => `Wrote ${site.file} (${summary})\nServing ${url} (rebuilt on changes; Ctrl-C to stop)`,
        ),
      onRebuilt: (s) => log(`Rebuilt ${s.file} (${s.models} models, ${s.sources} sources)`),
      onRebuildFailed: (e) =>
        log(`Rebuild failed, still serving the previous site: ${(e as Error).message.split("\n")[0]}`),
    });
    log("Stopped serving.");
  },
});
