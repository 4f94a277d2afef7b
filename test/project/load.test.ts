import { describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { loadProject } from "../../src/project/load.ts";
import { rocky, tempDir } from "../helpers/cli.ts";

function makeProject(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [p, text] of Object.entries({ "rocky.toml": '[adapter]\ntype = "duckdb"\n', ...files })) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return join(dir, "rocky.toml");
}

describe("model discovery", () => {
  test("finds models at any depth, with sidecars and inherited _defaults", async () => {
    const file = makeProject({
      "models/_defaults.toml": '[target]\ncatalog = "lake"\nschema = "base"\n',
      "models/a.sql": "SELECT 1 AS x",
      "models/staging/_defaults.toml": '[target]\nschema = "staging"\n[strategy]\ntype = "view"\n',
      "models/staging/deep/b.sql": "SELECT x FROM a\n\n",
      "models/staging/deep/b.toml": 'depends_on = ["a"]\n[target]\ntable = "bee"\n',
      "models/staging/c.sql": "SELECT 2 AS y",
      "models/staging/c.toml": '[strategy]\ntype = "merge"\nunique_key = ["y"]\n',
    });
    const p = await loadProject(await loadConfig(file));
    expect(p.models.map((m) => m.name)).toEqual(["a", "b", "c"]);
    const [a, b, c] = p.models;
    expect(a!.target).toEqual({ catalog: "lake", schema: "base", table: "a" });
    expect(a!.strategy).toEqual({ type: "full_refresh" });
    // Nearest _defaults wins per key; catalog still inherited from the root one.
    expect(b!.target).toEqual({ catalog: "lake", schema: "staging", table: "bee" });
    expect(b!.strategy).toEqual({ type: "view" });
    expect(b!.dependsOn).toEqual(["a"]);
    expect(b!.sql).toBe("SELECT x FROM a");
    expect(b!.relPath).toBe(join("models", "staging", "deep", "b.sql"));
    expect(c!.strategy).toEqual({ type: "merge", unique_key: ["y"] });
  });

  test("a model without [target] leaves catalog and schema to the adapter", async () => {
    const p = await loadProject(await loadConfig(makeProject({ "models/m.sql": "SELECT 1 AS x" })));
    expect(p.models[0]!.target).toEqual({ table: "m" });
  });

  test("an invalid strategy names the sidecar and the key", async () => {
    const file = makeProject({
      "models/m.sql": "SELECT 1 AS x",
      "models/m.toml": '[strategy]\ntype = "incremental"\n',
    });
    await expect(loadProject(await loadConfig(file))).rejects.toThrow(
      /m\.toml:1: strategy\.timestamp_column: missing key/,
    );
  });

  test("_defaults.toml may not set per-model fields", async () => {
    const file = makeProject({ "models/_defaults.toml": 'depends_on = ["x"]\n', "models/m.sql": "SELECT 1" });
    await expect(loadProject(await loadConfig(file))).rejects.toThrow(
      "_defaults.toml must not declare per-model field 'depends_on'",
    );
  });

  test("two files giving the same model name are refused, naming both", async () => {
    const file = makeProject({ "models/a/m.sql": "SELECT 1", "models/b/m.sql": "SELECT 2" });
    await expect(loadProject(await loadConfig(file))).rejects.toThrow(
      /two models are named 'm': models\/a\/m\.sql and models\/b\/m\.sql/,
    );
  });

  test("a missing models folder is a clear error", async () => {
    await expect(loadProject(await loadConfig(makeProject({})))).rejects.toThrow(
      /models folder .* does not exist/,
    );
  });
});

describe("symlinks under models/", () => {
  test("links to files and folders inside the project are followed", async () => {
    const file = makeProject({
      "shared/orders.sql": "SELECT 1 AS id",
      "shared/orders.toml": '[target]\ntable = "orders_t"\n',
      "library/staging/stg.sql": "SELECT id FROM orders",
      "models/a.sql": "SELECT 2 AS x",
    });
    const root = dirname(file);
    symlinkSync(join(root, "shared", "orders.sql"), join(root, "models", "orders.sql"));
    symlinkSync("../shared/orders.toml", join(root, "models", "orders.toml"));
    symlinkSync(join(root, "library", "staging"), join(root, "models", "staging"));
    const p = await loadProject(await loadConfig(file));
    expect(p.models.map((m) => m.name)).toEqual(["a", "orders", "stg"]);
    expect(p.byName.get("orders")!.target.table).toBe("orders_t");
    expect(p.byName.get("stg")!.relPath).toBe(join("models", "staging", "stg.sql"));
  });

  test("a link that leaves the project is refused, naming the link and its target", async () => {
    const outside = tempDir();
    writeFileSync(join(outside, "secret.sql"), "SELECT 1 AS x");
    const file = makeProject({ "models/a.sql": "SELECT 2 AS x" });
    const root = dirname(file);
    symlinkSync(join(outside, "secret.sql"), join(root, "models", "secret.sql"));
    await expect(loadProject(await loadConfig(file))).rejects.toThrow(
      `symlink '${join("models", "secret.sql")}' points outside the project, to '${realpathSync(join(outside, "secret.sql"))}'`,
    );
  });

  test("a folder link leaving the project and a dangling link are refused", async () => {
    const outside = tempDir();
    const file = makeProject({ "models/a.sql": "SELECT 2 AS x" });
    const root = dirname(file);
    symlinkSync(outside, join(root, "models", "ext"));
    await expect(loadProject(await loadConfig(file))).rejects.toThrow(
      /symlink 'models\/ext' points outside the project/,
    );
    const file2 = makeProject({ "models/a.sql": "SELECT 2 AS x" });
    symlinkSync("gone.sql", join(dirname(file2), "models", "b.sql"));
    await expect(loadProject(await loadConfig(file2))).rejects.toThrow(
      "symlink 'models/b.sql' points to 'gone.sql', which does not exist",
    );
  });

  test("a symlink cycle is refused instead of looping", async () => {
    const file = makeProject({ "models/sub/a.sql": "SELECT 2 AS x" });
    const root = dirname(file);
    symlinkSync("..", join(root, "models", "sub", "up"));
    await expect(loadProject(await loadConfig(file))).rejects.toThrow(
      "symlink cycle: 'models/sub/up' leads back to 'models', a folder that contains it",
    );
    const file2 = makeProject({ "models/a.sql": "SELECT 2 AS x" });
    const m = join(dirname(file2), "models");
    symlinkSync("y.sql", join(m, "x.sql"));
    symlinkSync("x.sql", join(m, "y.sql"));
    await expect(loadProject(await loadConfig(file2))).rejects.toThrow("a loop of symlinks");
  });

  test("the CLI names the link: exit 1 from compile", () => {
    const outside = tempDir();
    writeFileSync(join(outside, "secret.sql"), "SELECT 1 AS x");
    const root = dirname(makeProject({ "models/a.sql": "SELECT 2 AS x" }));
    symlinkSync(join(outside, "secret.sql"), join(root, "models", "secret.sql"));
    const r = rocky(["compile", "-o", "json"], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: symlink 'models/secret.sql' points outside the project");
  });
});
