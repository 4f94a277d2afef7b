/**
 * A promote stays replayable after its branch is deleted: the promote recorded which branch
 * run built each table it copied, and `replay --execute` rebuilds the table from that run's
 * SQL (the branch tables themselves are gone).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { expectSchemas } from "../helpers/schema.ts";
import { catalog, duck, ok, writeFiles } from "../branch/helpers.ts";

interface Replay {
  scope: string;
  models: {
    model_name: string;
    status: string;
    reads: { table: string; from: string; built_by?: { run_id: string; sql_hash: string } }[];
    sql?: string[];
    replay?: { verdict: string; reason: string | null; error: string | null };
  }[];
  execute?: { identical: number; diverged: number; not_comparable: number };
}

describe("replay of a dropped branch's promote", () => {
  test("shows and re-executes after 'branch delete --drop'", async () => {
    const dir = tempDir("rocky-replay-dropped-");
    writeFiles(dir, {
      "rocky.toml":
        '[adapter]\ntype = "duckdb"\npath = "wh.duckdb"\n\n[sources.raw.orders]\ncolumns = ["id", "amount"]\n',
      "models/stg.sql": "SELECT id, amount FROM raw.orders\n",
      "models/total.sql": "SELECT sum(amount) AS total, count(*) AS n FROM stg\n",
    });
    const wh = join(dir, "wh.duckdb");
    await duck(
      wh,
      "CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT i AS id, i * 1.5 AS amount FROM range(1, 101) t(i)",
    );
    ok(["run"], dir);
    ok(["branch", "create", "fix"], dir);
    writeFiles(dir, { "models/stg.sql": "SELECT id, amount * 2 AS amount FROM raw.orders\n" });
    const branchRun = ok(["run", "--branch", "fix"], dir).json<{ run_id: string }>().run_id;
    const promote = ok(["branch", "promote", "fix"], dir).json<{ run_id: string }>().run_id;
    ok(["branch", "delete", "fix", "--drop"], dir);
    expect((await catalog(wh)).filter((o) => o.startsWith("branch__"))).toEqual([]);

    // Shown from the state alone, with the branch run that built each promoted table.
    const shown = ok(["replay", promote, "--sql"], dir).json<Replay>();
    expectSchemas("replay", shown, "replay");
    expect(shown.scope).toBe("promote:fix");
    expect(shown.models.map((m) => [m.model_name, m.status, m.reads[0]?.built_by?.run_id])).toEqual([
      ["stg", "success", branchRun],
      ["total", "success", branchRun],
    ]);

    // Executed: each table rebuilt from its branch build, identical to what production received.
    const r = ok(["replay", promote, "--execute"], dir).json<Replay>();
    expectSchemas("replay", r, "replay");
    expect(r.models.map((m) => [m.model_name, m.replay?.verdict, m.replay?.error ?? null])).toEqual([
      ["stg", "identical", null],
      ["total", "identical", null],
    ]);
    expect(r.execute).toMatchObject({ identical: 2, diverged: 0, not_comparable: 0 });
    // Nothing left behind (the promote's backups aside), production untouched.
    expect((await catalog(wh)).filter((o) => !o.includes("__rocky_backup_"))).toEqual([
      "main.stg (table)",
      "main.total (table)",
      "raw.orders (table)",
    ]);
    expect(await duck(wh, "SELECT CAST(total AS DOUBLE) AS total, n FROM main.total")).toEqual([
      { total: 15150, n: 100 },
    ]);
  });
});
