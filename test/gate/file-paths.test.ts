/** Issue 18: relative file paths in model SQL mean the project root, from any folder and with -c. */
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectOk, makeProject, sql } from "../run/project.ts";

function csvProject(): string {
  return makeProject({
    "data/people.csv": "id,name\n1,ann\n2,bob\n",
    "models/people.sql": "SELECT id, name FROM read_csv('data/people.csv')\n",
    "models/people_star.sql": "SELECT * FROM read_csv('data/people.csv')\n",
    "models/people_quoted.sql": "SELECT id FROM './data/people.csv'\n",
  });
}

describe("relative paths in model SQL", () => {
  test("rocky run from models/ reads the project's data/", async () => {
    const dir = csvProject();
    const r = rocky(["run", "-o", "json"], { cwd: join(dir, "models") });
    expectOk(r);
    expect(await sql(dir, "SELECT id, name FROM main.people ORDER BY id")).toEqual([
      [1, "ann"],
      [2, "bob"],
    ]);
    expect(await sql(dir, "SELECT count(*) FROM main.people_quoted")).toEqual([[2]]);
  });

  test("rocky -c from another folder reads the project's data/", async () => {
    const dir = csvProject();
    const elsewhere = tempDir("rocky-elsewhere-");
    mkdirSync(join(elsewhere, "data"));
    const r = rocky(["-c", join(dir, "rocky.toml"), "run", "-o", "json"], { cwd: elsewhere });
    expectOk(r);
    expect(await sql(dir, "SELECT count(*) FROM main.people_star")).toEqual([[2]]);
  });

  test("diagnostics name the file and advise listing columns, not declaring [sources.read_csv(…)]", () => {
    const dir = makeProject({
      "data/people.csv": "id,name\n1,ann\n",
      "models/people_star.sql": "SELECT * FROM read_csv('data/people.csv')\n",
      "models/typed.sql": "SELECT p.id FROM read_parquet('data/people.parquet') AS p\n",
      "models/quoted.sql": "SELECT id FROM './data/people.csv'\n",
    });
    const r = rocky(["compile", "-o", "table"], { cwd: join(dir, "models") });
    expectOk(r);
    expect(r.stdout).not.toContain("[sources.read_csv");
    expect(r.stdout).toContain(
      "models/people_star.sql:1:8 W010 cannot expand * over read_csv('data/people.csv'): a file's columns are not known before it is read\n" +
        "  hint: list the columns explicitly, e.g. SELECT col_a, col_b FROM read_csv('data/people.csv'); relative paths are read from the project root (data/people.csv)",
    );
    // read_parquet('…') is a source named by its path, as FROM '…' is: lineage goes on into it.
    expect(r.stdout).not.toContain("W019");
    const typed = rocky(["lineage", "typed", "-o", "json"], { cwd: dir }).json<{
      edges: { source: { model: string; column: string } }[];
    }>();
    expect(typed.edges.map((e) => e.source)).toEqual([{ model: "data/people.parquet", column: "id" }]);
    // A quoted file is not a table whose name is missing from the text.
    expect(r.stdout).not.toContain("W017");
    expect(r.stdout).toContain(
      "✗ people_star (unavailable: cannot expand * over read_csv('data/people.csv')",
    );
    const lineage = rocky(["lineage", "people_star", "-o", "table"], { cwd: dir });
    expect(lineage.stdout).toContain(
      "Columns: unavailable (cannot expand * over read_csv('data/people.csv'): a file's columns are not known before it is read)",
    );
  });

  test("lineage names a file source by its path from the project root, wherever rocky runs", () => {
    const dir = csvProject();
    for (const cwd of [dir, join(dir, "models")]) {
      const j = rocky(["lineage", "people_quoted", "-o", "json"], { cwd }).json<{
        edges: { source: { model: string; column: string } }[];
      }>();
      expect(j.edges.map((e) => e.source)).toEqual([{ model: "data/people.csv", column: "id" }]);
    }
  });
});
