#!/usr/bin/env bun
/**
 * Build the single-file rocky binary: `bun run build [--target T]... [--outdir DIR]`.
 *
 * Produces `dist/rocky-<os>-<arch>` (`.exe` on Windows) and rewrites
 * `dist/SHA256SUMS` over every binary in the folder. DuckDB's native files are
 * embedded and extracted at first use (src/runtime/native.ts); the cloud SDKs
 * are bundled but only evaluated when a project's adapter needs them.
 */
import type { BunPlugin } from "bun";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(ROOT, "src/cli/main.ts");
const NATIVE_HELPER = join(ROOT, "src/runtime/native.ts");

interface Target {
  /** rocky's name, used in the file name: `rocky-<name>`. */
  name: string;
  /** `bun build --compile --target` value. */
  bun: Bun.Build.CompileTarget;
  /** npm package holding DuckDB's prebuilt native files for that platform. */
  duckdb: string;
  exe: string;
}

export const TARGETS: Target[] = [
  { name: "linux-x64", bun: "bun-linux-x64", duckdb: "@duckdb/node-bindings-linux-x64", exe: "" },
  { name: "linux-arm64", bun: "bun-linux-arm64", duckdb: "@duckdb/node-bindings-linux-arm64", exe: "" },
  { name: "darwin-x64", bun: "bun-darwin-x64", duckdb: "@duckdb/node-bindings-darwin-x64", exe: "" },
  { name: "darwin-arm64", bun: "bun-darwin-arm64", duckdb: "@duckdb/node-bindings-darwin-arm64", exe: "" },
  { name: "windows-x64", bun: "bun-windows-x64", duckdb: "@duckdb/node-bindings-win32-x64", exe: ".exe" },
];

/** Heavy packages that must load only when a command needs them; ROCKY_DEBUG_MODULES=1 reports when they do. */
const TRACED = ["@duckdb/node-api", "snowflake-sdk", "@google-cloud/bigquery", "@databricks/sql"];

/** Package files that are metadata, not part of the native library. */
const NOT_NATIVE = new Set(["package.json", "README.md", "LICENSE"]);

export function hostTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `${os}-${process.arch}`;
}

function usage(): string {
  return `Usage: bun scripts/build.ts [--target NAME]... [--outdir DIR] [--native-dir DIR]

Targets: ${TARGETS.map((t) => t.name).join(", ")}, or "all" (default: this machine, ${hostTarget()}).
Writes <outdir>/rocky-<target> and <outdir>/SHA256SUMS (default outdir: dist).
--native-dir DIR (or ROCKY_NATIVE_DIR): a folder holding @duckdb/node-bindings-<platform>/
packages for other targets; cross builds also download that target's Bun runtime once.
ROCKY_BUILD_COMMIT overrides the commit stamped into 'rocky --version'.`;
}

function parseArgs(argv: string[]): { targets: string[]; outdir: string } {
  const targets: string[] = [];
  let outdir = join(ROOT, "dist");
  if (process.env.ROCKY_NATIVE_DIR) nativeDirs.unshift(resolve(process.env.ROCKY_NATIVE_DIR));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`${flag} needs a value\n\n${usage()}`, 2);
      return v;
    };
    if (flag === "--target") targets.push(...value().split(","));
    else if (flag === "--outdir") outdir = resolve(value());
    else if (flag === "--native-dir") nativeDirs.unshift(resolve(value()));
    else if (flag === "-h" || flag === "--help") {
      console.log(usage());
      process.exit(0);
    } else fail(`unknown option '${a}'\n\n${usage()}`, 2);
  }
  return { targets: targets.length > 0 ? targets : [hostTarget()], outdir };
}

function fail(message: string, code = 1): never {
  console.error(`Error: ${message}`);
  process.exit(code);
}

function gitCommit(): string {
  if (process.env.ROCKY_BUILD_COMMIT) return process.env.ROCKY_BUILD_COMMIT;
  const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT, stderr: "ignore" });
  const out = r.stdout.toString().trim();
  return r.exitCode === 0 && out ? out : "unknown";
}

/** Where platform packages are looked for: `--native-dir`/`ROCKY_NATIVE_DIR` first, then node_modules. */
const nativeDirs: string[] = [join(ROOT, "node_modules")];

/** Folder of a platform package, or undefined (npm installs only this machine's optional bindings). */
function packageDir(name: string): string | undefined {
  return nativeDirs.map((d) => join(d, name)).find((dir) => existsSync(join(dir, "package.json")));
}

/** Why a target cannot be built on this machine, or undefined when it can. */
export function cannotBuild(t: Target): string | undefined {
  const dir = packageDir(t.duckdb);
  if (!dir) {
    return `DuckDB's native files for ${t.name} (${t.duckdb}) are not installed here; npm installs only this machine's. Build on a ${t.name} machine, or unpack them with 'npm pack ${t.duckdb}@${duckdbVersion()}' into DIR/${t.duckdb}/ and pass --native-dir DIR.`;
  }
  if (!readdirSync(dir).some((f) => f.endsWith(".node")))
    return `${t.duckdb} has no duckdb.node (incomplete install?)`;
  return undefined;
}

function duckdbVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules/@duckdb/node-bindings/package.json"), "utf8"));
  return pkg.version as string;
}

/** Files above this size are embedded zstd-compressed; the first run decompresses them once. */
const COMPRESS_OVER = 1024 * 1024;

/**
 * The file to embed for a native file: large ones compressed (level 3: ~3 s at
 * build, a few hundred ms at first run, 70 -> 22 MB for libduckdb.so), kept in
 * a build cache keyed by the content hash so rebuilds do not compress again.
 */
function embeddable(src: string, digest: string): { path: string; zstd: boolean } {
  if (statSync(src).size < COMPRESS_OVER) return { path: src, zstd: false };
  const out = join(tmpdir(), "rocky-build-native", `${digest}-${basename(src)}.zst`);
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}`;
    writeFileSync(tmp, Bun.zstdCompressSync(readFileSync(src), { level: 3 }));
    renameSync(tmp, out);
  }
  return { path: out, zstd: true };
}

/**
 * Replace `@duckdb/node-bindings` (which `require`s `duckdb.node` from a
 * platform package, next to a shared library the compiler would not embed)
 * with a module that embeds every native file of the target's package and
 * loads them through src/runtime/native.ts. Other platforms' optional
 * packages are never referenced, so their absence cannot break the build.
 */
function duckdbPlugin(t: Target, version: string): BunPlugin {
  const dir = packageDir(t.duckdb)!;
  const names = readdirSync(dir)
    .filter((f) => !NOT_NATIVE.has(f) && statSync(join(dir, f)).isFile())
    .sort();
  const hash = createHash("sha256");
  for (const n of names)
    hash
      .update(n)
      .update("\0")
      .update(readFileSync(join(dir, n)));
  const digest = hash.digest("hex").slice(0, 12);
  const entry = names.find((n) => n.endsWith(".node"))!;
  const embedded = names.map((n) => embeddable(join(dir, n), digest));
  const filesModule = [
    ...embedded.map((e, i) => `import f${i} from ${JSON.stringify(e.path)} with { type: "file" };`),
    `export const files = {${names
      .map(
        (n, i) =>
          `${JSON.stringify(n)}: { path: f${i}, size: ${statSync(join(dir, n)).size}, zstd: ${embedded[i]!.zstd} }`,
      )
      .join(", ")}};`,
  ].join("\n");
  // CommonJS, because @duckdb/node-api does `__importDefault(require("@duckdb/node-bindings"))`.
  const bindingModule = `const { loadEmbeddedNative } = require(${JSON.stringify(NATIVE_HELPER)});
const { files } = require("rocky-native:duckdb-files");
let binding;
try {
  binding = loadEmbeddedNative({ ...${JSON.stringify({ label: "DuckDB", version, hash: digest, entry })}, files });
} catch (error) {
  // Keep failing with the real error (e.g. an unwritable cache): a second importer, such as
  // the SQL parser loading while the adapter connects, must not get empty half-built exports.
  binding = new Proxy({}, { get(_t, key) { if (key === "then" || typeof key === "symbol") return undefined; throw error; } });
}
module.exports = binding;`;
  return {
    name: "rocky-duckdb-embed",
    setup(b) {
      b.onResolve({ filter: /^@duckdb\/node-bindings$/ }, () => ({
        path: "duckdb-binding",
        namespace: "rocky-native",
      }));
      b.onResolve({ filter: /^rocky-native:/ }, (a) => ({
        path: a.path.slice("rocky-native:".length),
        namespace: "rocky-native",
      }));
      b.onLoad({ filter: /^duckdb-binding$/, namespace: "rocky-native" }, () => ({
        loader: "js",
        contents: bindingModule,
      }));
      b.onLoad({ filter: /^duckdb-files$/, namespace: "rocky-native" }, () => ({
        loader: "js",
        contents: filesModule,
      }));
    },
  };
}

/** Wrap each heavy package so that loading it is visible with ROCKY_DEBUG_MODULES=1 (tests prove laziness with it). */
function tracePlugin(): BunPlugin {
  const pattern = new RegExp(`^(${TRACED.map((p) => p.replace(/[/.]/g, "\\$&")).join("|")})$`);
  return {
    name: "rocky-trace-heavy-modules",
    setup(b) {
      b.onResolve({ filter: pattern }, (a) => ({ path: a.path, namespace: "rocky-trace" }));
      b.onLoad({ filter: /.*/, namespace: "rocky-trace" }, (a) => {
        const real = Bun.resolveSync(a.path, ROOT);
        return {
          loader: "js",
          contents: `require(${JSON.stringify(NATIVE_HELPER)}).traceModule(${JSON.stringify(a.path)});
module.exports = require(${JSON.stringify(real)});`,
        };
      });
    },
  };
}

async function buildTarget(t: Target, outdir: string, version: string, commit: string): Promise<string> {
  const outfile = join(outdir, `rocky-${t.name}${t.exe}`);
  const started = performance.now();
  let result: Bun.BuildOutput;
  try {
    result = await Bun.build({
      entrypoints: [ENTRY],
      compile: {
        target: t.bun,
        outfile,
        // The binary runs inside users' projects: a bunfig.toml there (which can preload
        // code) or a .env must not change what rocky does, and looking for them costs start-up.
        autoloadBunfig: false,
        autoloadDotenv: false,
        autoloadTsconfig: false,
        autoloadPackageJson: false,
      },
      // Identifiers stay unmangled: error names and citty's command names are read at run time.
      minify: { whitespace: true, syntax: true, identifiers: false },
      // Without splitting, every lazily imported SDK sits in the one entry chunk and
      // is parsed at each start (~250 ms for the cloud SDKs); split chunks are only
      // read when their import() runs. Bytecode skips parsing of what does load.
      splitting: true,
      bytecode: true,
      format: "esm",
      define: { ROCKY_BUILD_COMMIT: JSON.stringify(commit) },
      plugins: [duckdbPlugin(t, version), tracePlugin()],
    });
  } catch (e) {
    // Bun throws an AggregateError whose entries are the bundler's messages (file:line and text).
    for (const err of (e as AggregateError).errors ?? [e]) {
      const pos = (err as { position?: { file: string; line: number; column: number } | null }).position;
      console.error(
        pos ? `${relative(process.cwd(), pos.file)}:${pos.line}:${pos.column}: ${String(err)}` : String(err),
      );
    }
    throw new Error(`build of ${t.name} failed`);
  }
  // Warnings too: an unresolved optional require in an SDK shows up here first.
  for (const log of result.logs) console.error(String(log));
  if (!result.success) throw new Error(`build of ${t.name} failed`);
  const mb = (statSync(outfile).size / 1024 / 1024).toFixed(1);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`built ${relative(process.cwd(), outfile)} (${mb} MB, ${secs}s)`);
  return outfile;
}

/** sha256sum-compatible list of every binary in the folder, so targets built one by one add up. */
export function writeChecksums(outdir: string): string {
  const lines = readdirSync(outdir)
    .filter((f) => /^rocky-[a-z0-9]+-[a-z0-9]+(\.exe)?$/.test(f))
    .sort()
    .map(
      (f) =>
        `${createHash("sha256")
          .update(readFileSync(join(outdir, f)))
          .digest("hex")}  ${f}`,
    );
  const file = join(outdir, "SHA256SUMS");
  writeFileSync(file, lines.length > 0 ? `${lines.join("\n")}\n` : "");
  return file;
}

async function main(): Promise<void> {
  const { targets: requested, outdir } = parseArgs(process.argv.slice(2));
  const all = requested.includes("all");
  const wanted = all
    ? TARGETS
    : requested.map(
        (n) => TARGETS.find((t) => t.name === n) ?? fail(`unknown target '${n}'\n\n${usage()}`, 2),
      );
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
    .version;
  const commit = gitCommit();
  mkdirSync(outdir, { recursive: true });
  const skipped: string[] = [];
  let built = 0;
  for (const t of wanted) {
    const why = cannotBuild(t);
    if (why) {
      console.error(`cannot build ${t.name} here: ${why}`);
      skipped.push(t.name);
      continue;
    }
    await buildTarget(t, outdir, version, commit);
    built++;
  }
  if (built > 0) {
    const sums = writeChecksums(outdir);
    console.error(`wrote ${relative(process.cwd(), sums)} (rocky ${version}, commit ${commit})`);
  }
  // An explicitly requested target that cannot be built is a failure; with "all", building what can be built is enough.
  if (built === 0 || (!all && skipped.length > 0)) process.exit(1);
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    fail((e as Error).message);
  }
}
