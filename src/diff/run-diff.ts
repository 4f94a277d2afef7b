/**
 * Load and compile both sides of `rocky diff` and compare them: the working tree (as
 * `rocky compile` sees it) and a base read from git objects or a folder. The base is
 * compiled with a copy of the working tree's analysis cache, so models whose SQL did
 * not change are not parsed again.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { compileProject } from "../compile/compile.ts";
import { mark } from "../compile/profile.ts";
import type { CompileResult } from "../compile/types.ts";
import { findConfig, loadConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";
import type { Payload } from "../output/common.ts";
import type { DiffOutput } from "../output/schemas/diff.ts";
import { loadProject } from "../project/load.ts";
import type { Model, Project } from "../project/types.ts";
import type { ParsedSql, SqlParser } from "../sql/types.ts";
import { type DiffReport, diffProjects } from "./diff.ts";
import {
  type ChangedPath,
  type GitProject,
  changedPaths,
  defaultBase,
  exportRevision,
  gitProject,
  readAtRevision,
  resolveRevision,
  shortCommit,
} from "./git.ts";

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

/**
 * The base project without writing it out, when the change touches model SQL only (the
 * common pull request): the working tree's project with the changed .sql files read
 * back from git. Undefined when anything else differs (rocky.toml, a sidecar, a
 * `_defaults.toml`, any other file): then the whole base is exported.
 */
function overlayBase(
  repo: GitProject,
  commit: string,
  head: Project,
  changed: ChangedPath[],
): Project | undefined {
  const root = head.config.root;
  const modelsRel = relative(root, head.config.modelsDir);
  const byPath = new Map(head.models.map((m) => [m.relPath.split(sep).join("/"), m]));
  const models = new Map(head.models.map((m) => [m.relPath.split(sep).join("/"), m]));
  const inModels = (p: string) => modelsRel === "" || p.startsWith(`${modelsRel.split(sep).join("/")}/`);
  const wanted: string[] = [];
  for (const c of changed) {
    // The loader skips hidden files and folders: such a change changes no model.
    if (c.path.split("/").some((part) => part.startsWith("."))) continue;
    if (!c.path.endsWith(".sql") || !inModels(c.path) || !["A", "M", "D"].includes(c.status))
      return undefined;
    if (c.status !== "D" && !byPath.has(c.path)) return undefined;
    if (c.status !== "A") wanted.push(c.path);
  }
  const texts = readAtRevision(repo, commit, wanted);
  for (const c of changed) {
    if (c.path.split("/").some((part) => part.startsWith("."))) continue;
    if (c.status === "A") {
      models.delete(c.path);
      continue;
    }
    const text = texts.get(c.path);
    if (text === undefined) return undefined;
    const sql = text.replace(/\s+$/, "");
    if (c.status === "M") {
      models.set(c.path, { ...byPath.get(c.path)!, sql });
      continue;
    }
    // Deleted since the base: rebuilt like the loader would, from a sibling without a sidecar
    // (which carries exactly its folder's defaults); anything less certain exports the base.
    const stem = basename(c.path, ".sql");
    const dir = dirname(c.path);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(stem) || existsSync(join(root, dir, `${stem}.toml`)))
      return undefined;
    if (head.models.some((m) => m.name.toLowerCase() === stem.toLowerCase())) return undefined;
    const sibling = head.models.find((m) => !m.sidecar && dirname(m.relPath.split(sep).join("/")) === dir);
    if (!sibling) return undefined;
    const model: Model = {
      name: stem,
      file: join(root, c.path),
      relPath: c.path.split("/").join(sep),
      sql,
      target: {
        ...(sibling.target.catalog ? { catalog: sibling.target.catalog } : {}),
        ...(sibling.target.schema ? { schema: sibling.target.schema } : {}),
        table: stem,
      },
      strategy: sibling.strategy,
      dependsOn: [],
      tests: sibling.tests,
    };
    models.set(c.path, model);
  }
  const list = [...models.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { config: head.config, models: list, byName: new Map(list.map((m) => [m.name, m])) };
}

export async function runDiff(opts: DiffOptions): Promise<DiffRun> {
  const cache = opts.cache ?? true;
  const headFile = findConfig(opts.config);
  // The revision first: a bad one fails before any compile, and the changed files are
  // listed (by git, in other processes) while the working tree compiles.
  let git: { repo: GitProject; label: string; commit: string; changed: Promise<ChangedPath[]> } | undefined;
  if (opts.baseDir === undefined) {
    const repo = gitProject(dirname(headFile));
    const { label, commit } =
      opts.base === undefined
        ? defaultBase(repo)
        : { label: opts.base, commit: resolveRevision(repo, opts.base) };
    const changed = changedPaths(repo, commit);
    changed.catch(() => undefined);
    git = { repo, label, commit, changed };
  }
  const head = await compileAt(headFile, cache);
  mark("diff: head compiled");
  const root = head.project.config.root;

  let baseRef: string;
  let baseFile: string;
  let cleanup = () => {};
  let shown = (s: string) => s;
  /** Set when the base was built in memory (overlayBase); its cache lives in the temp folder. */
  let baseProject: Project | undefined;
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
    const { repo, label, commit } = git!;
    const short = shortCommit(repo, commit);
    baseRef = label === short ? short : `${label} (${short})`;
    // ROCKY_DIFF_EXPORT=1 always exports (tests compare both ways).
    const overlay =
      process.env.ROCKY_DIFF_EXPORT === "1"
        ? undefined
        : overlayBase(repo, commit, head.project, await git!.changed);
    const exported = overlay
      ? (() => {
          const dir = mkdtempSync(join(tmpdir(), "rocky-diff-base-"));
          return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
        })()
      : exportRevision(repo, commit);
    mark(overlay ? "diff: base overlaid" : "diff: base exported");
    cleanup = exported.cleanup;
    // The config file sits in the project folder; -c may name it differently.
    baseFile = join(exported.dir, relative(root, headFile));
    if (!overlay && !existsSync(baseFile)) {
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
    if (overlay) baseProject = { ...overlay, config: { ...overlay.config, root: tmp } };
  }

  let parser: SqlParser | undefined;
  try {
    let base: CompileResult;
    try {
      if (baseProject) base = await compileProject(baseProject, { cache });
      else if (opts.baseDir !== undefined && cache) {
        // A folder of the user's: compiled with a private copy of the working tree's cache,
        // so nothing is written into it.
        const config = await loadConfig(baseFile);
        const project = await loadProject(config);
        const tmp = mkdtempSync(join(tmpdir(), "rocky-diff-base-"));
        cleanup = () => rmSync(tmp, { recursive: true, force: true });
        const warm = join(root, ".rocky-cache", "compile.cache");
        if (existsSync(warm)) {
          mkdirSync(join(tmp, ".rocky-cache"), { recursive: true });
          copyFileSync(warm, join(tmp, ".rocky-cache", "compile.cache"));
        }
        base = await compileProject({ ...project, config: { ...config, root: tmp } }, { cache: true });
      } else base = await compileAt(baseFile, cache && opts.baseDir === undefined);
    } catch (e) {
      const err = e as RockyError;
      throw new RockyError(`the base project (${baseRef}) does not load: ${shown(err.message)}`, {
        hint: "fix the base revision's project, or compare with another one",
        ...(err instanceof RockyError ? { code: err.code } : {}),
      });
    }
    mark("diff: base compiled");
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
    mark("diff: compared");
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

/** The `diff -o json` payload: the report, its Markdown, and whether `--fail-on` trips. */
export function diffPayload(report: DiffReport, markdown: string, failed: boolean) {
  return { ...report, markdown, failed } satisfies Payload<typeof DiffOutput>;
}
