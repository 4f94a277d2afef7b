/** `rocky seed`: CSVs of seeds/ loaded into real DuckDB, typed, and recorded in the state file. */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

describe("rocky seed", () => {
  test("every CSV becomes a table with detected or declared types; one line per seed; recorded as a run", async () => {
    const dir = makeProject({
      "seeds/countries.csv": 'code,name\nFR,France\nDE,"Germany, Federal Republic"\n',
      "seeds/rates.csv": "id,rate,day\n1,0.5,2024-01-02\n2,1.25,2024-01-03\n3,2,2024-01-04\n",
      "seeds/rates.toml": '[columns]\nid = "INTEGER"\nrate = "DECIMAL(6,2)"\nday = "DATE"\n',
      "models/uses.sql": "SELECT count(*) AS n FROM countries\n",
    });
    const t = rocky(["seed", "-o", "table"], { cwd: dir });
    expectOk(t);
    expect(t.stdout).toMatch(/✓ "warehouse"\."main"\."countries" +2 rows/);
    expect(t.stdout).toMatch(/✓ "warehouse"\."main"\."rates" +3 rows/);
    expect(t.stdout).toMatch(/Seeded 2 tables \(run run-/);

    expect(await sql(dir, "SELECT * FROM countries ORDER BY code")).toEqual([
      ["DE", "Germany, Federal Republic"],
      ["FR", "France"],
    ]);
    expect(
      await sql(
        dir,
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'rates' ORDER BY ordinal_position",
      ),
    ).toEqual([
      ["id", "INTEGER"],
      ["rate", "DECIMAL(6,2)"],
      ["day", "DATE"],
    ]);

    // Again, as JSON: tables are replaced, not appended to.
    const j = rocky(["seed", "-o", "json"], { cwd: dir });
    expectOk(j);
    const out = j.json<{ run_id: string; seeds: { name: string; rows: number; columns: unknown[] }[] }>();
    expectOurSchema("seed", out);
    expect(out.seeds.map((s) => [s.name, s.rows])).toEqual([
      ["countries", 2],
      ["rates", 3],
    ]);
    expect(out.seeds[1]!.columns).toEqual([
      { name: "id", type: "INTEGER" },
      { name: "rate", type: "DECIMAL(6,2)" },
      { name: "day", type: "DATE" },
    ]);

    const db = new Database(join(dir, ".rocky-state.db"), { readonly: true });
    const runs = db.query("SELECT command, status FROM runs WHERE run_id = ?").all(out.run_id);
    const models = db
      .query(
        "SELECT model_name, strategy, status, rows_affected FROM model_runs WHERE run_id = ? ORDER BY seq",
      )
      .all(out.run_id);
    db.close();
    expect(runs).toEqual([{ command: "seed", status: "success" }]);
    expect(models).toEqual([
      { model_name: "countries", strategy: "seed", status: "success", rows_affected: 2 },
      { model_name: "rates", strategy: "seed", status: "success", rows_affected: 3 },
    ]);
    // A model reading a seed runs on it.
    expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
    expect(await sql(dir, "SELECT n FROM uses")).toEqual([[2]]);
  }, 60_000);

  test("a ragged row, or a value not of the declared type, names the file and line", () => {
    const ragged = makeProject({ "seeds/a.csv": "id,name\n1,x\n2,y,extra\n" });
    const r = rocky(["seed"], { cwd: ragged });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("seed seeds/a.csv:3: 3 fields, the header has 2");

    const typed = makeProject({
      "seeds/b.csv": "id\n1\n2\nnope\n",
      "seeds/b.toml": '[columns]\nid = "INTEGER"\n',
    });
    const t = rocky(["seed"], { cwd: typed });
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("seed seeds/b.csv:4:");
    expect(t.stderr).toContain('Could not convert string "nope"');
  }, 60_000);

  test("no seeds folder: one clear error with what to do", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n" });
    const r = rocky(["seed"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no seeds: seeds has no .csv files");
    expect(r.stderr).toContain("hint: put CSV files with a header row in seeds/ beside rocky.toml");
  });
});
