/** `rocky run` tests each model after building it: an error test fails the model and skips its descendants. */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { makeProject, tables } from "../run/project.ts";

const files = (sidecar: string) => ({
  "models/orders.sql": "SELECT * FROM (VALUES (1, 'open'), (2, NULL)) AS t(id, status)\n",
  "models/orders.toml": sidecar,
  "models/fct_orders.sql": "SELECT id FROM orders\n",
  "models/other.sql": "SELECT 1 AS x\n",
});
const notNull = (severity = "error") =>
  `[[tests]]\ntype = "not_null"\ncolumn = "status"\nseverity = "${severity}"\n`;

interface RunJson {
  status: string;
  models: {
    model: string;
    status: string;
    error: string | null;
    tests?: { status: string; failing_rows: number }[];
  }[];
}

function stateRows(dir: string, q: string): Record<string, unknown>[] {
  const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
  try {
    return db.query(q).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe("rocky run with [[tests]]", () => {
  test("a failing error test: model failed naming the test and count, descendants skipped, exit 1", async () => {
    const dir = makeProject(files(notNull()));
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const p = r.json<RunJson>();
    expectSchemas("run", p, "run");
    const by = new Map(p.models.map((m) => [m.model, m]));
    expect(p.status).toBe("partial_failure");
    expect(by.get("orders")).toMatchObject({
      status: "failed",
      error:
        'test orders.status [not_null] failed: 1 failing row (not published: "main"."orders" is left as it was)',
    });
    expect(by.get("fct_orders")).toMatchObject({
      status: "skipped",
      error: "upstream model 'orders' failed",
    });
    expect(by.get("other")!.status).toBe("success");
    // Write-audit-publish: the first build's failing table was rolled back, never published.
    expect(await tables(dir, "main")).toEqual(["other"]);
    const text = rocky(["run", "-o", "table"], { cwd: dir });
    expect(text.stdout).toContain("failed: test orders.status [not_null] failed: 1 failing row");
    expect(text.stdout).toContain("skipped: upstream model 'orders' failed");
    // The state keeps the model's failure and the test result under the run.
    const runs = stateRows(
      dir,
      "SELECT m.status, m.error, t.command, t.status AS test_status, t.failing_rows FROM model_runs m JOIN test_results t ON t.run_id = m.run_id AND t.model_name = m.model_name WHERE m.model_name = 'orders'",
    );
    expect(runs.length).toBe(2);
    expect(runs[0]).toMatchObject({ status: "failed", command: "run", test_status: "fail", failing_rows: 1 });
  });

  test("history and replay show the recorded test results", () => {
    const dir = makeProject(files(notNull()));
    rocky(["run"], { cwd: dir });
    const h = rocky(["history", "-o", "json"], { cwd: dir });
    const hp = h.json<{ runs: { tests: unknown }[] }>();
    expectSchemas("history", hp, "history");
    expect(hp.runs[0]!.tests).toEqual({ total: 1, passed: 0, failed: 1, warned: 0, errored: 0 });
    expect(rocky(["history", "-o", "table"], { cwd: dir }).stdout).toContain("TESTS OK");
    const rp = rocky(["replay", "latest", "-o", "json"], { cwd: dir }).json<{
      models: { model_name: string; tests?: { name: string; status: string; failing_rows: number }[] }[];
    }>();
    expectSchemas("replay", rp, "replay");
    expect(rp.models.find((m) => m.model_name === "orders")!.tests).toMatchObject([
      { name: "orders.status [not_null]", status: "fail", failing_rows: 1 },
    ]);
    expect(rocky(["replay", "latest", "-o", "table"], { cwd: dir }).stdout).toContain(
      "test orders.status [not_null]: fail — 1 failing row",
    );
  });

  test("a relationships target is built first, so a first run tests against this run's copy", () => {
    const dir = makeProject({
      "models/a_orders.sql": "SELECT * FROM (VALUES (1, 10), (2, 20)) AS t(id, customer_id)\n",
      "models/a_orders.toml":
        '[[tests]]\ntype = "relationships"\ncolumn = "customer_id"\nto = "z_customers.id"\n',
      "models/z_customers.sql": "SELECT * FROM (VALUES (10), (20)) AS t(id)\n",
    });
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const p = r.json<RunJson>();
    expect(p.models.map((m) => m.model)).toEqual(["z_customers", "a_orders"]);
    expect(p.models[1]!.tests).toMatchObject([{ status: "pass", failing_rows: 0 }]);
  });

  test("replay --execute re-runs the recorded tests on the replayed table", () => {
    const dir = makeProject(files(notNull("warn")));
    expect(rocky(["run"], { cwd: dir }).code).toBe(0);
    const r = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const p = r.json<{ models: { model_name: string; replay?: { tests?: unknown[] } }[] }>();
    expectSchemas("replay", p, "replay");
    expect(p.models.find((m) => m.model_name === "orders")!.replay!.tests).toEqual([
      {
        name: "orders.status [not_null]",
        recorded_status: "fail",
        recorded_failing_rows: 1,
        status: "fail",
        failing_rows: 1,
        error: null,
      },
    ]);
    expect(rocky(["replay", "latest", "--execute", "-o", "table"], { cwd: dir }).stdout).toContain(
      "replayed test orders.status [not_null]: fail (1 failing), recorded fail",
    );
  });

  test("a failing warn test does not fail the model", async () => {
    const dir = makeProject(files(notNull("warn")));
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    const p = r.json<RunJson>();
    expectSchemas("run", p, "run");
    expect(p.models.every((m) => m.status === "success")).toBe(true);
    expect(p.models.find((m) => m.model === "orders")!.tests).toMatchObject([
      { name: "orders.status [not_null]", severity: "warning", status: "fail", failing_rows: 1 },
    ]);
    const text = rocky(["run", "-o", "table"], { cwd: dir });
    expect(text.stdout).toContain("⚠ orders.status [not_null] — 1 failing row");
    expect(text.stdout).toContain("id=2  status=NULL");
    expect(await tables(dir, "main")).toContain("fct_orders");
    expect(stateRows(dir, "SELECT DISTINCT status, severity FROM test_results")).toEqual([
      { status: "fail", severity: "warning" },
    ]);
  });

  test("--no-tests skips them: every model succeeds, nothing recorded", async () => {
    const dir = makeProject(files(notNull()));
    const r = rocky(["run", "--no-tests", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.json<RunJson>().status).toBe("success");
    expect(await tables(dir, "main")).toContain("fct_orders");
    expect(stateRows(dir, "SELECT count(*) AS n FROM test_results")).toEqual([{ n: 0 }]);
  });

  test("passing tests: success, results recorded as passes", () => {
    const dir = makeProject(files(`[[tests]]\ntype = "unique"\ncolumn = "id"\n`));
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(stateRows(dir, "SELECT model_name, status, failing_rows FROM test_results")).toEqual([
      { model_name: "orders", status: "pass", failing_rows: 0 },
    ]);
  });
});
