/** src/runtime/stdio.ts: the cheap terminal check must agree with Node's `isTTY`. */
import { beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const STDIO = resolve(import.meta.dir, "../../src/runtime/stdio.ts");
let probe: string;

beforeAll(() => {
  // Prints "<isTerminal(1)> <process.stdout.isTTY>" on stderr, so stdout can point anywhere.
  probe = join(mkdtempSync(join(tmpdir(), "rocky-stdio-")), "probe.ts");
  writeFileSync(
    probe,
    `import { flushStdio, isTerminal, writeStderr } from ${JSON.stringify(STDIO)};
const mine = isTerminal(1);
writeStderr(\`\${mine} \${Boolean(process.stdout.isTTY)}\\n\`);
await flushStdio();`,
  );
});

test("a pipe is not a terminal", () => {
  const r = Bun.spawnSync([process.execPath, probe], { stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("false false\n");
});

test("/dev/null is not a terminal, though it is a character device", () => {
  const r = Bun.spawnSync(["sh", "-c", `"${process.execPath}" "${probe}" > /dev/null`], { stderr: "pipe" });
  expect(r.stderr.toString()).toBe("false false\n");
});

test.skipIf(!Bun.which("script"))("a pseudo-terminal is a terminal", () => {
  // `script` runs the probe with stdout and stderr on a pty and copies what it prints.
  const r = Bun.spawnSync(["script", "-qec", `"${process.execPath}" "${probe}"`, "/dev/null"]);
  expect(r.stdout.toString().replace(/\r/g, "")).toBe("true true\n");
});

test("queued writes keep their order across stdout and stderr, and flush before exit", () => {
  const script = `import { flushStdio, writeStderr, writeStdout } from ${JSON.stringify(STDIO)};
for (let i = 0; i < 200; i++) (i % 2 ? writeStderr : writeStdout)(\`\${i} \${"x".repeat(1000)}\\n\`);
await flushStdio();
process.exit(0);`;
  const r = Bun.spawnSync(["sh", "-c", `"${process.execPath}" -e '${script}' 2>&1`]);
  const lines = r.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => Number(l.split(" ")[0]));
  expect(lines).toEqual(Array.from({ length: 200 }, (_, i) => i));
});
