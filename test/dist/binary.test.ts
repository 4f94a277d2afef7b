/**
 * The compiled binary, copied alone into an empty folder and run with no Node,
 * npm or Bun on PATH and no node_modules above it: the user's CI machine.
 *
 * Builds once in beforeAll (tens of seconds). ROCKY_TEST_BINARY=path reuses a
 * binary built by `bun run build` instead, to iterate faster.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  rmSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

// Real runs of a 200 MB binary on a shared 2-core machine: seconds each, more under load.
setDefaultTimeout(120_000);

const REPO = resolve(import.meta.dir, "../..");
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const TARGET = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;

let root: string; // under /tmp: no node_modules above it
let bin: string; // the binary, alone in its folder
let sysPath: string; // PATH with a few basic tools and no node/npm/bun
let commit: string;
let buildError: string | undefined;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function parse(stdout: string): Record<string, unknown> {
  try {
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Minimal environment: HOME and the cache in temp folders, nothing inherited from this process. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: sysPath,
    HOME: join(root, "home"),
    XDG_CACHE_HOME: join(root, "cache"),
    NO_COLOR: "1",
    ...extra,
  };
}

function rocky(args: string[], cwd: string, extra: Record<string, string> = {}): Result {
  if (buildError) throw new Error(`the binary was not built:\n${buildError}`);
  const p = Bun.spawnSync([bin, ...args], {
    cwd,
    env: env(extra),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const stdout = p.stdout.toString();
  return { code: p.exitCode ?? -1, stdout, stderr: p.stderr.toString(), json: parse(stdout) };
}

async function rockyAsync(args: string[], cwd: string, extra: Record<string, string> = {}): Promise<Result> {
  const p = Bun.spawn([bin, ...args], {
    cwd,
    env: env(extra),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr, json: parse(stdout) };
}

/** Show the command's stderr when an exit code is not the expected one. */
function expectCode(r: Result, code: number): void {
  if (r.code !== code)
    throw new Error(`exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

/** Does any object in the JSON tree have these key/values (e.g. {model, column})? */
function hasNode(json: unknown, want: Record<string, string>): boolean {
  if (Array.isArray(json)) return json.some((x) => hasNode(x, want));
  if (json && typeof json === "object") {
    const o = json as Record<string, unknown>;
    if (Object.entries(want).every(([k, v]) => o[k] === v)) return true;
    return Object.values(o).some((x) => hasNode(x, want));
  }
  return false;
}

/** Every string value under a key, anywhere in the JSON tree. */
function valuesOf(json: unknown, key: string): unknown[] {
  if (Array.isArray(json)) return json.flatMap((x) => valuesOf(x, key));
  if (json && typeof json === "object") {
    const o = json as Record<string, unknown>;
    return [...(key in o ? [o[key]] : []), ...Object.values(o).flatMap((x) => valuesOf(x, key))];
  }
  return [];
}

const debugLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("rocky-debug: "));

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "rocky-dist-e2e-"));
  mkdirSync(join(root, "home"));
  // Basic tools only, linked one by one: /usr/bin on this machine also holds node.
  sysPath = join(root, "sysbin");
  mkdirSync(sysPath);
  for (const t of ["sh", "ls", "cat", "env", "uname"]) {
    const real = Bun.which(t, { PATH: "/usr/bin:/bin" });
    if (real) symlinkSync(real, join(sysPath, t));
  }
  // What scripts/build.ts stamps: ROCKY_BUILD_COMMIT if set, else the checkout's short hash.
  const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: REPO });
  commit = process.env.ROCKY_BUILD_COMMIT || (git.exitCode === 0 ? git.stdout.toString().trim() : "unknown");

  let built = process.env.ROCKY_TEST_BINARY;
  if (!built) {
    const out = join(root, "dist");
    const p = Bun.spawn([process.execPath, join(REPO, "scripts/build.ts"), "--outdir", out], {
      cwd: REPO,
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stderr, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
    built = join(out, `rocky-${TARGET}`);
    if (code !== 0 || !existsSync(built)) {
      buildError = `bun scripts/build.ts exited ${code}:\n${stderr}`;
      return;
    }
  }
  mkdirSync(join(root, "bin"));
  bin = join(root, "bin", "rocky");
  copyFileSync(built, bin);
  Bun.spawnSync(["chmod", "755", bin]);
}, 600_000);

// Each run leaves a binary, its copy and extracted DuckDB copies (~600 MB): keep them only on request.
afterAll(() => {
  if (root && !process.env.ROCKY_TEST_KEEP) rmSync(root, { recursive: true, force: true });
});

describe("build", () => {
  test("the build produced the binary and a matching SHA256SUMS", () => {
    expect(buildError).toBeUndefined();
    if (process.env.ROCKY_TEST_BINARY) return; // prebuilt: its SHA256SUMS is the build's business
    const sums = readFileSync(join(root, "dist", "SHA256SUMS"), "utf8");
    const digest = createHash("sha256")
      .update(readFileSync(join(root, "dist", `rocky-${TARGET}`)))
      .digest("hex");
    expect(sums).toBe(`${digest}  rocky-${TARGET}\n`);
  });

  test("an unknown or unbuildable target is refused with a reason", () => {
    const unknown = Bun.spawnSync(
      [process.execPath, join(REPO, "scripts/build.ts"), "--target", "plan9-mips"],
      { cwd: REPO },
    );
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.toString()).toContain("Error: unknown target 'plan9-mips'");
    // The DuckDB bindings of other platforms are optional dependencies npm skips here.
    const other = TARGET === "linux-x64" ? "darwin-arm64" : "linux-x64";
    const out = mkdtempSync(join(root, "other-"));
    const r = Bun.spawnSync(
      [process.execPath, join(REPO, "scripts/build.ts"), "--target", other, "--outdir", out],
      { cwd: REPO },
    );
    expect(r.stderr.toString()).toContain(`cannot build ${other} here: DuckDB's native files for ${other}`);
    expect(r.exitCode).toBe(1);
    expect(readdirSync(out).filter((f) => f.startsWith("rocky-"))).toEqual([]);
  });
});

describe("the binary alone, without Node, Bun or node_modules", () => {
  let demo: string;
  let firstRunId: string | undefined;
  let branchRunId: string | undefined;

  test("the environment really has no node, npm or bun", () => {
    for (const tool of ["node", "npm", "bun", "npx"]) expect(Bun.which(tool, { PATH: sysPath })).toBeNull();
    for (let d = join(root, "bin"); d !== dirname(d); d = dirname(d))
      expect(existsSync(join(d, "node_modules"))).toBe(false);
    expect(readdirSync(join(root, "bin"))).toEqual(["rocky"]);
  });

  test("rocky --version prints the version and the build's commit, loading nothing heavy", () => {
    const r = rocky(["--version"], root, {
      ROCKY_DEBUG_MODULES: "1",
      XDG_CACHE_HOME: join(root, "cache-version"),
    });
    expectCode(r, 0);
    // A prebuilt binary (ROCKY_TEST_BINARY) may predate the checkout's last commit.
    if (process.env.ROCKY_TEST_BINARY)
      expect(r.stdout).toMatch(new RegExp(`^rocky ${VERSION} \\(([0-9a-f]{7,}|unknown)\\)\n$`));
    else expect(r.stdout).toBe(`rocky ${VERSION} (${commit})\n`);
    expect(debugLines(r.stderr)).toEqual([]);
    expect(existsSync(join(root, "cache-version"))).toBe(false);
  });

  test("rocky playground demo", () => {
    const r = rocky(["playground", "demo"], root);
    expectCode(r, 0);
    expect(r.json.command).toBe("playground");
    demo = join(root, "demo");
    expect(existsSync(join(demo, "rocky.toml"))).toBe(true);
    expect(existsSync(join(demo, "models/staging/stg_orders.sql"))).toBe(true);
  });

  test("compile", () => {
    const r = rocky(["compile"], demo);
    expectCode(r, 0);
    expect(r.json.command).toBe("compile");
    for (const m of ["raw_orders", "stg_orders", "customer_revenue", "order_ranks", "region_daily"])
      expect(r.stdout).toContain(`"${m}"`);
  });

  test("run: extracts DuckDB once into the cache and builds every model", () => {
    // A fresh cache: `compile` already loaded DuckDB (it parses SQL with DuckDB's parser) into the default one.
    const cache = join(root, "cache-run");
    const r = rocky(["run"], demo, { ROCKY_DEBUG_MODULES: "1", XDG_CACHE_HOME: cache });
    expectCode(r, 0);
    expect(r.json.command).toBe("run");
    for (const m of ["raw_orders", "stg_orders", "customer_revenue", "order_ranks", "region_daily"])
      expect(r.stdout).toContain(`"${m}"`);
    expect(valuesOf(r.json, "status")).not.toContain("failed");
    const ids = valuesOf(r.json, "run_id").filter((x): x is string => typeof x === "string");
    expect(ids[0]).toMatch(/^run-\d{8}-\d{6}-\d{3}$/);
    firstRunId = ids[0];
    // The positive control of the laziness tests below: this command did load DuckDB.
    const lines = debugLines(r.stderr);
    expect(lines).toContain("rocky-debug: loaded @duckdb/node-api");
    expect(lines.filter((l) => l.startsWith("rocky-debug: extracted DuckDB into "))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("rocky-debug: loaded DuckDB native library"))).toHaveLength(1);
    const entries = readdirSync(join(cache, "rocky"));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(new RegExp(`^${VERSION.replace(/\./g, "\\.")}-[0-9a-f]{12}$`));
    const dir = join(cache, "rocky", entries[0]!);
    expect(readdirSync(dir).sort()).toEqual(["duckdb.node", "libduckdb.so"]);
    // A second run reuses the extracted copy.
    const again = rocky(["run"], demo, { ROCKY_DEBUG_MODULES: "1", XDG_CACHE_HOME: cache });
    expectCode(again, 0);
    expect(debugLines(again.stderr).filter((l) => l.startsWith("rocky-debug: extracted"))).toEqual([]);
    expect(debugLines(again.stderr)).toContain(
      `rocky-debug: loaded DuckDB native library (${join(dir, "duckdb.node")})`,
    );
  });

  test(`lineage stg_orders.net_amount --downstream`, () => {
    const r = rocky(["lineage", "stg_orders.net_amount", "--downstream"], demo);
    expectCode(r, 0);
    expect(r.json.command).toBe("lineage");
    expect(r.json.direction).toBe("downstream");
    for (const [model, column] of [
      ["customer_revenue", "total_revenue"],
      ["order_ranks", "net_amount"],
      ["order_ranks", "running_revenue"],
      ["region_daily", "revenue"],
    ])
      expect(hasNode(r.json, { model: model!, column: column! })).toBe(true);
    // Upstream columns are not downstream of it.
    expect(hasNode(r.json, { model: "raw_orders", column: "amount" })).toBe(false);
  });

  test("branch create x", () => {
    const r = rocky(["branch", "create", "x"], demo);
    expectCode(r, 0);
    expect(r.stdout).toContain("branch__x");
  });

  test("run --branch x writes into the branch's schemas", () => {
    const r = rocky(["run", "--branch", "x"], demo);
    expectCode(r, 0);
    expect(r.json.command).toBe("run");
    expect(r.stdout).toContain("branch__x");
    expect(valuesOf(r.json, "status")).not.toContain("failed");
    branchRunId = valuesOf(r.json, "run_id").find((x): x is string => typeof x === "string");
    expect(branchRunId).toMatch(/^run-/);
    expect(branchRunId).not.toBe(firstRunId);
  });

  test("replay latest shows the branch run", () => {
    const r = rocky(["replay", "latest"], demo);
    expectCode(r, 0);
    expect(r.json.command).toBe("replay");
    expect(valuesOf(r.json, "run_id")).toContain(branchRunId);
    expect(r.stdout).toContain("stg_orders");
  });

  test("history lists both runs", () => {
    const r = rocky(["history"], demo);
    expectCode(r, 0);
    expect(r.json.command).toBe("history");
    const ids = valuesOf(r.json, "run_id");
    expect(ids).toContain(firstRunId);
    expect(ids).toContain(branchRunId);
  });

  test("commands that need no warehouse load neither DuckDB nor a cloud SDK", () => {
    const cache = join(root, "cache-lazy");
    const cmds = [
      ["--version"],
      ["branch", "list"],
      ["history"],
      ["replay", "latest"],
      ["state"],
      ["lineage", "stg_orders.net_amount", "--downstream"],
    ];
    for (const args of cmds) {
      const r = rocky(args, demo, { ROCKY_DEBUG_MODULES: "1", XDG_CACHE_HOME: cache });
      expect({ args, code: r.code, loaded: debugLines(r.stderr) }).toEqual({ args, code: 0, loaded: [] });
    }
    expect(existsSync(cache)).toBe(false);
  });
});

describe("cloud SDKs inside the binary", () => {
  // Each adapter points at a closed loopback port: the SDK must load from the binary
  // (no node_modules here) and fail only when it tries the network.
  const projects: Record<string, { sdk: string; toml: string }> = {
    snowflake: {
      sdk: "snowflake-sdk",
      toml: 'type = "snowflake"\naccount = "acct"\nuser = "u"\npassword = "p"\naccess_url = "http://127.0.0.1:9"\nretries = 0',
    },
    databricks: {
      sdk: "@databricks/sql",
      toml: 'type = "databricks"\nhost = "http://127.0.0.1:9"\nhttp_path = "/sql/1"\ntoken = "t"\nretries = 0',
    },
  };
  for (const [type, { sdk, toml }] of Object.entries(projects)) {
    test(`a ${type} project loads ${sdk}, and only it`, () => {
      const dir = join(root, `cloud-${type}`);
      mkdirSync(join(dir, "models"), { recursive: true });
      writeFileSync(join(dir, "rocky.toml"), `[adapter]\n${toml}\n`);
      writeFileSync(join(dir, "models", "m.sql"), "SELECT 1 AS x\n");
      const r = rocky(["run"], dir, { ROCKY_DEBUG_MODULES: "1" });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Error: cannot connect to the ${type} warehouse`);
      const sdks = debugLines(r.stderr).filter((l) =>
        /loaded (snowflake-sdk|@databricks\/sql|@google-cloud\/bigquery)/.test(l),
      );
      expect(sdks).toEqual([`rocky-debug: loaded ${sdk}`]);
    });
  }

  test("validate checks cloud adapter blocks with their own schemas without loading any SDK", () => {
    const dir = join(root, "cloud-validate");
    mkdirSync(join(dir, "models"), { recursive: true });
    writeFileSync(
      join(dir, "rocky.toml"),
      `[adapter.sf]\n${projects.snowflake!.toml}\n\n[adapter.dbx]\n${projects.databricks!.toml}\n\n[adapter.bq]\ntype = "bigquery"\nlocation = "EU"\n`,
    );
    writeFileSync(join(dir, "models", "m.sql"), "SELECT 1 AS x\n");
    const r = rocky(["validate", "-o", "json"], dir, { ROCKY_DEBUG_MODULES: "1" });
    expect(r.code).toBe(1);
    expect(r.json.messages).toContainEqual(
      expect.objectContaining({ code: "V018", field: "adapter.bq.project_id" }),
    );
    expect(debugLines(r.stderr).filter((l) => /snowflake-sdk|@databricks|@google-cloud/.test(l))).toEqual([]);
  });
});

describe("native library cache", () => {
  test("concurrent first runs share one extraction and leave no temporary files", async () => {
    const cache = join(root, "cache-race");
    const dirs = ["p1", "p2", "p3"].map((p) => {
      const r = rocky(["playground", p], root);
      expectCode(r, 0);
      return join(root, p);
    });
    const results = await Promise.all(
      dirs.map((d) => rockyAsync(["run"], d, { ROCKY_DEBUG_MODULES: "1", XDG_CACHE_HOME: cache })),
    );
    for (const r of results) expectCode(r, 0);
    const extractions = results
      .flatMap((r) => debugLines(r.stderr))
      .filter((l) => l.startsWith("rocky-debug: extracted DuckDB"));
    expect(extractions).toHaveLength(1);
    expect(readdirSync(join(cache, "rocky"))).toHaveLength(1);
  });

  test("a cache folder that cannot be written is a clear error; ROCKY_CACHE_DIR fixes it", () => {
    const dir = join(root, "p-unwritable");
    expectCode(rocky(["playground", dir], root), 0);
    const file = join(root, "not-a-folder");
    writeFileSync(file, "");
    const r = rocky(["run"], dir, { XDG_CACHE_HOME: file });
    expect(r.stderr).toContain(
      `Error: cannot extract the DuckDB native library into ${file}/rocky: the folder is not writable`,
    );
    expect(r.stderr).toContain("hint: set ROCKY_CACHE_DIR to a writable folder");
    expect(r.code).toBe(1);
    const ok = rocky(["run"], dir, { XDG_CACHE_HOME: file, ROCKY_CACHE_DIR: join(root, "cache-custom") });
    expectCode(ok, 0);
    expect(readdirSync(join(root, "cache-custom"))).toHaveLength(1);
  });

  test("a damaged extraction is repaired", () => {
    const dir = join(root, "demo");
    const cacheDir = join(root, "cache", "rocky");
    const [entry] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, entry!, "libduckdb.so"), "truncated");
    const r = rocky(["history"], dir);
    expectCode(r, 0); // history does not need DuckDB: the damage is seen at the next run
    const run = rocky(["run", "--model", "raw_orders"], dir, { ROCKY_DEBUG_MODULES: "1" });
    expectCode(run, 0);
    expect(debugLines(run.stderr).some((l) => l.startsWith("rocky-debug: extracted DuckDB"))).toBe(true);
    expect(readFileSync(join(cacheDir, entry!, "libduckdb.so")).length).toBeGreaterThan(1_000_000);
  });
});
