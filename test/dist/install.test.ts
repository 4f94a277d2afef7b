/**
 * scripts/install.sh against a fake release tree on a loopback server: which
 * version it picks, pins, checksum refusal, and its platform/downloader errors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const SCRIPT = resolve(import.meta.dir, "../../scripts/install.sh");
const PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"];
// Listed out of order on purpose: the script must sort by semver, not by position or as strings.
const INDEX = [
  "1.10.0-rc.1",
  "1.10.0",
  "1.8.0",
  "1.9.3",
  "1.11.0-rc.2",
  "1.11.0-rc.10",
  "# not a version",
  "",
];
/** 1.8.0's SHA256SUMS lies about every file. */
const BAD = "1.8.0";

let root: string;
let server: ReturnType<typeof Bun.serve>;
let base: string;
const requests: string[] = [];

/** A stand-in binary that says which release and platform it came from. */
const fakeBinary = (version: string, platform: string) =>
  `#!/bin/sh\necho "rocky ${version} (${platform})"\n`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "rocky-install-test-"));
  const tree = join(root, "releases");
  mkdirSync(tree);
  writeFileSync(join(tree, "index.txt"), `${INDEX.join("\n")}\n`);
  for (const v of INDEX.filter((l) => /^\d/.test(l))) {
    mkdirSync(join(tree, v));
    const sums: string[] = [];
    for (const p of PLATFORMS) {
      const body = fakeBinary(v, p);
      writeFileSync(join(tree, v, `rocky-${p}`), body);
      const sum = createHash("sha256")
        .update(v === BAD ? `${body}tampered` : body)
        .digest("hex");
      sums.push(`${sum}  rocky-${p}`);
    }
    writeFileSync(join(tree, v, "SHA256SUMS"), `${sums.join("\n")}\n`);
  }
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = decodeURIComponent(new URL(req.url).pathname);
      requests.push(path);
      const file = join(tree, path);
      if (!file.startsWith(tree) || !existsSync(file) || path.endsWith("/"))
        return new Response("not found", { status: 404 });
      return new Response(Bun.file(file));
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(() => {
  server?.stop(true);
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

let runs = 0;
/** Run the script asynchronously (the server lives in this process) with a fresh install folder. */
async function install(env: Record<string, string>, dir = join(root, `bin-${++runs}`)): Promise<Run> {
  const proc = Bun.spawn(["sh", SCRIPT], {
    env: {
      PATH: "/usr/bin:/bin",
      HOME: join(root, "home"),
      ROCKY_RELEASE_URL: base,
      ROCKY_INSTALL_DIR: dir,
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, dir };
}

/** What the installed binary says it is, or undefined when nothing was installed. */
function installed(dir: string): string | undefined {
  const bin = join(dir, "rocky");
  if (!existsSync(bin)) return undefined;
  const r = Bun.spawnSync([bin]);
  return r.stdout.toString().trim();
}

describe("install.sh", () => {
  test("installs the newest release by semver order, for the detected platform", async () => {
    const r = await install({});
    expect(r.stderr).toBe(
      `installing rocky 1.10.0 (rocky-linux-${process.arch === "arm64" ? "arm64" : "x64"}) from ${base}\n` +
        `installed rocky 1.10.0 to ${r.dir}/rocky\n` +
        `warning: ${r.dir} is not on your PATH; add it, e.g.:\n  export PATH="${r.dir}:$PATH"\n`,
    );
    expect(r.code).toBe(0);
    expect(installed(r.dir)).toBe(`rocky 1.10.0 (linux-${process.arch === "arm64" ? "arm64" : "x64"})`);
    // No temporary file is left beside it.
    expect(readdirSync(r.dir)).toEqual(["rocky"]);
  });

  test("installs to $HOME/.local/bin by default", async () => {
    const home = join(root, "home-default");
    const r = await install({ HOME: home, ROCKY_INSTALL_DIR: "" });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`installed rocky 1.10.0 to ${home}/.local/bin/rocky`);
    expect(installed(join(home, ".local/bin"))).toMatch(/^rocky 1\.10\.0 /);
  });

  test("picks the asset of the requested OS and CPU", async () => {
    const r = await install({ ROCKY_OS: "Darwin", ROCKY_ARCH: "aarch64" });
    expect(r.code).toBe(0);
    expect(installed(r.dir)).toBe("rocky 1.10.0 (darwin-arm64)");
    expect(requests).toContain("/1.10.0/rocky-darwin-arm64");
  });

  test("does not warn when the install folder is on PATH", async () => {
    const dir = join(root, "on-path");
    const r = await install({ PATH: `${dir}:/usr/bin:/bin` }, dir);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("not on your PATH");
  });

  test("ROCKY_VERSION pins a release or a pre-release", async () => {
    const a = await install({ ROCKY_VERSION: "1.9.3", ROCKY_ARCH: "x64" });
    expect(a.code).toBe(0);
    expect(installed(a.dir)).toBe("rocky 1.9.3 (linux-x64)");
    const b = await install({ ROCKY_VERSION: "1.10.0-rc.1", ROCKY_ARCH: "x64" });
    expect(b.code).toBe(0);
    expect(installed(b.dir)).toBe("rocky 1.10.0-rc.1 (linux-x64)");
  });

  test("ROCKY_PRERELEASE=1 lets the newest pre-release win (rc.10 > rc.2)", async () => {
    const r = await install({ ROCKY_PRERELEASE: "1", ROCKY_ARCH: "x64" });
    expect(r.code).toBe(0);
    expect(installed(r.dir)).toBe("rocky 1.11.0-rc.10 (linux-x64)");
  });

  test("a pinned version missing from the index is an error listing what exists", async () => {
    const r = await install({ ROCKY_VERSION: "2.0.0" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: version 2.0.0 is not in the release index ${base}/index.txt`);
    expect(r.stderr).toContain("hint: available: 1.10.0-rc.1 1.10.0 1.8.0 1.9.3");
    expect(installed(r.dir)).toBeUndefined();
  });

  test("a checksum mismatch is refused and leaves the previous install untouched", async () => {
    const dir = join(root, "mismatch");
    const first = await install({ ROCKY_VERSION: "1.9.3", ROCKY_ARCH: "x64" }, dir);
    expect(first.code).toBe(0);
    const r = await install({ ROCKY_VERSION: BAD, ROCKY_ARCH: "x64" }, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: checksum mismatch for rocky-linux-x64 1\.8\.0: expected [0-9a-f]{64}, got [0-9a-f]{64}$/m,
    );
    expect(r.stderr).toContain("nothing was installed");
    expect(installed(dir)).toBe("rocky 1.9.3 (linux-x64)");
    expect(readdirSync(dir)).toEqual(["rocky"]);
  });

  test("a checksum mismatch on a fresh machine installs nothing", async () => {
    const r = await install({ ROCKY_VERSION: BAD });
    expect(r.code).toBe(1);
    expect(existsSync(r.dir)).toBe(false);
  });

  test("works with wget when curl is missing, and says so when both are", async () => {
    // A PATH holding only what the script needs, so curl/wget presence is under the test's control.
    const tools = [
      "sh",
      "uname",
      "mktemp",
      "rm",
      "sed",
      "grep",
      "tr",
      "awk",
      "sha256sum",
      "mkdir",
      "chmod",
      "cp",
      "mv",
      "ls",
    ];
    const make = (name: string, extra: string[]) => {
      const dir = join(root, name);
      mkdirSync(dir);
      for (const t of [...tools, ...extra]) {
        const real = Bun.which(t, { PATH: "/usr/bin:/bin" });
        if (real) symlinkSync(real, join(dir, t));
      }
      return dir;
    };
    const none = make("tools-none", []);
    const r = await install({ PATH: none, ROCKY_ARCH: "x64" });
    expect(r.stderr).toBe(
      "Error: neither curl nor wget is installed\nhint: install one of them (e.g. 'apt-get install curl') and run this script again\n",
    );
    expect(r.code).toBe(1);
    expect(installed(r.dir)).toBeUndefined();

    if (Bun.which("wget", { PATH: "/usr/bin:/bin" })) {
      const w = await install({ PATH: make("tools-wget", ["wget"]), ROCKY_ARCH: "x64" });
      expect(w.code).toBe(0);
      expect(installed(w.dir)).toBe("rocky 1.10.0 (linux-x64)");
    }
  });

  test("unsupported OS and CPU get clear errors and install nothing", async () => {
    const os = await install({ ROCKY_OS: "FreeBSD" });
    expect(os.code).toBe(1);
    expect(os.stderr).toBe(
      "Error: unsupported operating system: FreeBSD\nhint: rocky ships for Linux and macOS (x64, arm64)\n",
    );
    expect(installed(os.dir)).toBeUndefined();
    const cpu = await install({ ROCKY_ARCH: "mips" });
    expect(cpu.code).toBe(1);
    expect(cpu.stderr).toBe(
      "Error: unsupported CPU architecture: mips\nhint: rocky ships for x64 and arm64\n",
    );
    const win = await install({ ROCKY_OS: "MINGW64_NT-10.0" });
    expect(win.code).toBe(1);
    expect(win.stderr).toContain("Error: this script does not install on Windows");
  });

  test("an unreachable release server is an error naming the URL", async () => {
    const r = await install({ ROCKY_RELEASE_URL: `${base}/nowhere` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: download failed: ${base}/nowhere/index.txt`);
  });

  test.skipIf(!Bun.which("shellcheck"))("is POSIX sh and shellcheck-clean", () => {
    const r = Bun.spawnSync(["shellcheck", "-s", "sh", SCRIPT]);
    expect(r.stdout.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});

// The fake release tree itself must be what the tests assume (a broken fixture would make them vacuous).
test("fixture: 1.8.0's checksums are wrong and the others right", () => {
  const sums = readFileSync(join(root, "releases/1.9.3/SHA256SUMS"), "utf8");
  const body = readFileSync(join(root, "releases/1.9.3/rocky-linux-x64"));
  expect(sums).toContain(`${createHash("sha256").update(body).digest("hex")}  rocky-linux-x64`);
  const bad = readFileSync(join(root, "releases/1.8.0/SHA256SUMS"), "utf8");
  expect(bad).not.toContain(
    createHash("sha256")
      .update(readFileSync(join(root, "releases/1.8.0/rocky-linux-x64")))
      .digest("hex"),
  );
});
