/**
 * `--select` / `--exclude` on every command that takes them (run, test, compile, lineage,
 * diff), against a real git repository and a real DuckDB warehouse: what a user sees
 * (JSON validated against its schema, exit codes, error lines) and what was built.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { BASE_FILES, makeRepo, type Repo } from "../diff/fixture.ts";
import { rocky } from "../helpers/cli.ts";
import { expectJsonError, expectOurSchema, expectSchemas } from "../helpers/schema.ts";

// Tags three ways: a folder default (marts), a model's own (finance), both (fct_customer).
const FILES: Record<string, string> = {
  ...BASE_FILES,
  "models/marts/_defaults.toml": `tags = ["marts"]\n`,
  "models/marts/fct_customer.toml": `tags = ["finance"]

[[tests]]
type = "not_null"
column = "customer_id"
`,
  "models/intermediate/int_orders.toml": `tags = ["finance", "nightly"]\n`,
  "models/staging/stg_orders.toml": `[[tests]]
type = "not_null"
column = "order_id"
`,
};

async function seed(project: string): Promise<void> {
  const inst = await DuckDBInstance.create(join(project, "shop.duckdb"));
  const conn = await inst.connect();
  for (const s of [
    "CREATE SCHEMA raw",
    "CREATE TABLE raw.orders AS SELECT 1 AS order_id, 10 AS customer_id, 5.00::DECIMAL(10,2) AS amount, 'paid' AS status",
    "CREATE TABLE raw.customers AS SELECT 10 AS customer_id, 'Ada' AS name, 'ada@example.com' AS email",
  ])
    await conn.run(s);
  conn.closeSync();
  inst.closeSync();
}

/** The tables in the warehouse's `main` schema, sorted. */
async function tables(project: string): Promise<string[]> {
  const inst = await DuckDBInstance.create(join(project, "shop.duckdb"));
  const conn = await inst.connect();
  const r = await conn.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
  );
  const out = r.getRows().map((row) => String(row[0]));
  conn.closeSync();
  inst.closeSync();
  return out;
}

type Compile = { models_detail: { name: string; tags: string[] }[] };
const detail = (r: ReturnType<typeof rocky>) => {
  const j = r.json<Compile>();
  expectSchemas("compile", j);
  return j.models_detail.map((m) => `${m.name}:${m.tags.join("+")}`);
};

describe("selection on the command line", () => {
  let repo: Repo;
  beforeAll(() => {
    repo = makeRepo(FILES);
  });
  const run = (args: string[]) => rocky(args, { cwd: repo.project });

  test("compile shows each model's tags (folder defaults added to the sidecar's) and selects by them", () => {
    const all = run(["compile", "-o", "json"]);
    expect(all.code).toBe(0);
    expect(detail(all)).toEqual([
      "fct_customer:marts+finance",
      "fct_emails:marts",
      "fct_status:marts",
      "int_orders:finance+nightly",
      "stg_customers:",
      "stg_orders:",
    ]);
    expect(detail(run(["compile", "--select", "tag:finance", "-o", "json"]))).toEqual([
      "fct_customer:marts+finance",
      "int_orders:finance+nightly",
    ]);
    // Intersection with a folder, union by repeating, --exclude.
    expect(detail(run(["compile", "--select", "tag:finance,models/marts", "-o", "json"]))).toEqual([
      "fct_customer:marts+finance",
    ]);
    expect(
      detail(run(["compile", "--select", "stg_orders", "--select", "fct_emails", "-o", "json"])),
    ).toEqual(["fct_emails:marts", "stg_orders:"]);
    expect(
      detail(run(["compile", "--select", "+fct_customer", "--exclude", "path:models/staging", "-o", "json"])),
    ).toEqual(["fct_customer:marts+finance", "int_orders:finance+nightly"]);
    // The text report lists only the selected models.
    const text = run(["compile", "--select", "@stg_customers", "--exclude", "fct_*", "-o", "table"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("✓ int_orders");
    expect(text.stdout).toContain("✓ stg_orders");
    expect(text.stdout).not.toContain("fct_");
  });

  test("an unknown model or tag is an error naming it, with did-you-mean; a bad method is a usage error", () => {
    const name = run(["compile", "--select", "+fct_custmer"]);
    expect(name.code).toBe(1);
    expect(name.stderr).toContain("Error: --select: no model named 'fct_custmer'");
    expect(name.stderr).toContain("hint: did you mean 'fct_customer'?");
    const tag = run(["run", "--select", "tag:finanse", "-o", "json"]);
    expect(tag.code).toBe(1);
    expect(expectJsonError(tag, "not_found", "run").hint).toBe("did you mean 'finance'?");
    const method = run(["test", "--select", "tags:finance"]);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain("unknown selector method 'tags:'");
    const empty = run(["compile", "--select", "models/staging", "--exclude", "stg_*"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("Error: --select models/staging --exclude stg_*: the selection is empty");
  });

  test("a tag that could not be selected (a space, a comma) is refused where it is written", () => {
    const bad = makeRepo({ ...FILES, "models/marts/fct_status.toml": 'tags = ["month end"]\n' });
    const r = rocky(["compile"], { cwd: bad.project });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("fct_status.toml");
    expect(r.stderr).toContain("a tag is a non-empty word without spaces, commas");
  });

  test("run builds exactly the selection; test tests exactly the selection", async () => {
    await seed(repo.project);
    const r = run([
      "run",
      "--select",
      "+tag:finance",
      "--exclude",
      "fct_customer",
      "--no-tests",
      "-o",
      "json",
    ]);
    expect(r.code).toBe(0);
    const j = r.json<{ models: { model: string }[] }>();
    expectOurSchema("run", j);
    // The two staging models run in parallel: their order in the report is when each finished.
    const order = j.models.map((m) => m.model);
    expect([...order].sort()).toEqual(["int_orders", "stg_customers", "stg_orders"]);
    expect(order[2]).toBe("int_orders");
    expect(await tables(repo.project)).toEqual(["int_orders", "stg_customers", "stg_orders"]);

    expect(run(["run", "--select", "tag:marts", "--no-tests", "-o", "json"]).code).toBe(0);
    expect(await tables(repo.project)).toEqual([
      "fct_customer",
      "fct_emails",
      "fct_status",
      "int_orders",
      "stg_customers",
      "stg_orders",
    ]);
    // `rocky test` with a positional selector: only fct_customer's test runs, not stg_orders'.
    const t = run(["test", "tag:finance", "-o", "json"]);
    expect(t.code).toBe(0);
    const tj = t.json<{ declarative: { results: { model: string; test_type: string }[] } }>();
    expectOurSchema("test", tj);
    expect(tj.declarative.results.map((x) => `${x.model}:${x.test_type}`)).toEqual(["fct_customer:not_null"]);
    const both = run([
      "test",
      "--select",
      "models/staging models/marts",
      "--exclude",
      "fct_customer",
      "-o",
      "json",
    ]);
    expect(both.code).toBe(0);
    expect(
      both.json<{ declarative: { results: { model: string }[] } }>().declarative.results.map((x) => x.model),
    ).toEqual(["stg_orders"]);
  });

  test("lineage --select: the column lineage among the selected models, as JSON, text or mermaid", () => {
    const r = run(["lineage", "--select", "+fct_status", "-o", "json"]);
    expect(r.code).toBe(0);
    const j = r.json<{
      selected: string[];
      models: { name: string; reads: string[] }[];
      edges: { source: { model: string; column: string }; target: { model: string; column: string } }[];
    }>();
    expectOurSchema("lineage_selection", j);
    expect(j.selected).toEqual(["stg_customers", "stg_orders", "int_orders", "fct_status"]);
    expect(j.models.find((m) => m.name === "fct_status")!.reads).toEqual(["int_orders"]);
    const e = (x: (typeof j.edges)[number]) =>
      `${x.source.model}.${x.source.column}->${x.target.model}.${x.target.column}`;
    expect(j.edges.map(e)).toContain("int_orders.status->fct_status.status");
    expect(j.edges.map(e)).toContain("raw.orders.status->stg_orders.status");
    // Edges only among the selection (and from sources): fct_customer is not selected.
    expect(j.edges.some((x) => x.target.model === "fct_customer")).toBe(false);

    const mermaid = run(["lineage", "--select", "models/marts", "--format", "mermaid"]);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toContain("fct_emails");
    expect(mermaid.stdout).toContain("fct_customer");
    expect(mermaid.stdout).not.toContain("stg_orders");

    const text = run(["lineage", "--select", "stg_customers+1", "-o", "table"]);
    expect(text.stdout).toContain("fct_emails (email)\n  reads stg_customers");
    expect(text.stdout).toContain("3 models, ");

    const both = run(["lineage", "fct_status", "--select", "fct_status"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give a TARGET or --select, not both");
    expect(run(["lineage"]).stderr).toContain("Error: missing TARGET");
  });

  test("diff --select reports only the selected models; changed / changed+ select what differs from a base", () => {
    const r2 = makeRepo(FILES);
    const at = (args: string[]) => rocky(args, { cwd: r2.project });
    // One edit upstream: stg_customers' email changes, read by fct_emails only.
    r2.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name, lower(email) AS email FROM raw.customers\n",
    );
    r2.write(
      "models/marts/fct_status.sql",
      "SELECT status, COUNT(*) AS n FROM int_orders GROUP BY status, 1\n",
    );
    const full = at(["diff", "HEAD", "-o", "json"]).json<{
      models: { model_name: string }[];
      rebuild: string[];
    }>();
    expect(full.models.map((m) => m.model_name)).toEqual(["stg_customers", "fct_status"]);
    expect(full.rebuild).toEqual(["stg_customers", "fct_emails", "fct_status"]);
    type Diff = {
      models: { model_name: string }[];
      rebuild: string[];
      summary: { total_models: number; modified: number; unchanged: number; breaking: number };
    };
    const marts = at(["diff", "HEAD", "--select", "models/marts", "-o", "json"]);
    expect(marts.code).toBe(0);
    const mj = marts.json<Diff>();
    expectSchemas("diff", mj);
    expect(mj.models.map((m) => m.model_name)).toEqual(["fct_status"]);
    // fct_emails reads the changed stg_customers.email: rebuilt, though its own SQL is untouched.
    expect(mj.rebuild).toEqual(["fct_emails", "fct_status"]);
    expect(mj.summary).toMatchObject({ total_models: 3, modified: 1, unchanged: 2, breaking: 0 });
    const some = at(["diff", "HEAD", "--select", "models/marts", "--exclude", "fct_status", "-o", "json"]);
    expect(some.json<Diff>().models).toEqual([]);
    expect(some.json<Diff>().rebuild).toEqual(["fct_emails"]);
    // --fail-on judges what was selected: the breaking change is in staging.
    expect(at(["diff", "HEAD", "--fail-on", "breaking", "-o", "json"]).code).toBe(1);
    expect(at(["diff", "HEAD", "--select", "models/marts", "--fail-on", "breaking", "-o", "json"]).code).toBe(
      0,
    );
    expect(
      at(["diff", "HEAD", "--select", "stg_customers+", "--fail-on", "breaking", "-o", "json"]).code,
    ).toBe(1);

    // `changed`: the models edited themselves; `changed+`: with every descendant (dbt's state:modified+).
    const names = (args: string[]) =>
      at([...args, "-o", "json"])
        .json<Compile>()
        .models_detail.map((m) => m.name);
    expect(names(["compile", "--select", "changed:HEAD"])).toEqual(["fct_status", "stg_customers"]);
    expect(names(["compile", "--select", "changed:HEAD+"])).toEqual([
      "fct_customer",
      "fct_emails",
      "fct_status",
      "int_orders",
      "stg_customers",
    ]);
    expect(names(["compile", "--select", "changed:HEAD,tag:marts"])).toEqual(["fct_status"]);
    // Against the default base (main, where the branch is) the same edits are the change.
    expect(names(["compile", "--select", "changed"])).toEqual(["fct_status", "stg_customers"]);
  });
});
