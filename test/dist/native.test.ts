/**
 * src/runtime/native.ts from source: extraction into the versioned cache
 * folder, once, atomically under concurrency, with repair and clear errors.
 * The compiled-binary tests (binary.test.ts) cover the same through `rocky run`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Concurrent 16 MB extractions by child processes: slow under load.
setDefaultTimeout(120_000);
import { RockyError } from "../../src/errors.ts";
import { cacheRoot, type EmbeddedNative, extractNative } from "../../src/runtime/native.ts";

const NATIVE = resolve(import.meta.dir, "../../src/runtime/native.ts");
let root: string;
let spec: EmbeddedNative;
let big: Buffer;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "rocky-native-test-"));
  const src = join(root, "embedded");
  mkdirSync(src);
  // Large enough that concurrent writers overlap in time.
  big = randomBytes(16 * 1024 * 1024);
  writeFileSync(join(src, "libfake.so"), big);
  writeFileSync(join(src, "fake.node"), "entry");
  // A third file embedded compressed, as scripts/build.ts does with libduckdb.
  writeFileSync(join(src, "libz.so.zst"), Bun.zstdCompressSync(Buffer.from("z".repeat(100_000))));
  spec = {
    label: "Fake",
    version: "9.9.9",
    hash: "0123456789ab",
    entry: "fake.node",
    files: {
      "libfake.so": { path: join(src, "libfake.so"), size: big.length },
      "fake.node": { path: join(src, "fake.node"), size: 5 },
      "libz.so": { path: join(src, "libz.so.zst"), size: 100_000, zstd: true },
    },
  };
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("extractNative", () => {
  test("extracts every file into <root>/<version>-<hash>, once", () => {
    const cache = join(root, "once");
    const dir = extractNative(spec, cache);
    expect(dir).toBe(join(cache, "9.9.9-0123456789ab"));
    expect(readdirSync(cache)).toEqual(["9.9.9-0123456789ab"]);
    expect(readFileSync(join(dir, "libfake.so")).equals(big)).toBe(true);
    expect(readFileSync(join(dir, "fake.node"), "utf8")).toBe("entry");
    expect(readFileSync(join(dir, "libz.so"), "utf8")).toBe("z".repeat(100_000));
    const before = statSync(join(dir, "libfake.so")).mtimeMs;
    Bun.sleepSync(20);
    expect(extractNative(spec, cache)).toBe(dir);
    expect(statSync(join(dir, "libfake.so")).mtimeMs).toBe(before);
  });

  test("a damaged copy (wrong size or missing file) is replaced", () => {
    const cache = join(root, "damaged");
    const dir = extractNative(spec, cache);
    writeFileSync(join(dir, "libfake.so"), "cut short");
    extractNative(spec, cache);
    expect(readFileSync(join(dir, "libfake.so")).equals(big)).toBe(true);
    expect(readdirSync(cache)).toEqual(["9.9.9-0123456789ab"]);
  });

  test("concurrent first extractions all succeed with one complete folder and no leftovers", async () => {
    const cache = join(root, "race");
    const script = join(root, "race.ts");
    writeFileSync(
      script,
      `import { extractNative } from ${JSON.stringify(NATIVE)};
const spec = JSON.parse(process.argv[2]);
console.log(extractNative(spec, process.argv[3]));`,
    );
    const procs = Array.from({ length: 4 }, () =>
      Bun.spawn([process.execPath, script, JSON.stringify(spec), cache], {
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, ROCKY_DEBUG_MODULES: "1" },
      }),
    );
    const results = await Promise.all(
      procs.map(async (p) => ({
        code: await p.exited,
        out: await new Response(p.stdout).text(),
        err: await new Response(p.stderr).text(),
      })),
    );
    for (const r of results) {
      expect(r.err.replace(/^rocky-debug: extracted .*\n/m, "")).toBe("");
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(join(cache, "9.9.9-0123456789ab"));
    }
    // Whoever lost the rename race must not claim an extraction.
    expect(results.filter((r) => r.err.includes("rocky-debug: extracted Fake")).length).toBe(1);
    expect(readdirSync(cache)).toEqual(["9.9.9-0123456789ab"]);
    expect(readFileSync(join(cache, "9.9.9-0123456789ab", "libfake.so")).equals(big)).toBe(true);
  });

  test("abandoned temporary folders are removed, a fresh one (another process at work) is kept", () => {
    const cache = join(root, "stale");
    mkdirSync(join(cache, ".tmp-9.9.9-0123456789ab-old"), { recursive: true });
    mkdirSync(join(cache, ".tmp-9.9.9-0123456789ab-new"));
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    utimesSync(join(cache, ".tmp-9.9.9-0123456789ab-old"), hourAgo, hourAgo);
    extractNative(spec, cache);
    expect(readdirSync(cache).sort()).toEqual([".tmp-9.9.9-0123456789ab-new", "9.9.9-0123456789ab"]);
  });

  test("an unwritable cache is a RockyError that suggests ROCKY_CACHE_DIR", () => {
    const file = join(root, "a-file");
    writeFileSync(file, "");
    let err: unknown;
    try {
      extractNative(spec, join(file, "rocky"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RockyError);
    expect((err as RockyError).message).toBe(
      `cannot extract the Fake native library into ${join(file, "rocky")}: the folder is not writable`,
    );
    expect((err as RockyError).hint).toContain("set ROCKY_CACHE_DIR to a writable folder");
  });
});

describe("cacheRoot", () => {
  test("ROCKY_CACHE_DIR, then XDG_CACHE_HOME/rocky, then ~/.cache/rocky", () => {
    expect(cacheRoot({ ROCKY_CACHE_DIR: "/a", XDG_CACHE_HOME: "/b" })).toBe("/a");
    expect(cacheRoot({ XDG_CACHE_HOME: "/b" })).toBe("/b/rocky");
    if (process.platform !== "win32") expect(cacheRoot({})).toBe(join(homedir(), ".cache", "rocky"));
  });
});
