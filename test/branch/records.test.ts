/** Branch records: names, create/list/show/delete, JSON contracts, schema collisions. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { catalog, ok, text, writeFiles } from "./helpers.ts";

function project(): string {
  const dir = tempDir("rocky-branch-rec-");
  writeFiles(dir, {
    "rocky.toml": '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n',
    "models/a.sql": "SELECT 1 AS x\n",
  });
  return dir;
}

describe("branch names", () => {
  const dir = project();
  test.each([
    ["", "Error: branch name cannot be empty"],
    ["x".repeat(65), "Error: branch name too long: 65 chars (max 64)"],
    // 22 three-byte characters: 66 bytes, so the length rule fires before the charset rule.
    ["é".repeat(22).replaceAll("é", "€"), "Error: branch name too long: 66 chars (max 64)"],
    ["has space", "Error: invalid branch name 'has space': only [A-Za-z0-9_.-] characters are allowed"],
    ["has/slash", "Error: invalid branch name 'has/slash': only [A-Za-z0-9_.-] characters are allowed"],
    ["has;semi", "Error: invalid branch name 'has;semi': only [A-Za-z0-9_.-] characters are allowed"],
  ])("%p is refused with Rocky's message", (name, message) => {
    const r = rocky(["branch", "create", name], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(message);
  });

  test.each(["fix-price", "feat_new_join", "hotfix.2026-04-20", "a", "-leading", "123", "x".repeat(64)])(
    "%p is accepted",
    (name) => {
      const r = ok(["branch", "create", "--", name], dir);
      expect(r.json<{ branch: { name: string; schema_prefix: string } }>().branch).toMatchObject({
        name,
        schema_prefix: `branch__${name}`,
      });
    },
  );
});

describe("branch create / list / show / delete", () => {
  test("records, lists sorted by name, shows and deletes, writing nothing to the warehouse", async () => {
    const dir = project();
    const created = ok(["branch", "create", "fix-price", "--description", "reprice"], dir).json<
      Record<string, unknown>
    >();
    expectSchemas("branch", created, "branch");
    expect(created).toMatchObject({
      command: "branch create",
      branch: {
        name: "fix-price",
        schema_prefix: "branch__fix-price",
        created_by: "tester",
        description: "reprice",
      },
    });
    expect(String((created.branch as { created_at: string }).created_at)).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/,
    );
    ok(["branch", "create", "feat_new_join"], dir);
    ok(["branch", "create", "Zeta"], dir);
    ok(["branch", "create", "hotfix.2026-04-20"], dir);

    // Nothing was written to the warehouse: the database file was never even created.
    expect(await Bun.file(join(dir, "wh.duckdb")).exists()).toBe(false);

    const listed = ok(["branch", "list"], dir).json<{
      branches: { name: string; description?: string }[];
      total: number;
    }>();
    expectSchemas("branch_list", listed, "branch_list");
    // Byte order: upper case before lower case.
    expect(listed.branches.map((b) => b.name)).toEqual([
      "Zeta",
      "feat_new_join",
      "fix-price",
      "hotfix.2026-04-20",
    ]);
    expect(listed.total).toBe(4);
    expect("description" in listed.branches[1]!).toBe(false);

    const t = text(["branch", "list"], dir);
    expect(t.stdout.split("\n")[0]).toBe("branches (4):");
    expect(t.stdout).toMatch(
      /\n {2}fix-price {2}schema_prefix=branch__fix-price {2}\(reprice\) {2}by tester at \S+\+00:00\n/,
    );

    const shown = ok(["branch", "show", "fix-price"], dir).json();
    expectSchemas("branch", shown, "branch");
    expect(text(["branch", "show", "fix-price"], dir).stdout).toContain(
      "branch: fix-price\nschema_prefix: branch__fix-price\ncreated_by: tester\n",
    );

    const dup = rocky(["branch", "create", "fix-price"], { cwd: dir });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("Error: branch 'fix-price' already exists");

    const del = ok(["branch", "delete", "fix-price"], dir).json();
    expectSchemas("branch_delete", del, "branch_delete");
    expect(del).toMatchObject({ name: "fix-price", removed: true, dropped: [], left: [] });
    // Deleting it again is an error, not a silent success.
    const again = rocky(["branch", "delete", "fix-price", "-o", "json"], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      "Error: no branch named 'fix-price'\nhint: existing branches: Zeta, feat_new_join, hotfix.2026-04-20\n",
    );
    expectJsonError(again, "not_found", "branch delete");

    const missing = rocky(["branch", "show", "fix-price"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Error: no branch named 'fix-price'");
    expect(text(["branch", "list"], dir).stdout).not.toContain("fix-price");
  });

  test("created_by is 'unknown' without $USER; an empty state shows 'no branches'", () => {
    const dir = project();
    expect(text(["branch", "list"], dir).stdout.trim()).toBe("no branches");
    const r = rocky(["branch", "create", "b1", "-o", "json"], { cwd: dir, env: { USER: undefined } });
    expect(r.json<{ branch: { created_by: string } }>().branch.created_by).toBe("unknown");
  });

  test("--state-path alone is enough for the state-only commands", () => {
    const dir = tempDir("rocky-branch-nocfg-");
    const r = rocky(["branch", "create", "solo", "--state-path", "s.db", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(
      rocky(["branch", "list", "--state-path", "s.db", "-o", "json"], { cwd: dir }).json(),
    ).toMatchObject({
      total: 1,
    });
  });

  test("an unknown sub-command or flag is a usage error", () => {
    const dir = project();
    expect(rocky(["branch", "craete", "x"], { cwd: dir }).code).toBe(2);
    expect(rocky(["branch", "create", "x", "--descr", "y"], { cwd: dir }).code).toBe(2);
  });
});

describe("schema collisions", () => {
  test("DuckDB quotes every schema, so fix-price and fix_price are distinct branches", async () => {
    const dir = project();
    ok(["branch", "create", "fix-price"], dir);
    ok(["branch", "create", "fix_price"], dir);
    // ...but DuckDB folds case, so Fix-Price would share fix-price's schemas.
    const r = rocky(["branch", "create", "Fix-Price"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("same warehouse schema as branch 'fix-price'");
    expect(await catalog(join(dir, "wh.duckdb")).catch(() => [])).toEqual([]);
  });

  test("on a dialect that maps '-' and '.' to '_', the second name is refused naming the first", () => {
    const dir = tempDir("rocky-branch-map-");
    const duckdb = join(import.meta.dir, "..", "..", "adapters", "duckdb", "index.ts");
    writeFiles(dir, {
      "rocky.toml": '[adapter]\ntype = "mapdb"\n',
      "models/a.sql": "SELECT 1 AS x\n",
      "models/b.sql": "SELECT 2 AS y\n",
      "models/b.toml": '[target]\nschema = "sales"\n',
      // A project adapter plugin whose schema names allow only letters, digits and '_' (as BigQuery datasets).
      "adapters/mapdb.ts": `import duck from ${JSON.stringify(duckdb)};
export default {
  ...duck,
  type: "mapdb",
  dialect: { ...duck.dialect, name: "mapdb", safeSchemaName: (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_") },
};
`,
    });
    ok(["branch", "create", "fix-price"], dir);
    const r = rocky(["branch", "create", "fix_price"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Error: branch 'fix_price' would use the same warehouse schema as branch 'fix-price' (branch__fix_price on mapdb)",
    );
    const r2 = rocky(["branch", "create", "fix.price"], { cwd: dir });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("as branch 'fix-price'");
    ok(["branch", "create", "fixprice"], dir);
    expect(ok(["branch", "list"], dir).json<{ total: number }>().total).toBe(2);
  });

  test.each([
    ["bigquery", 'project = "p"', "fix-price", "fix_price", "branch__fix_price"],
    ["snowflake", 'account = "a"\nuser = "u"', "Fix-Price", "fix.price", "BRANCH__FIX_PRICE"],
  ])("on %s (dialect only, no connection) the clash is refused", (type, keys, first, second, schema) => {
    const dir = tempDir("rocky-branch-dialect-");
    writeFiles(dir, {
      "rocky.toml": `[adapter]\ntype = "${type}"\n${keys}\n`,
      "models/a.sql": "SELECT 1 AS x\n",
    });
    ok(["branch", "create", first], dir);
    const r = rocky(["branch", "create", second], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`as branch '${first}' (${schema} on ${type})`);
  });
});

describe("deleting an unknown branch", () => {
  test("exits 1 with a did-you-mean; the existing branch is untouched", () => {
    const dir = project();
    ok(["branch", "create", "fix-price"], dir);
    const r = rocky(["branch", "delete", "fix-prise", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: no branch named 'fix-prise'\nhint: did you mean 'fix-price'?\n");
    expectJsonError(r, "not_found", "branch delete");
    const far = rocky(["branch", "delete", "zzz", "--drop"], { cwd: dir });
    expect(far.code).toBe(1);
    expect(far.stderr).toContain("hint: existing branches: fix-price");
    expect(ok(["branch", "list"], dir).json()).toMatchObject({ total: 1 });
  });
});
