/** history, state and replay: real runs recorded in a real state file, then read back and replayed. */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { expectOk, makeProject, sql, tables } from "../run/project.ts";

const SEED = `CREATE SCHEMA raw;
CREATE TABLE raw.orders AS SELECT * FROM (VALUES (1, 10.0, TIMESTAMP '2026-01-01 00:00:00'), (2, 20.0, TIMESTAMP '2026-01-02 00:00:00')) v(id, amount, ts)`;

const MODELS = {
  "models/stg.sql": "SELECT id, amount * 2 AS amount2, ts FROM raw.orders\n",
  "models/total.sql": "SELECT sum(amount2) AS total, count(*) AS n FROM stg\n",
  "models/inc.sql": "SELECT id, ts FROM stg\n",
  "models/inc.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "ts"\n',
};

async function project() {
  const dir = makeProject(MODELS);
  await sql(dir, SEED);
  return dir;
}

interface ReplayJson {
  run_id: string;
  status: string;
  models: {
    model_name: string;
    status: string;
    sql_hash: string;
    target: string;
    sql?: string[];
    replay?: { verdict: string; reason: string | null };
  }[];
  execute?: { schema: string; kept: boolean; identical: number; diverged: number; not_comparable: number };
}

const verdicts = (j: ReplayJson) =>
  Object.fromEntries(j.models.map((m) => [m.model_name, m.replay?.verdict]));

/** Run the CLI in-process-like child that reports whether DuckDB was loaded. */
function loadsDuckDB(dir: string, args: string[]): boolean {
  const script = `const { main } = await import(${JSON.stringify(join(REPO, "src/cli/main.ts"))});
await main(${JSON.stringify(args)});
process.stderr.write("\\nDUCKDB_LOADED=" + Object.keys(require.cache).some((k) => k.includes("@duckdb")) + "\\n");`;
  const p = Bun.spawnSync([process.execPath, "-e", script], { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const m = /DUCKDB_LOADED=(true|false)/.exec(p.stderr.toString());
  if (!m) throw new Error(`no report: ${p.stderr.toString()}`);
  return m[1] === "true";
}

describe("history, state, replay", () => {
  test("no runs yet: history is empty, replay latest explains", async () => {
    const dir = await project();
    const h = rocky(["history", "-o", "json"], { cwd: dir });
    expectOk(h);
    expectSchemas("history", h.json(), "history");
    expect(h.json()).toMatchObject({ command: "history", runs: [], count: 0 });
    expect(rocky(["history", "-o", "table"], { cwd: dir }).stdout).toContain("No runs recorded yet");
    const r = rocky(["replay", "latest"], { cwd: dir });
    expectOk(r, 1);
    expect(r.stderr).toContain("Error: no runs recorded yet — nothing to replay");
  });

  test("history, model history and state after real runs; JSON matches Rocky's schemas", async () => {
    const dir = await project();
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    await sql(dir, "INSERT INTO raw.orders VALUES (3, 30.0, TIMESTAMP '2026-01-03 00:00:00')");
    expectOk(rocky(["run", "--model", "stg", "--model", "inc", "-o", "json"], { cwd: dir }));

    const h = rocky(["history", "-o", "json"], { cwd: dir });
    expectOk(h);
    const hj = h.json<{
      runs: {
        status: string;
        models_executed: number;
        models: { model_name: string; rows_affected: number }[];
      }[];
      count: number;
    }>();
    expectSchemas("history", hj, "history");
    expect(hj.count).toBe(2);
    expect(hj.runs.map((r) => r.models_executed)).toEqual([2, 3]);
    // The row at the previous high-water mark is re-processed (replaced), plus the new one.
    expect(hj.runs[0]!.models.find((m) => m.model_name === "inc")!.rows_affected).toBe(2);

    const mh = rocky(["history", "--model", "stg", "-o", "json"], { cwd: dir });
    const mj = mh.json<{ executions: { rows_affected: number; sql_hash: string }[]; count: number }>();
    expectSchemas("model_history", mj, "model_history");
    expect(mj.executions.map((e) => e.rows_affected)).toEqual([3, 2]);
    expect(mj.executions[0]!.sql_hash).toMatch(/^[0-9a-f]{64}$/);
    // Same SQL both times: the same hash, stored once.
    expect(mj.executions[0]!.sql_hash).toBe(mj.executions[1]!.sql_hash);
    const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
    expect(
      db.query("SELECT count(*) AS n FROM sql_texts WHERE hash = ?").get(mj.executions[0]!.sql_hash),
    ).toEqual({ n: 1 });
    db.close();

    const text = rocky(["history", "--model", "stg", "-o", "table"], { cwd: dir }).stdout;
    expect(text).toContain("Total executions: 2");

    expect(rocky(["history", "--since", "2999-01-01", "-o", "json"], { cwd: dir }).json()).toMatchObject({
      count: 0,
    });
    expect(rocky(["history", "--since", "2000-01-01", "-o", "json"], { cwd: dir }).json()).toMatchObject({
      count: 2,
    });
    expect(rocky(["history", "--since", "last tuesday"], { cwd: dir }).code).toBe(2);

    const s = rocky(["state", "-o", "json"], { cwd: dir });
    const sj = s.json<{ watermarks: { table: string; last_value: string; value: string }[] }>();
    expectSchemas("state", sj, "state");
    expect(sj.watermarks).toEqual([
      expect.objectContaining({
        table: "main.inc",
        value: "2026-01-03 00:00:00",
        last_value: "2026-01-03T00:00:00Z",
      }),
    ]);
  });

  test("replay shows a run; --sql prints the recorded statements; errors name close ids and models", async () => {
    const dir = await project();
    const run = rocky(["run", "-o", "json"], { cwd: dir }).json<{ run_id: string }>();
    const r = rocky(["replay", "latest", "-o", "json"], { cwd: dir });
    expectOk(r);
    const j = r.json<ReplayJson>();
    expectSchemas("replay", j, "replay");
    expect(j.run_id).toBe(run.run_id);
    expect(j.models.map((m) => m.model_name).sort()).toEqual(["inc", "stg", "total"]);

    const withSql = rocky(["replay", run.run_id, "--model", "total", "--sql", "-o", "json"], {
      cwd: dir,
    }).json<ReplayJson>();
    expect(withSql.models).toHaveLength(1);
    expect(withSql.models[0]!.sql).toEqual([
      'CREATE OR REPLACE TABLE "main"."total" AS\nSELECT sum(amount2) AS total, count(*) AS n FROM "main"."stg"',
    ]);
    const text = rocky(["replay", "latest", "--sql", "-o", "table"], { cwd: dir }).stdout;
    expect(text).toContain('CREATE OR REPLACE TABLE "main"."total" AS');

    const typo = rocky(["replay", run.run_id.replace(/\d$/, (d) => String((Number(d) + 1) % 10))], {
      cwd: dir,
    });
    expectOk(typo, 1);
    expect(typo.stderr).toContain("no run with id");
    expect(typo.stderr).toContain(`did you mean '${run.run_id}'`);
    const noModel = rocky(["replay", "latest", "--model", "totl"], { cwd: dir });
    expectOk(noModel, 1);
    expect(noModel.stderr).toContain(`run '${run.run_id}' did not execute model 'totl'`);
    expect(noModel.stderr).toContain("did you mean 'total'");
  });

  test("history, state and replay without --execute never load DuckDB; run does", async () => {
    const dir = await project();
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    expect(loadsDuckDB(dir, ["history", "-o", "json"])).toBe(false);
    expect(loadsDuckDB(dir, ["state", "-o", "json"])).toBe(false);
    expect(loadsDuckDB(dir, ["replay", "latest", "--sql", "-o", "json"])).toBe(false);
    expect(loadsDuckDB(dir, ["replay", "latest", "--execute", "-o", "json"])).toBe(true);
  });

  test("replay --execute: identical outputs, production untouched, replay schema dropped unless --keep", async () => {
    const dir = await project();
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const before = await sql(dir, "SELECT * FROM main.total");
    // Today's files differ from what ran: replay must use the recorded SQL, not these.
    writeFileSync(join(dir, "models/total.sql"), "SELECT 0 AS total, 0 AS n\n");
    const r = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir });
    expectOk(r);
    const j = r.json<ReplayJson>();
    expectSchemas("replay", j, "replay");
    expect(verdicts(j)).toEqual({ stg: "identical", total: "identical", inc: "identical" });
    expect(j.execute).toMatchObject({ identical: 3, diverged: 0, not_comparable: 0, kept: false });
    expect(await sql(dir, "SELECT * FROM main.total")).toEqual(before);
    expect(await tables(dir, j.execute!.schema)).toEqual([]);

    const kept = rocky(["replay", "latest", "--execute", "--keep", "-o", "json"], {
      cwd: dir,
    }).json<ReplayJson>();
    expect(await tables(dir, kept.execute!.schema)).toEqual(["inc", "stg", "total"]);
    expect(await sql(dir, `SELECT * FROM "${kept.execute!.schema}".total`)).toEqual(before);
    expect(rocky(["replay", "latest", "--keep"], { cwd: dir }).code).toBe(2);
  });

  test("replay --execute: a changed input is not_comparable with the reason; an append is not_comparable", async () => {
    const dir = await project();
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    await sql(dir, "INSERT INTO raw.orders VALUES (3, 30.0, TIMESTAMP '2026-01-03 00:00:00')");
    const r = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir });
    expectOk(r);
    const j = r.json<ReplayJson>();
    expect(verdicts(j)).toEqual({ stg: "not_comparable", total: "not_comparable", inc: "not_comparable" });
    const stg = j.models.find((m) => m.model_name === "stg")!;
    expect(stg.replay!.reason).toBe('input "raw"."orders" changed since the run (2 rows then, 3 now)');
    expect(j.models.find((m) => m.model_name === "total")!.replay!.reason).toContain(
      "did not replay identically",
    );

    // A second run appends to inc: replaying an append needs the table's earlier contents.
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const again = rocky(["replay", "latest", "--execute", "--model", "inc", "-o", "json"], {
      cwd: dir,
    }).json<ReplayJson>();
    expect(again.models[0]!.replay).toMatchObject({ verdict: "not_comparable" });
    expect(again.models[0]!.replay!.reason).toContain(
      "incremental run added to the table's earlier contents",
    );
  });

  test("replay --execute: same inputs but a different result is diverged, exit 1", async () => {
    const dir = await project();
    const run = rocky(["run", "-o", "json"], { cwd: dir }).json<{ run_id: string }>();
    // Simulate a warehouse that produced something else at run time: the recorded fingerprint differs.
    const db = new Database(join(dir, ".rocky-state.db"));
    db.query("UPDATE model_runs SET fingerprint_hash = '123' WHERE run_id = ? AND model_name = 'total'").run(
      run.run_id,
    );
    db.close();
    const r = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir });
    expectOk(r, 1);
    const j = r.json<ReplayJson>();
    expect(verdicts(j)).toEqual({ stg: "identical", total: "diverged", inc: "identical" });
    expect(j.models.find((m) => m.model_name === "total")!.replay!.reason).toBe(
      "same row count, different content, from the same inputs",
    );
    const text = rocky(["replay", "latest", "--execute", "-o", "table"], { cwd: dir });
    expect(text.stdout).toContain("replay: diverged");
    expect(text.stdout).toMatch(/2 identical, 1 diverged, 0 not comparable/);
  });

  test("with fingerprints = false nothing is hashed at run time, and replay says it cannot compare", () => {
    const dir = makeProject({ "models/m.sql": "SELECT 1 AS x\n" }, "fingerprints = false\n");
    const run = rocky(["run", "-o", "json"], { cwd: dir });
    expectOk(run);
    expect(run.json<{ models: { fingerprint: unknown }[] }>().models[0]!.fingerprint).toBeNull();
    const j = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir }).json<ReplayJson>();
    expect(j.models[0]!.replay).toEqual(
      expect.objectContaining({
        verdict: "not_comparable",
        reason: expect.stringContaining("no fingerprint was recorded"),
      }),
    );
  });

  test("a non-deterministic model that differs on replay is not_comparable, naming the function", async () => {
    const dir = makeProject({ "models/noisy.sql": "SELECT random() AS r FROM range(5)\n" });
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    const j = rocky(["replay", "latest", "--execute", "-o", "json"], { cwd: dir }).json<ReplayJson>();
    expect(j.models[0]!.replay).toEqual(
      expect.objectContaining({
        verdict: "not_comparable",
        reason: "the query uses a non-deterministic function (random)",
      }),
    );
  });
});
