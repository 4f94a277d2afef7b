/** Plugin resolution and validation: built-in first, then <project>/adapters/<type>.ts|.js|/index.ts. */
import { describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUILTINS,
  BUILTIN_TYPES,
  createAdapter,
  listProjectPlugins,
  loadAdapterPlugin,
} from "../../src/adapter/loader.ts";
import { RockyError } from "../../src/errors.ts";
import { REPO, tempDir } from "../helpers/cli.ts";

function project(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const errorOf = async (p: Promise<unknown>): Promise<RockyError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof RockyError)) throw new Error(`expected a RockyError, got ${String(e)}`);
  return e;
};

const MINIMAL_DIALECT = `{
  name: "mini", defaultCatalog: undefined, defaultSchema: "main",
  quoteIdent: (s) => s, qualify: (r) => r.table, safeSchemaName: (s) => s,
  createTableAs: () => "", createView: () => "", insertSelect: () => "", deleteWhere: () => "",
  deleteMatching: () => "", merge: () => "",
  createSchema: () => "", dropSchema: () => "", dropTable: () => "", dropView: () => "",
}`;

describe("adapter plugin loader", () => {
  test("built-in types resolve without a project plugin", async () => {
    const p = await loadAdapterPlugin("bigquery", tempDir());
    expect(p.type).toBe("bigquery");
    expect(p.dialect.name).toBe("bigquery");
  });

  test("an invalid plugin names every missing or wrong member", async () => {
    const root = project({
      "adapters/half.ts": `export default { type: "half", configSchema: {}, dialect: { quoteIdent: (s) => s, cloneTable: 3 } };`,
    });
    const e = await errorOf(loadAdapterPlugin("half", root));
    expect(e.message).toBe(
      `${join(root, "adapters", "half.ts")} is not a valid adapter: missing or wrong 'create(config, ctx)' (function), 'configSchema' (a valibot schema), 'dialect.qualify' (function), 'dialect.safeSchemaName' (function), 'dialect.createTableAs' (function), 'dialect.createView' (function), 'dialect.insertSelect' (function), 'dialect.deleteWhere' (function), 'dialect.deleteMatching' (function), 'dialect.merge' (function), 'dialect.createSchema' (function), 'dialect.dropSchema' (function), 'dialect.dropTable' (function), 'dialect.dropView' (function), 'dialect.name' (string), 'dialect.defaultSchema' (string), 'dialect.cloneTable' (function, or absent)`,
    );
  });

  test("a module with no adapter export, one that fails to load, and an unknown type", async () => {
    const root = project({
      "adapters/empty.ts": "export const x = 1;",
      "adapters/broken.ts": "export default {{{ ;",
      "adapters/other.js": "export default () => ({})",
    });
    expect((await errorOf(loadAdapterPlugin("empty", root))).message).toBe(
      `${join(root, "adapters", "empty.ts")} does not export an adapter`,
    );
    const broken = await errorOf(loadAdapterPlugin("broken", root));
    expect(broken.message).toStartWith(
      `adapter plugin ${join(root, "adapters", "broken.ts")} failed to load:`,
    );
    expect(broken.message).not.toContain("\n");
    const unknown = await errorOf(loadAdapterPlugin("nosuch", root));
    expect(unknown.message).toBe("unknown adapter type 'nosuch'");
    expect(unknown.hint).toContain("project plugins: broken, empty, other");
    expect(unknown.hint).toContain("adapters/nosuch.ts");
  });

  test("a factory export receives the plugin SDK; x/index.ts and .js resolve", async () => {
    const plugin = (type: string) => `export default ({ v, rockyVersion }) => ({
      type: "${type}", description: "v" + rockyVersion,
      configSchema: v.strictObject({ dsn: v.string(), port: v.optional(v.number("port must be a number")) }),
      dialect: ${MINIMAL_DIALECT},
      create: () => ({}),
    });`;
    const root = project({
      "adapters/dirplug/index.ts": plugin("dirplug"),
      "adapters/jsplug.js": plugin("jsplug"),
    });
    expect((await loadAdapterPlugin("dirplug", root)).description).toMatch(/^v\d/);
    expect((await loadAdapterPlugin("jsplug", root)).type).toBe("jsplug");
    expect(listProjectPlugins(root).map((p) => [p.type, p.file])).toEqual([
      ["dirplug", join(root, "adapters", "dirplug", "index.ts")],
      ["jsplug", join(root, "adapters", "jsplug.js")],
    ]);
    // Config is validated by the plugin's own schema, naming the key.
    const e = await errorOf(
      createAdapter({ type: "dirplug", port: "x" }, { projectRoot: root, name: "warehouse" }),
    );
    expect(e.message).toBe(
      "invalid [adapter.warehouse] in rocky.toml:\nadapter.warehouse.dsn: required key is missing\nadapter.warehouse.port: port must be a number",
    );
    // create() returning something that is not an adapter is named too.
    const e2 = await errorOf(
      createAdapter({ type: "dirplug", dsn: "x" }, { projectRoot: root, name: "default" }),
    );
    expect(e2.message).toStartWith("dirplug: create() returned an adapter without 'connect', 'execute'");
  });

  test("a plugin declaring another type than its file name is refused", async () => {
    const root = project({
      "adapters/alpha.ts": `export default ({ v }) => ({ type: "beta", configSchema: v.object({}), dialect: ${MINIMAL_DIALECT}, create: () => ({}) });`,
    });
    const e = await errorOf(loadAdapterPlugin("alpha", root));
    expect(e.message).toBe(
      `${join(root, "adapters", "alpha.ts")} declares type 'beta' but was loaded as 'alpha'`,
    );
  });

  test("the SQLite fixture loads from a project folder by absolute path and rejects unknown keys", async () => {
    const root = tempDir();
    cpSync(join(REPO, "test", "fixtures", "sqlite-plugin"), root, { recursive: true });
    const a = await createAdapter(
      { type: "sqlite", path: "db.sqlite" },
      { projectRoot: root, name: "default" },
    );
    expect(a.type).toBe("sqlite");
    const e = await errorOf(
      createAdapter({ type: "sqlite", pth: "x" }, { projectRoot: root, name: "default" }),
    );
    expect(e.message).toBe(
      "invalid [adapter] in rocky.toml:\nadapter.pth: unknown key (did you mean 'path'?)",
    );
  });

  test("validate's built-in config schemas are the very schemas the plugins validate with", async () => {
    for (const type of BUILTIN_TYPES) {
      const plugin = await loadAdapterPlugin(type, tempDir());
      expect(await BUILTINS[type].config()).toBe(plugin.configSchema as never);
    }
  });
});
