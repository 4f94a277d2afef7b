/**
 * Isolated runs never touch production: a shadow target that is a production table (of
 * any model, selected or not) or another model's shadow target is refused before any SQL,
 * names both models and the table, and the refused run is recorded like a compile error.
 */
import { expectJsonError } from "../helpers/schema.ts";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import bigquery from "../../adapters/bigquery/index.ts";
import databricks from "../../adapters/databricks/index.ts";
import duckdb from "../../adapters/duckdb/index.ts";
import snowflake from "../../adapters/snowflake/index.ts";
import type { Dialect } from "../../src/adapter/types.ts";
import { findCollisions, tableIdentity } from "../../src/run/collisions.ts";
import { rocky } from "../helpers/cli.ts";
import { expectOk, makeProject, sql, tables } from "./project.ts";

interface HistoryJson {
  runs: { status: string; scope: string; error: string | null; models: unknown[] }[];
}

const history = (dir: string) => {
  const h = rocky(["history", "-o", "json"], { cwd: dir });
  expectOk(h);
  return h.json<HistoryJson>().runs;
};

/** foo and a model whose production table is foo's default shadow target, both built in production. */
async function fooAndItsShadowName(): Promise<string> {
  const dir = makeProject({
    "models/foo.sql": "SELECT 'prod foo' AS v\n",
    "models/foo_rocky_shadow.sql": "SELECT 'prod foo_rocky_shadow' AS v\n",
  });
  expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
  // Today's SQL differs from what production holds: a run that executed anything would show.
  writeFileSync(join(dir, "models/foo.sql"), "SELECT 'shadow foo' AS v\n");
  writeFileSync(join(dir, "models/foo_rocky_shadow.sql"), "SELECT 'shadow foo_rocky_shadow' AS v\n");
  return dir;
}

async function productionUnchanged(dir: string, shadowTables: string[] = []): Promise<void> {
  expect(await sql(dir, "SELECT v FROM main.foo")).toEqual([["prod foo"]]);
  expect(await sql(dir, "SELECT v FROM main.foo_rocky_shadow")).toEqual([["prod foo_rocky_shadow"]]);
  expect(await tables(dir, "main")).toEqual(["foo", "foo_rocky_shadow", ...shadowTables]);
}

/** The last run was refused before any model: a failed shadow run with no model executions, error recorded. */
function refusedRunRecorded(dir: string, message: string): void {
  const runs = history(dir);
  expect(runs).toHaveLength(2);
  expect(runs[0]).toMatchObject({ status: "failure", scope: "shadow", models: [] });
  expect(runs[0]!.error).toContain(message);
}

describe("shadow targets that collide with production are refused before any SQL", () => {
  test("the default suffix names another model's production table", async () => {
    const dir = await fooAndItsShadowName();
    const r = rocky(["run", "--shadow", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    expectJsonError(r, "isolation_collision", "run");
    const msg = `shadow target "main"."foo_rocky_shadow" of model 'foo' is the production table of model 'foo_rocky_shadow'`;
    expect(r.stderr).toContain(`Error: ${msg}; no SQL was run`);
    expect(r.stderr).toContain("hint: choose another --shadow-suffix");
    await productionUnchanged(dir);
    refusedRunRecorded(dir, msg);
  });

  test("a run that touches neither model of the collision goes ahead", async () => {
    const dir = await fooAndItsShadowName();
    const r = rocky(["run", "--shadow", "--model", "foo_rocky_shadow", "-o", "json"], { cwd: dir });
    expectOk(r);
    expect(await sql(dir, "SELECT v FROM main.foo_rocky_shadow_rocky_shadow")).toEqual([
      ["shadow foo_rocky_shadow"],
    ]);
    await productionUnchanged(dir, ["foo_rocky_shadow_rocky_shadow"]);
  });

  test("a model the run only reads counts: its shadow copy would be read from a production table", async () => {
    const dir = await fooAndItsShadowName();
    writeFileSync(join(dir, "models/reader.sql"), "SELECT v FROM foo\n");
    const r = rocky(["run", "--shadow", "--model", "reader"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: shadow target "main"."foo_rocky_shadow" of model 'foo' is the production table of model 'foo_rocky_shadow'`,
    );
    expect(await tables(dir, "main")).toEqual(["foo", "foo_rocky_shadow"]);
  });

  test("--shadow-schema set to the production schema", async () => {
    const dir = await fooAndItsShadowName();
    const r = rocky(["run", "--shadow-schema", "main", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const msg = `shadow target "main"."foo" of model 'foo' is its own production table`;
    expect(r.stderr).toContain(`Error: ${msg}; no SQL was run`);
    expect(r.stderr).toContain(
      `also: shadow target "main"."foo_rocky_shadow" of model 'foo_rocky_shadow' is its own production table`,
    );
    expect(r.stderr).toContain("hint: choose a --shadow-schema that no model of the project writes to");
    await productionUnchanged(dir);
    refusedRunRecorded(dir, msg);
  });

  test('--shadow-suffix "" with no shadow schema', async () => {
    const dir = await fooAndItsShadowName();
    const r = rocky(["run", "--shadow-suffix", "", "--model", "foo", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const msg = `shadow target "main"."foo" of model 'foo' is its own production table`;
    expect(r.stderr).toContain(`Error: ${msg}; no SQL was run`);
    expect(r.stderr).toContain("hint: an empty --shadow-suffix names the production table itself");
    await productionUnchanged(dir);
    refusedRunRecorded(dir, msg);
  });

  test("DuckDB folds case: --shadow-schema MAIN and a suffix meeting Foo_Rocky_Shadow collide", async () => {
    const dir = await fooAndItsShadowName();
    const upper = rocky(["run", "--shadow-schema", "MAIN"], { cwd: dir });
    expect(upper.code).toBe(1);
    expect(upper.stderr).toContain(
      `Error: shadow target "MAIN"."foo" of model 'foo' is its own production table; no SQL was run`,
    );
    const mixed = rocky(["run", "--shadow-suffix", "_Rocky_Shadow", "--model", "foo"], { cwd: dir });
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain(
      `Error: shadow target "main"."foo_Rocky_Shadow" of model 'foo' is the production table of model 'foo_rocky_shadow'`,
    );
    await productionUnchanged(dir);
    expect(
      history(dir)
        .slice(0, 2)
        .map((x) => x.status),
    ).toEqual(["failure", "failure"]);
  });

  test("two models moved by --shadow-schema onto one table", async () => {
    const dir = makeProject({
      "models/a/orders.sql": "SELECT 1 AS x\n",
      "models/a/orders.toml": '[target]\nschema = "a"\n',
      "models/b/orders_b.sql": "SELECT 2 AS x\n",
      "models/b/orders_b.toml": '[target]\nschema = "b"\ntable = "orders"\n',
    });
    const r = rocky(["run", "--shadow-schema", "ci"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: shadow target "ci"."orders" of model 'orders_b' is also the shadow target of model 'orders'; no SQL was run`,
    );
    expect(await tables(dir, "ci")).toEqual([]);
  });
});

describe("names compare the way each warehouse resolves them", () => {
  const dialects: Record<string, Dialect> = {
    duckdb: duckdb.dialect,
    snowflake: snowflake.dialect,
    bigquery: bigquery.dialect,
    databricks: databricks.dialect,
  };
  const same = (d: Dialect, a: string, b: string) =>
    tableIdentity(d, { schema: "s", table: a }) === tableIdentity(d, { schema: "s", table: b });

  test("DuckDB and Databricks ignore case; BigQuery is exact; Snowflake folds what rocky writes unquoted-style", () => {
    expect(same(dialects.duckdb!, "Foo", "foo")).toBe(true);
    expect(same(dialects.databricks!, "Foo", "foo")).toBe(true);
    expect(same(dialects.bigquery!, "Foo", "foo")).toBe(false);
    // rocky writes `foo` as "FOO" on Snowflake: it is the table FOO, but `Foo` stays "Foo".
    expect(same(dialects.snowflake!, "foo", "FOO")).toBe(true);
    expect(same(dialects.snowflake!, "Foo", "foo")).toBe(false);
    expect(same(dialects.snowflake!, "Foo", "FOO")).toBe(false);
  });

  test("a plugin dialect without the hook compares without case (the safe side)", () => {
    const { foldIdentifier: _, ...plain } = duckdb.dialect;
    expect(same(plain as Dialect, "Foo", "foo")).toBe(true);
  });

  test("per dialect, a case-only clash is a collision or not", () => {
    const check = (d: Dialect) =>
      findCollisions({
        dialect: d,
        production: [{ model: "big", ref: { schema: "s", table: "Foo_shadow" } }],
        isolated: [{ model: "foo", ref: { schema: "s", table: "foo_shadow" } }],
        label: "shadow",
      }).map((c) => `${c.kind} ${c.model} ${c.other}`);
    expect(check(dialects.duckdb!)).toEqual(["production_table foo big"]);
    expect(check(dialects.databricks!)).toEqual(["production_table foo big"]);
    expect(check(dialects.bigquery!)).toEqual([]);
    expect(check(dialects.snowflake!)).toEqual([]);
  });

  test("a scope that owns its schemas may not share one with production", () => {
    const c = {
      dialect: dialects.duckdb!,
      production: [{ model: "keep", ref: { schema: "branch__x__main", table: "k" } }],
      isolated: [{ model: "a", ref: { schema: "Branch__X__main", table: "a" } }],
      label: "branch 'x'",
    };
    expect(findCollisions(c)).toEqual([]);
    expect(findCollisions({ ...c, ownsSchemas: true }).map((x) => `${x.kind} ${x.model} ${x.other}`)).toEqual(
      ["production_schema a keep"],
    );
  });
});
