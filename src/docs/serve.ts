/**
 * `rocky docs --serve`: the site on 127.0.0.1, rebuilt when a model, sidecar or
 * rocky.toml changes, so reloading the page shows the edit. Runs until SIGINT/SIGTERM.
 */
import { existsSync, type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { RockyError } from "../errors.ts";
import type { BuiltSite } from "./site.ts";

export const DEFAULT_PORT = 8080;
/** Editors write a file in several steps (truncate, write, rename): one rebuild for the burst. */
const DEBOUNCE_MS = 150;

export interface ServeOptions {
  port: number;
  first: BuiltSite;
  rebuild: () => Promise<BuiltSite>;
  /** Told where the site is served (the real port when 0 was asked for). */
  onListening: (url: string) => void;
  onRebuilt: (site: BuiltSite) => void;
  onRebuildFailed: (e: unknown) => void;
}

function listen(port: number, page: () => string): ReturnType<typeof Bun.serve> {
  try {
    return Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch(req) {
        const path = new URL(req.url).pathname;
        if (path !== "/" && path !== "/index.html") return new Response("not found\n", { status: 404 });
        // no-store: a reload must fetch the rebuilt page, never a cached one.
        return new Response(page(), {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        });
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new RockyError(`port ${port} on 127.0.0.1 is already in use`, {
        hint: "choose another with --port N (--port 0 picks a free one)",
      });
    if (code === "EACCES")
      throw new RockyError(`not allowed to listen on port ${port}`, {
        hint: "ports below 1024 need privileges: choose another with --port N",
      });
    throw e;
  }
}

export async function serveDocs(opts: ServeOptions): Promise<void> {
  let html = opts.first.html;
  const server = listen(opts.port, () => html);
  const inputs = opts.first.inputs;

  let timer: ReturnType<typeof setTimeout> | undefined;
  let building = false;
  let again = false;
  const build = async () => {
    if (building) {
      again = true; // A change during a build: build once more after it.
      return;
    }
    building = true;
    try {
      const site = await opts.rebuild();
      html = site.html;
      opts.onRebuilt(site);
    } catch (e) {
      opts.onRebuildFailed(e); // Keep serving the last good page.
    } finally {
      building = false;
      if (again) {
        again = false;
        void build();
      }
    }
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void build(), DEBOUNCE_MS);
  };

  const watchers: FSWatcher[] = existsSync(inputs.modelsDir)
    ? [watch(inputs.modelsDir, { recursive: true }, changed)]
    : [];
  const toml = basename(inputs.configFile);
  // The folder, not the file: an editor's save-by-rename would leave a file watch on the old inode.
  watchers.push(watch(dirname(inputs.configFile), (_event, name) => name === toml && changed()));

  opts.onListening(`http://127.0.0.1:${server.port}/`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  clearTimeout(timer);
  for (const w of watchers) w.close();
  await server.stop(true);
}
