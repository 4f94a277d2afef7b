/** The lineage fixture project, copied to a temp folder so caches and edits never touch the repo. */
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO, tempDir } from "../helpers/cli.ts";

export const FIXTURE = join(REPO, "test", "fixtures", "lineage-project");

export function fixtureCopy(opts: { withoutBroken?: boolean } = {}): string {
  const dir = tempDir("rocky-lineage-");
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(".rocky-cache") });
  if (opts.withoutBroken) rmSync(join(dir, "models", "misc"), { recursive: true });
  return dir;
}

export const fmt = (e: {
  source: { model: string; column: string };
  target: { model: string; column: string };
  transform: string;
  depth?: number;
}) =>
  `${e.source.model}.${e.source.column} -> ${e.target.model}.${e.target.column}${e.transform === "direct" ? "" : ` [${e.transform}]`}${e.depth === undefined ? "" : ` @${e.depth}`}`;
