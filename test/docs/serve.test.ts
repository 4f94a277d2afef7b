/**
 * `rocky docs --serve` as a real child process: serves the site, rebuilds it when a model
 * changes (a fetch after the rebuild sees the edit), exits 0 on SIGINT.
 */
import { expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { makeProject } from "../run/project.ts";

/** Reads a child's stream as it arrives; `until` waits for text matching a pattern. */
function reader(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const r = stream.getReader();
  const waiters: (() => void)[] = [];
  void (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      text += dec.decode(value);
      for (const w of waiters.splice(0)) w();
    }
    for (const w of waiters.splice(0)) w();
  })();
  return {
    get text() {
      return text;
    },
    async until(test: (t: string) => boolean): Promise<string> {
      while (!test(text)) await new Promise<void>((res) => waiters.push(res));
      return text;
    },
  };
}

test("docs --serve: serves the page, rebuilds on a model edit, stops cleanly on Ctrl-C", async () => {
  const dir = makeProject({ "models/marts/orders.sql": "SELECT 1 AS order_id\n" });
  const child = Bun.spawn(
    [process.execPath, join(REPO, "src/cli/main.ts"), "docs", "site", "--serve", "--port", "0"],
    {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const out = reader(child.stdout);
  const err = reader(child.stderr);
  try {
    // Piped stdout: the JSON envelope, with the URL, once the server listens.
    const parsed = (t: string) => {
      try {
        return JSON.parse(t) as { url: string; file: string; models: number };
      } catch {
        return undefined;
      }
    };
    const first = parsed(await out.until((t) => parsed(t) !== undefined))!;
    expectOurSchema("docs", first);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(first).toMatchObject({ file: join(dir, "site", "index.html"), models: 1 });

    const before = await fetch(first.url);
    expect(before.status).toBe(200);
    expect(before.headers.get("content-type")).toContain("text/html");
    const page = await before.text();
    expect(page).toContain("order_id");
    expect(page).not.toContain("customer_ref");
    expect((await fetch(new URL("/nope", first.url))).status).toBe(404);

    // In a subfolder: the models folder is watched recursively.
    writeFileSync(join(dir, "models", "marts", "orders.sql"), "SELECT 1 AS order_id, 7 AS customer_ref\n");
    await err.until((t) => t.includes("Rebuilt"));
    expect(await (await fetch(first.url)).text()).toContain("customer_ref");
    // rocky.toml is watched too.
    const toml = join(dir, "rocky.toml");
    writeFileSync(toml, `${readFileSync(toml, "utf8")}\n# edited\n`);
    await err.until((t) => t.split("Rebuilt").length === 3);

    child.kill("SIGINT");
    expect(await child.exited).toBe(0);
    await err.until((t) => t.includes("Stopped serving."));
  } finally {
    child.kill();
  }
}, 60_000);

test("docs --serve on a port in use: one clear error saying how to choose another", () => {
  const dir = makeProject({ "models/a.sql": "SELECT 1 AS x\n" });
  const busy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  try {
    const r = rocky(["docs", "--serve", "--port", String(busy.port), "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${busy.port} on 127.0.0.1 is already in use`);
    expect(r.stderr).toContain("hint: choose another with --port N (--port 0 picks a free one)");
  } finally {
    busy.stop(true);
  }
  const bad = rocky(["docs", "--port", "80"], { cwd: dir });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--port needs --serve");
});
