/** `rocky run`: selection, failure handling, shadow isolation, output contract. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { expectOk, makeProject, sql, tables } from "./project.ts";

interface RunJson {
  run_id: string;
  status: string;
  scope: string;
  tables_copied: number;
  tables_failed: number;
  tables_skipped: number;
  errors: { error: string }[];
  models: {
    model: string;
    status: string;
    target: string;
    rows: number | null;
    error: string | null;
    reads: { model?: string; from: string; table: string }[];
  }[];
}

// a -> b -> c, and an independent d; `bad` fails at run time (unknown function), `after_bad` reads it.
const CHAIN = {
  "models/a.sql": "SELECT 1 AS id, 'x' AS v UNION ALL SELECT 2, 'y'\n",
  "models/b.sql": "SELECT id, v FROM a WHERE id > 0\n",
  "models/c.sql": "SELECT count(*) AS n FROM b\n",
  "models/d.sql": "SELECT 42 AS answer\n",
};

const status = (j: RunJson) => Object.fromEntries(j.models.map((m) => [m.model, m.status]));

describe("rocky run", () => {
  test("runs every model in DAG order; JSON validates against Rocky's run schema", async () => {
    const dir = makeProject(CHAIN);
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(r);
    const j = r.json<RunJson>();
    expectSchemas("run", j, "run");
    expect(j.status).toBe("success");
    expect(j.run_id).toMatch(/^run-\d{8}-\d{6}-\d{3}$/);
    expect(status(j)).toEqual({ a: "success", b: "success", c: "success", d: "success" });
    expect(j.tables_copied).toBe(4);
    const order = j.models.map((m) => m.model);
    expect(order.indexOf("a")).toBeLessThan(order.indexOf("b"));
    expect(order.indexOf("b")).toBeLessThan(order.indexOf("c"));
    expect(await sql(dir, "SELECT n FROM main.c")).toEqual([[2]]);
  });

  test("text output: one line per model with target and rows, then a summary", () => {
    const dir = makeProject(CHAIN);
    const r = rocky(["run", "-o", "table"], { cwd: dir });
    expectOk(r);
    expect(r.stdout).toMatch(/✓ a\s+"main"\."a"\s+2 rows/);
    expect(r.stdout).toMatch(/✓ c\s+"main"\."c"\s+1 row /);
    expect(r.stdout).toMatch(/Run run-\S+ success: 4 succeeded, 0 failed, 0 skipped/);
    expect(r.stderr).not.toContain("["); // no progress when stderr is not a terminal
  });

  test("a failing model skips its descendants, the rest runs, exit 1 with partial_failure", async () => {
    const dir = makeProject({
      ...CHAIN,
      "models/bad.sql": "SELECT no_such_function(1) AS x FROM a\n",
      "models/after_bad.sql": "SELECT * FROM bad\n",
    });
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    const j = r.json<RunJson>();
    expectSchemas("run", j, "run");
    expect(j.status).toBe("partial_failure");
    expect(status(j)).toEqual({
      a: "success",
      b: "success",
      c: "success",
      d: "success",
      bad: "failed",
      after_bad: "skipped",
    });
    const bad = j.models.find((m) => m.model === "bad")!;
    expect(bad.error).toContain("no_such_function");
    expect(j.models.find((m) => m.model === "after_bad")!.error).toBe("upstream model 'bad' failed");
    expect(j.errors[0]!.error).toContain("model 'bad' failed");
    expect(await tables(dir, "main")).toEqual(["a", "b", "c", "d"]);
    // The run record says the same.
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{
      runs: { status: string; models: { model_name: string; status: string }[] }[];
    }>();
    expect(h.runs[0]!.status).toBe("partial_failure");
    expect(h.runs[0]!.models.find((m) => m.model_name === "after_bad")!.status).toBe("skipped");
  });

  test("--fail-fast stops scheduling after the first failure", () => {
    const dir = makeProject({
      "models/bad.sql": "SELECT no_such_function(1) AS x\n",
      "models/z1.sql": "SELECT 1 AS x\n",
      "models/z2.sql": "SELECT * FROM z1\n",
    });
    const r = rocky(["run", "--fail-fast", "--threads", "1", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    const j = r.json<RunJson>();
    // With one thread, 'bad' (first in DAG order) fails before z1 or z2 start.
    expect(status(j)).toEqual({ bad: "failed", z1: "skipped", z2: "skipped" });
    expect(j.models.find((m) => m.model === "z1")!.error).toContain("--fail-fast");
    expect(j.status).toBe("failure");
  });

  test("compile errors stop the run before any SQL: exit 1, nothing in the warehouse, run recorded as failure", async () => {
    const dir = makeProject({ ...CHAIN, "models/broken.sql": "SELEC oops FROM\n" });
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stderr).toContain("compile error");
    expect(r.stderr).toContain("no SQL was run");
    expectJsonError(r, "compile_errors", "run");
    expect(await tables(dir, "main")).toEqual([]);
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{ runs: { status: string }[] }>();
    expect(h.runs.map((x) => x.status)).toEqual(["failure"]);
  });

  test("a warehouse that cannot be opened fails the run before any model, and the run is still recorded", async () => {
    const dir = makeProject(CHAIN);
    const { DuckDBInstance } = await import("@duckdb/node-api");
    // This process holds DuckDB's file lock: the rocky child cannot open the warehouse.
    const holder = await DuckDBInstance.create(join(dir, "warehouse.duckdb"));
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    holder.closeSync();
    expectOk(r, 1);
    expect(r.stderr).toContain("Error: cannot connect to the duckdb warehouse");
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{
      runs: { status: string; error: string; models: unknown[] }[];
    }>();
    expectSchemas("history", h, "history");
    expect(h.runs).toHaveLength(1);
    expect(h.runs[0]).toMatchObject({ status: "failure", models: [] });
    expect(h.runs[0]!.error).toContain("cannot connect");
  });

  test("--model and --select choose models; unknown names list close matches", () => {
    const dir = makeProject(CHAIN);
    const one = rocky(["run", "--model", "b", "--model", "d", "-o", "json"], { cwd: dir });
    // b reads a, which does not exist yet: b fails; d runs.
    expect(status(one.json<RunJson>())).toEqual({ b: "failed", d: "success" });
    const up = rocky(["run", "--select", "+c", "-o", "json"], { cwd: dir });
    expectOk(up);
    expect(Object.keys(status(up.json<RunJson>())).sort()).toEqual(["a", "b", "c"]);
    const down = rocky(["run", "--select", "b+", "-o", "json"], { cwd: dir });
    expect(Object.keys(status(down.json<RunJson>())).sort()).toEqual(["b", "c"]);
    const unknown = rocky(["run", "--model", "bb"], { cwd: dir });
    expectOk(unknown, 1);
    expect(unknown.stderr).toContain("no model named 'bb'");
    expect(unknown.stderr).toContain("did you mean 'b'");
    expect(rocky(["run", "--modle", "b"], { cwd: dir }).code).toBe(2);
  });

  test("independent models run in parallel up to --threads, and one at a time with --threads 1", () => {
    const slow = "SELECT sum(hash(range)) AS s FROM range(20000000)\n";
    const dir = makeProject({ "models/p1.sql": slow, "models/p2.sql": slow, "models/p3.sql": slow });
    const overlaps = (threads: string) => {
      const r = rocky(["run", "--threads", threads, "-o", "json"], { cwd: dir });
      expectOk(r);
      const j = r.json<{
        execution: { concurrency: number };
        models: { started_at: string; finished_at: string }[];
      }>();
      expect(j.execution.concurrency).toBe(Number(threads));
      const spans = j.models.map((m) => [Date.parse(m.started_at), Date.parse(m.finished_at)] as const);
      return spans.some(([s1, e1], i) => spans.some(([s2], k) => k !== i && s2 >= s1 && s2 < e1));
    };
    expect(overlaps("3")).toBe(true);
    expect(overlaps("1")).toBe(false);
  }, 60_000);

  test("--shadow writes shadow tables, reads shadow copies, and leaves production unchanged", async () => {
    const dir = makeProject(CHAIN);
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const before = await sql(
      dir,
      "SELECT 'a', * FROM main.a UNION ALL SELECT 'b', * FROM main.b ORDER BY ALL",
    );
    const beforeC = await sql(dir, "SELECT * FROM main.c");
    // Change the model: production must not see it.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      `${dir}/models/a.sql`,
      "SELECT 1 AS id, 'x' AS v UNION ALL SELECT 2, 'y' UNION ALL SELECT 3, 'z'\n",
    );
    const r = rocky(["run", "--shadow", "--select", "a+", "-o", "json"], { cwd: dir });
    expectOk(r);
    const j = r.json<RunJson>();
    expectSchemas("run", j, "run");
    expect(j.scope).toBe("shadow");
    expect(j.models.map((m) => m.target).sort()).toEqual([
      '"main"."a_rocky_shadow"',
      '"main"."b_rocky_shadow"',
      '"main"."c_rocky_shadow"',
    ]);
    const b = j.models.find((m) => m.model === "b")!;
    expect(b.reads).toEqual([{ model: "a", table: '"main"."a_rocky_shadow"', from: "isolated" }]);
    expect(await sql(dir, "SELECT n FROM main.c_rocky_shadow")).toEqual([[3]]);
    expect(
      await sql(dir, "SELECT 'a', * FROM main.a UNION ALL SELECT 'b', * FROM main.b ORDER BY ALL"),
    ).toEqual(before);
    expect(await sql(dir, "SELECT * FROM main.c")).toEqual(beforeC);

    // A shadow run of c alone reads the shadow copy of b, which exists now; d has none: production.
    const c = rocky(["run", "--shadow", "--model", "c", "-o", "table"], { cwd: dir });
    expectOk(c);
    expect(c.stdout).toContain('reads b from isolated copy "main"."b_rocky_shadow"');
    writeFileSync(`${dir}/models/e.sql`, "SELECT * FROM d\n");
    const e = rocky(["run", "--shadow", "--model", "e", "-o", "table"], { cwd: dir });
    expectOk(e);
    expect(e.stdout).toContain('reads d from production "main"."d"');
  });

  test("--shadow-schema moves every target to one schema", async () => {
    const dir = makeProject(CHAIN);
    const r = rocky(["run", "--shadow-schema", "ci_check", "-o", "json"], { cwd: dir });
    expectOk(r);
    expect(await tables(dir, "ci_check")).toEqual(["a", "b", "c", "d"]);
    expect(await tables(dir, "main")).toEqual([]);
    expect(rocky(["run", "--shadow-schema", "x", "--shadow-suffix", "_y"], { cwd: dir }).code).toBe(2);
  });

  test("identifiers are quoted: odd schema and table names work", async () => {
    const dir = makeProject({
      "models/odd.sql": "SELECT 1 AS x\n",
      "models/odd.toml": '[target]\nschema = "my-schema.v2"\ntable = "Select"\n',
      "models/after.sql": "SELECT x + 1 AS y FROM odd\n",
    });
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    expect(await sql(dir, 'SELECT * FROM "my-schema.v2"."Select"')).toEqual([[1]]);
    expect(await sql(dir, "SELECT y FROM main.after")).toEqual([[2]]);
  });

  test("--trigger and CI set the recorded trigger", () => {
    const dir = makeProject({ "models/d.sql": "SELECT 1 AS x\n" });
    expect(
      rocky(["run", "-o", "json"], { cwd: dir, env: { CI: "true" } }).json<{ trigger: string }>().trigger,
    ).toBe("ci");
    expect(
      rocky(["run", "--trigger", "schedule", "-o", "json"], { cwd: dir, env: { CI: "true" } }).json<{
        trigger: string;
      }>().trigger,
    ).toBe("schedule");
    expect(rocky(["run", "--trigger", "nope"], { cwd: dir }).code).toBe(2);
    const h = rocky(["history", "-o", "json"], { cwd: dir }).json<{ runs: { trigger: string }[] }>();
    expect(h.runs.map((r) => r.trigger)).toEqual(["schedule", "ci"]);
  });
});
