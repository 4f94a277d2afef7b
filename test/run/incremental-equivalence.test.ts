/**
 * An incremental result must equal a full rebuild on the same data (issue 9). Each
 * strategy runs five rounds of new, late and overlapping data; after every round the
 * target is compared with the model's query evaluated directly by DuckDB (the
 * independent truth), as a multiset of rows.
 */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectOk, makeProject, sql } from "./project.ts";

const SEED = `CREATE SCHEMA raw;
CREATE TABLE raw.orders (id INTEGER, day DATE, amount INTEGER, loaded_at TIMESTAMP);
INSERT INTO raw.orders SELECT i, DATE '2026-01-01' + CAST(i % 4 AS INTEGER), 10, TIMESTAMP '2026-01-05 00:00:00' FROM range(25) t(i)`;

/** Five loads after the first build: each a batch with its own load time. */
const ROUNDS = [
  // New rows for the last, partly loaded day.
  `INSERT INTO raw.orders SELECT 100 + i, DATE '2026-01-04', 10, TIMESTAMP '2026-01-06 00:00:00' FROM range(15) t(i)`,
  // Late data: events of the first day, loaded now.
  `INSERT INTO raw.orders SELECT 200 + i, DATE '2026-01-01', 7, TIMESTAMP '2026-01-07 00:00:00' FROM range(5) t(i)`,
  // Overlapping: a second batch carrying the same load time as the last one.
  `INSERT INTO raw.orders SELECT 300 + i, DATE '2026-01-02', 3, TIMESTAMP '2026-01-07 00:00:00' FROM range(4) t(i)`,
  // A new day and more rows for every day.
  `INSERT INTO raw.orders SELECT 400 + i, DATE '2026-01-01' + CAST(i % 5 AS INTEGER), 1, TIMESTAMP '2026-01-08 00:00:00' FROM range(10) t(i)`,
  // Nothing new.
  "",
];

const ROWS = "SELECT id, day, amount, loaded_at FROM raw.orders";
const BY_DAY =
  "SELECT day, count(*) AS n, sum(amount) AS total, max(loaded_at) AS loaded_until FROM raw.orders GROUP BY day";

const CASES: { name: string; select: string; toml: string }[] = [
  {
    name: "incremental, row-level, no key",
    select: ROWS,
    toml: '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_at"\n',
  },
  {
    name: "incremental aggregate with unique_key",
    select: BY_DAY,
    toml: '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_until"\nunique_key = ["day"]\n',
  },
  {
    name: "merge by key",
    select: BY_DAY,
    toml: '[strategy]\ntype = "merge"\nunique_key = ["day"]\n',
  },
  {
    name: "delete_insert by partition",
    select: BY_DAY,
    toml: '[strategy]\ntype = "delete_insert"\npartition_by = ["day"]\n',
  },
];

const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe("incremental strategies equal a full rebuild over five rounds", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const dir = makeProject({ "models/out.sql": `${c.select}\n`, "models/out.toml": c.toml });
      await sql(dir, SEED);
      expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
      for (const [i, load] of ROUNDS.entries()) {
        if (load) await sql(dir, load);
        expectOk(rocky(["run", "-o", "json"], { cwd: dir }));
        const got = await sql(dir, "SELECT * FROM main.out");
        const want = await sql(dir, c.select);
        expect({ round: i + 1, rows: sorted(got) }).toEqual({ round: i + 1, rows: sorted(want) });
      }
    });
  }

  test("the issue's example: a partly loaded day is replaced, not counted twice (total 560, not 680)", async () => {
    const dir = makeProject({
      "models/daily.sql":
        "SELECT day, count(*) AS n, sum(amount) AS total, max(loaded_at) AS loaded_until FROM raw.orders GROUP BY day\n",
      "models/daily.toml":
        '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_until"\nunique_key = ["day"]\n',
    });
    await sql(
      dir,
      `CREATE SCHEMA raw;
CREATE TABLE raw.orders AS SELECT DATE '2026-01-01' + CAST(i % 4 AS INTEGER) AS day, 20 AS amount, TIMESTAMP '2026-01-05 00:00:00' AS loaded_at FROM range(25) t(i)`,
    );
    expectOk(rocky(["run"], { cwd: dir }));
    await sql(
      dir,
      "INSERT INTO raw.orders SELECT DATE '2026-01-04', 4, TIMESTAMP '2026-01-06 00:00:00' FROM range(15) t(i)",
    );
    expectOk(rocky(["run"], { cwd: dir }));
    expect(await sql(dir, "SELECT count(*), sum(total), sum(n) FROM main.daily")).toEqual([[4, 560, 40]]);
  });

  test("an incremental aggregate without unique_key is a compile error naming the key to declare; no SQL runs", async () => {
    const dir = makeProject({
      "models/daily.sql": `${BY_DAY}\n`,
      "models/daily.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_until"\n',
    });
    await sql(dir, SEED);
    const c = rocky(["compile", "-o", "table"], { cwd: dir });
    expect(c.code).toBe(1);
    expect(c.stdout + c.stderr).toContain(
      "models/daily.toml:2:1 E040 incremental model 'daily' aggregates (GROUP BY) but declares no unique_key",
    );
    expect(c.stdout + c.stderr).toContain('unique_key = ["day"]');
    const r = rocky(["run"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no SQL was run");
    expect(
      await sql(dir, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'daily'"),
    ).toEqual([[0]]);
  });

  test("a strategy column the model does not output is a compile error with did-you-mean", () => {
    const dir = makeProject({
      "models/out.sql": `${ROWS}\n`,
      "models/out.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded"\n',
    });
    const c = rocky(["compile", "-o", "json"], { cwd: dir });
    expect(c.code).toBe(1);
    const d = c.json<{ diagnostics: { code: string; message: string; suggestion: string }[] }>().diagnostics;
    expect(d).toContainEqual(
      expect.objectContaining({
        code: "E041",
        message:
          "model 'out': [strategy] timestamp_column names 'loaded', which the model does not output (its columns: id, day, amount, loaded_at)",
        suggestion: "did you mean 'loaded_at'?",
      }),
    );
  });

  test("an in-place update whose model changed its columns is refused before writing; --full-refresh rebuilds", async () => {
    const dir = makeProject({
      "models/out.sql": `${ROWS}\n`,
      "models/out.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_at"\n',
    });
    await sql(dir, SEED);
    expectOk(rocky(["run"], { cwd: dir }));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`${dir}/models/out.sql`, "SELECT id, amount, loaded_at, 1 AS extra FROM raw.orders\n");
    const r = rocky(["run", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const m = r.json<{ models: { status: string; error: string }[] }>().models[0]!;
    expect(m.status).toBe("failed");
    expect(m.error).toContain("model 'out' adds 1 column (extra) and drops 1 column (day)");
    expect(await sql(dir, "SELECT count(*) FROM main.out")).toEqual([[25]]);
    expectOk(rocky(["run", "--full-refresh"], { cwd: dir }));
    expect(await sql(dir, "SELECT count(*) FROM main.out WHERE extra = 1")).toEqual([[25]]);
  });
});

test("an incremental model with a window function gets W042, and still runs", () => {
  const dir = makeProject({
    "models/ranked.sql":
      "SELECT id, loaded_at, count(*) OVER (PARTITION BY day) AS per_day FROM raw.orders\n",
    "models/ranked.toml": '[strategy]\ntype = "incremental"\ntimestamp_column = "loaded_at"\n',
  });
  const c = rocky(["compile", "-o", "json"], { cwd: dir });
  expect(c.code).toBe(0);
  const d = c.json<{ diagnostics: { code: string; severity: string; message: string }[] }>().diagnostics;
  expect(d).toContainEqual(
    expect.objectContaining({
      code: "W042",
      severity: "Warning",
      message: expect.stringContaining(
        "incremental model 'ranked' computes 'per_day' with a window function",
      ),
    }),
  );
});
