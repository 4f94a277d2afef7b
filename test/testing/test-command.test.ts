/**
 * `rocky test` on real DuckDB tables: every type passing and failing, `where`, warn vs
 * error severity, exit codes, JSON valid against our schema and Rocky 1.10's, results in
 * the state store, --shadow and --branch reading the isolated copies.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { REPO, rocky, tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

interface Result {
  model: string;
  test_type: string;
  status: string;
  severity: string;
  name: string;
  failing_rows: number | null;
  detail: string | null;
  sample: { columns: string[]; rows: unknown[][] };
  table: string;
}
interface Payload {
  declarative: {
    total: number;
    passed: number;
    failed: number;
    warned: number;
    errored: number;
    results: Result[];
  };
  scope: string;
  test_run_id: string | null;
}

const CUSTOMERS = "SELECT * FROM (VALUES (1, 'ann'), (2, 'bob')) AS t(customer_id, name)\n";
/** Good data: every test below passes. */
const GOOD =
  "SELECT * FROM (VALUES (1, 1, 'open', 10), (2, 2, 'closed', 5), (3, 1, 'open', 0)) AS t(id, customer_id, status, amount)\n";
/** Bad data: id 3 twice, a NULL status, an unknown status, an unknown customer, a negative amount. */
const BAD =
  "SELECT * FROM (VALUES (1, 1, 'open', 10), (3, 9, 'lost', -1), (3, 2, NULL, 4)) AS t(id, customer_id, status, amount)\n";

function tests(over: { severity?: string; min?: number; max?: number } = {}): string {
  const sev = over.severity ? `severity = "${over.severity}"\n` : "";
  return [
    `[[tests]]\ntype = "not_null"\ncolumn = "status"\n${sev}`,
    `[[tests]]\ntype = "unique"\ncolumn = "id"\n${sev}`,
    `[[tests]]\ntype = "accepted_values"\ncolumn = "status"\nvalues = ["open", "closed"]\n${sev}`,
    `[[tests]]\ntype = "relationships"\ncolumn = "customer_id"\nto = "customers.customer_id"\n${sev}`,
    `[[tests]]\ntype = "expression"\nexpression = "amount >= 0"\n${sev}`,
    `[[tests]]\ntype = "row_count_range"\nmin = ${over.min ?? 3}\nmax = ${over.max ?? 3}\n${sev}`,
    `[[tests]]\ntype = "sql"\nsql = "SELECT id FROM {{ this }} WHERE amount > 5 AND status <> 'open'"\n${sev}`,
  ].join("\n");
}

function project(orders: string, sidecar: string): string {
  const dir = makeProject({
    "models/customers.sql": CUSTOMERS,
    "models/orders.sql": orders,
    "models/orders.toml": sidecar,
  });
  // Built without testing, so the tables hold the bad rows for `rocky test` to find.
  expectOk(rocky(["run", "--no-tests"], { cwd: dir }));
  return dir;
}

function testJson(dir: string, args: string[] = []) {
  const r = rocky(["test", ...args, "-o", "json"], { cwd: dir });
  const p = r.json<Payload>();
  expectSchemas("test", p, "test");
  return { r, p, byType: new Map(p.declarative.results.map((x) => [x.test_type, x])) };
}

describe("rocky test", () => {
  test("every type passes on good data: exit 0, all pass", () => {
    const dir = project(GOOD, tests());
    const { r, p } = testJson(dir);
    expect(r.code).toBe(0);
    expect(p.declarative.results.map((x) => [x.test_type, x.status, x.failing_rows])).toEqual([
      ["not_null", "pass", 0],
      ["unique", "pass", 0],
      ["accepted_values", "pass", 0],
      ["relationships", "pass", 0],
      ["expression", "pass", 0],
      ["row_count_range", "pass", 0],
      ["sql", "pass", 0],
    ]);
    expect(p.declarative).toMatchObject({ total: 7, passed: 7, failed: 0, warned: 0, errored: 0 });
    const text = rocky(["test", "-o", "table"], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("✓ orders.status [not_null]");
    expect(text.stdout).toContain("Result: 7 passed, 0 failed, 0 warned, 0 errored");
  });

  test("every type fails on bad data: failing counts, samples, exit 1", () => {
    const dir = project(BAD, tests({ min: 4, max: 10 }));
    const { r, p, byType } = testJson(dir);
    expect(r.code).toBe(1);
    expect(p.declarative.results.map((x) => [x.test_type, x.status, x.failing_rows, x.detail])).toEqual([
      ["not_null", "fail", 1, "1 failing row"],
      ["unique", "fail", 1, "1 duplicated key"],
      ["accepted_values", "fail", 1, "1 failing row"],
      ["relationships", "fail", 1, "1 failing row"],
      ["expression", "fail", 1, "1 failing row"],
      ["row_count_range", "fail", 1, "row count 3 is below min 4"],
      ["sql", "pass", 0, null],
    ]);
    expect(byType.get("unique")!.sample).toEqual({ columns: ["id", "rocky_duplicates"], rows: [[3, 2]] });
    expect(byType.get("relationships")!.sample.rows).toEqual([[3, 9, "lost", -1]]);
    expect(byType.get("not_null")!.table).toBe("main.orders");
    expect(p.declarative).toMatchObject({ total: 7, passed: 1, failed: 6, warned: 0, errored: 0 });
    const text = rocky(["test", "-o", "table"], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("✗ orders.customer_id [relationships] — 1 failing row");
    expect(text.stdout).toContain("id=3  customer_id=9  status=lost  amount=-1");
    expect(text.stdout).toContain("✗ orders [row_count_range] — row count 3 is below min 4");
  });

  test("a sql test fails on the rows its query returns", async () => {
    const dir = project(GOOD, tests());
    await sql(dir, "UPDATE main.orders SET status = 'closed', amount = 50 WHERE id = 3");
    const { byType } = testJson(dir);
    expect(byType.get("sql")).toMatchObject({ status: "fail", failing_rows: 1 });
  });

  test("severity warn (and Rocky's warning): reported, exit 0", () => {
    for (const severity of ["warn", "warning"]) {
      const dir = project(BAD, tests({ severity, min: 3 }));
      const { r, p } = testJson(dir);
      expect(r.code).toBe(0);
      expect(p.declarative).toMatchObject({ passed: 2, failed: 0, warned: 5 });
      expect(p.declarative.results[0]!.severity).toBe("warning");
      expect(rocky(["test", "-o", "table"], { cwd: dir }).stdout).toContain(
        "⚠ orders.status [not_null] — 1 failing row",
      );
    }
  });

  test("where (and Rocky's filter) restrict the rows tested", () => {
    const dir = project(
      BAD,
      `[[tests]]\ntype = "expression"\nexpression = "amount >= 0"\nwhere = "status <> 'lost'"\n\n[[tests]]\ntype = "not_null"\ncolumn = "status"\nfilter = "amount > 5"\n\n[[tests]]\ntype = "not_null"\ncolumn = "status"\nwhere = "id = 3"\n`,
    );
    const { r, p } = testJson(dir);
    expect(p.declarative.results.map((x) => x.status)).toEqual(["pass", "pass", "fail"]);
    expect(r.code).toBe(1);
  });

  test("an execution error is 'error', exit 1; selection limits the models", () => {
    const dir = project(GOOD, `[[tests]]\ntype = "expression"\nexpression = "no_such_column > 0"\n`);
    const { r, p } = testJson(dir, ["orders"]);
    expect(r.code).toBe(1);
    expect(p.declarative.results[0]).toMatchObject({ status: "error" });
    expect(p.declarative.errored).toBe(1);
    expect(p.declarative.results[0]!.detail).toContain("no_such_column");
    expect(testJson(dir, ["--declarative", "--model", "orders"]).p.declarative.total).toBe(1);
    const none = testJson(dir, ["customers"]);
    expect(none.r.code).toBe(0);
    expect(none.p.declarative.total).toBe(0);
    expect(rocky(["test", "customers", "-o", "table"], { cwd: dir }).stdout).toContain(
      "No declarative tests found.",
    );
  });

  test("a model never built: each of its tests says so, exit 1", () => {
    const dir = makeProject({
      "models/orders.sql": GOOD,
      "models/orders.toml": '[[tests]]\ntype = "not_null"\ncolumn = "id"\n',
    });
    const { r, p } = testJson(dir);
    expect(r.code).toBe(1);
    expect(p.declarative.results[0]).toMatchObject({
      status: "error",
      detail: `"main"."orders" does not exist: build it first ('rocky run')`,
    });
  });

  test("results are recorded in the state store", () => {
    const dir = project(BAD, tests({ min: 3 }));
    const { p } = testJson(dir);
    const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
    const rows = db
      .query(
        "SELECT command, scope, model_name, test_type, status, failing_rows, sample FROM test_results WHERE run_id = ? ORDER BY seq",
      )
      .all(p.test_run_id) as {
      command: string;
      scope: string;
      status: string;
      sample: string;
      failing_rows: number;
    }[];
    db.close();
    expect(rows.length).toBe(7);
    expect(rows[0]).toMatchObject({ command: "test", scope: "production", status: "fail", failing_rows: 1 });
    expect(JSON.parse(rows[0]!.sample).rows).toEqual([[3, 2, null, 4]]);
  });

  test("--shadow tests the shadow copies; compile errors stop before any test", async () => {
    const dir = project(GOOD, `[[tests]]\ntype = "not_null"\ncolumn = "status"\n`);
    await sql(
      dir,
      "CREATE TABLE main.orders_rocky_shadow AS SELECT 1 AS id, 1 AS customer_id, NULL AS status, 1 AS amount",
    );
    expect(testJson(dir).r.code).toBe(0);
    const shadow = testJson(dir, ["--shadow"]);
    expect(shadow.r.code).toBe(1);
    expect(shadow.p.scope).toBe("shadow");
    expect(shadow.p.declarative.results[0]!.table).toBe("main.orders_rocky_shadow");
    const bad = makeProject({
      "models/a.sql": "SELECT 1 AS id\n",
      "models/a.toml": `[[tests]]\ntype = "not_nul"\n`,
    });
    const r = rocky(["test"], { cwd: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("compile error");
    expect(r.stderr).toContain("models/a.toml:2:1: E060");
  });

  test("--branch tests the branch's copies", () => {
    const dir = project(GOOD, `[[tests]]\ntype = "row_count_range"\nmax = 3\n`);
    expectOk(rocky(["branch", "create", "fix"], { cwd: dir }));
    const sidecar = join(dir, "models/orders.sql");
    Bun.write(sidecar, `${GOOD.trim()} UNION ALL SELECT 4, 1, 'open', 1\n`);
    expectOk(rocky(["run", "--branch", "fix", "--no-tests"], { cwd: dir }));
    expect(testJson(dir).r.code).toBe(0);
    const b = testJson(dir, ["--branch", "fix"]);
    expect(b.r.code).toBe(1);
    expect(b.p.scope).toBe("branch:fix");
    expect(b.p.declarative.results[0]!.detail).toBe("row count 4 is above max 3");
  });

  test("a read-only state file: tests still run, results are not recorded (notice)", () => {
    const stateDir = tempDir("rocky-ro-state-");
    mkdirSync(join(stateDir, "s"));
    const state = join(stateDir, "s", "state.db");
    const dir = makeProject({
      "models/orders.sql": BAD,
      "models/orders.toml": tests({ min: 3 }) + "\n",
      "models/customers.sql": CUSTOMERS,
    });
    expectOk(rocky(["--state-path", state, "run", "--no-tests"], { cwd: dir }));
    const p = Bun.spawnSync(
      [
        "unshare",
        "-m",
        "sh",
        "-c",
        'mount --bind -o ro "$1" "$1" && cd "$2" && shift 2 && exec "$@"',
        "sh",
        join(stateDir, "s"),
        dir,
        process.execPath,
        join(REPO, "src", "cli", "main.ts"),
        "--state-path",
        state,
        "test",
        "-o",
        "json",
      ],
      { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" },
    );
    if (p.exitCode !== 1 && p.stderr.toString().includes("unshare")) {
      console.warn(`skipped: cannot bind-mount read-only here: ${p.stderr.toString().trim()}`);
      return;
    }
    expect(p.stderr.toString()).toContain(
      "notice: the state file is read-only; test results are not recorded",
    );
    expect(p.exitCode).toBe(1);
    const payload = JSON.parse(p.stdout.toString()) as Payload;
    expect(payload.test_run_id).toBeNull();
    expect(payload.declarative.total).toBe(7);
  });
});
