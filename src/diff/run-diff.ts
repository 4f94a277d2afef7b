/**
 * Load and compile both sides of `rocky diff` and compare them: the working tree (as
 * `rocky compile` sees it) and a base read from git objects or a folder. The base is
 * compiled with a copy of the working tree's analysis cache, so models whose SQL did
 * not change are not parsed again.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { compileProject } from "../compile/compile.ts";
import type { CompileResult } from "../compile/types.ts";
import { findConfig, loadConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";
import { loadProject } from "../project/load.ts";
import type { ParsedSql, SqlParser } from "../sql/types.ts";
import { type DiffReport, diffProjects } from "./diff.ts";
import { defaultBase, exportRevision, gitProject, resolveRevision, shortCommit } from "./git.ts";

export interface DiffOptions {
  config: string | undefined;
  /** A git revision; undefined: the merge base with the default branch. */
  base?: string;
  /** A folder holding the base project instead of a revision. */
  baseDir?: string;
  cache?: boolean;
}

export interface DiffRun {
  report: DiffReport;
  head: CompileResult;
  base: CompileResult;
}

async function compileAt(configFile: string, cache: boolean): Promise<CompileResult> {
  const t0 = performance.now();
  const config = await loadConfig(configFile);
  const project = await loadProject(config);
  return compileProject(project, { cache, projectLoadMs: performance.now() - t0 });
}

export async function runDiff(opts: DiffOptions): Promise<DiffRun> {
  const cache = opts.cache ?? true;
  const headFile = findConfig(opts.config);
  const head = await compileAt(headFile, cache);
  const root = head.project.config.root;

  let baseRef: string;
  let baseFile: string;
  let cleanup = () => {};
  let shown = (s: string) => s;
  if (opts.baseDir !== undefined) {
    const dir = resolve(opts.baseDir);
    if (!existsSync(dir)) throw new RockyError(`--base-dir: no folder at '${opts.baseDir}'`);
    baseFile = join(dir, basename(headFile));
    if (!existsSync(baseFile))
      throw new RockyError(`--base-dir: '${opts.baseDir}' has no ${basename(headFile)}`, {
        hint: "point --base-dir at the folder holding the base project's rocky.toml",
      });
    baseRef = opts.baseDir;
  } else {
    const repo = gitProject(root);
    const { label, commit } =
      opts.base === undefined
        ? defaultBase(repo)
        : { label: opts.base, commit: resolveRevision(repo, opts.base) };
    const short = shortCommit(repo, commit);
    baseRef = label === short ? short : `${label} (${short})`;
    const exported = exportRevision(repo, commit);
    cleanup = exported.cleanup;
    // The config file sits in the project folder; -c may name it differently.
    baseFile = join(exported.dir, relative(root, headFile));
    if (!existsSync(baseFile)) {
      cleanup();
      throw new RockyError(`there is no ${relative(root, headFile)} at ${baseRef}`, {
        hint: "pick a base revision that has the project",
      });
    }
    // Warm the base compile from the working tree's cache (a private copy: the temp folder is discarded).
    const warm = join(root, ".rocky-cache", "compile.cache");
    if (cache && existsSync(warm)) {
      try {
        mkdirSync(join(exported.dir, ".rocky-cache"), { recursive: true });
        copyFileSync(warm, join(exported.dir, ".rocky-cache", "compile.cache"));
      } catch {
        // Only slower without it.
      }
    }
    const tmp = exported.dir;
    shown = (s: string) => s.split(tmp).join(`${baseRef}:`);
  }

  let parser: SqlParser | undefined;
  try {
    let base: CompileResult;
    try {
      base = await compileAt(baseFile, cache && opts.baseDir === undefined);
    } catch (e) {
      const err = e as RockyError;
      throw new RockyError(`the base project (${baseRef}) does not load: ${shown(err.message)}`, {
        hint: "fix the base revision's project, or compare with another one",
        ...(err instanceof RockyError ? { code: err.code } : {}),
      });
    }
    const report = await diffProjects({
      base,
      head,
      baseRef,
      headRef: "working tree",
      parse: async (sqls: string[]): Promise<ParsedSql[]> => {
        const { createSqlParser } = await import("../sql/parse.ts");
        parser ??= await createSqlParser();
        return parser.parseMany(sqls);
      },
    });
    for (const m of report.models) {
      if (m.base_unavailable) m.base_unavailable = shown(m.base_unavailable);
      m.notes = m.notes.map(shown);
    }
    return { report, head, base };
  } finally {
    parser?.close();
    cleanup();
  }
}
