import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { fixtureCopy } from "../compile/fixture.ts";

describe("rocky compile", () => {
  let dir: string;
  let clean: string;
  beforeAll(() => {
    dir = fixtureCopy();
    clean = fixtureCopy({ withoutBroken: true });
  });

  test("text: models in topological order, positioned diagnostics, summary; exit 1 on errors", () => {
    const r = rocky(["compile", "-o", "table"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 12)).toEqual([
      '  ✗ broken (unavailable: SQL parse error: syntax error at or near "WHERE")',
      "  ✗ broken_child (unavailable: cannot expand * over broken: its columns are unknown)",
      "  ✗ ext_star (unavailable: cannot expand * over raw.events: its columns are unknown)",
      "  ✓ stg_customers (4 columns)",
      "  ✓ stg_orders (5 columns)",
      "  ✓ all_parties (2 columns)",
      "  ✓ orders_copy (7 columns)",
      "  ✓ stg_payments (3 columns)",
      "  ✓ int_orders_enriched (5 columns)",
      "  ✓ int_customer_totals (3 columns)",
      "  ✓ fct_ranked (4 columns)",
      "  ✓ top_customers (2 columns)",
    ]);
    expect(r.stdout).toContain(
      'models/misc/broken.sql:2:6 E001 SQL parse error: syntax error at or near "WHERE"',
    );
    expect(r.stdout).toContain("  hint: fix model 'broken' first");
    // Warnings: two `*` that cannot expand, two undeclared external tables (W020).
    expect(r.stdout).toMatch(/Compiled: 12 models in 5 layers, 1 error, 4 warnings, 0 info \(\d+ ms\)/);
  });

  test("json: Rocky's compile schema and ours, printed before the error exit", () => {
    const r = rocky(["compile", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const j = r.json<{
      has_errors: boolean;
      models: number;
      execution_layers: number;
      layers: string[][];
      diagnostics: { code: string; span: unknown }[];
      models_detail: {
        name: string;
        columns: string[] | null;
        unavailable?: string;
        target: unknown;
        depends_on: string[];
      }[];
    }>();
    expectSchemas("compile", j, "compile");
    expect(Object.keys(j).slice(0, 2)).toEqual(["version", "command"]);
    expect(j).toMatchObject({ command: "compile", models: 12, execution_layers: 5, has_errors: true });
    expect(j.layers[0]).toEqual(["broken", "ext_star", "stg_customers", "stg_orders", "stg_payments"]);
    const detail = Object.fromEntries(j.models_detail.map((m) => [m.name, m]));
    expect(detail.fct_ranked).toMatchObject({
      columns: ["customer_id", "total", "rnk", "running"],
      target: { catalog: "lineage", schema: "marts", table: "fct_ranked" },
      depends_on: ["int_customer_totals"],
    });
    expect(detail.stg_orders!.target).toEqual({ catalog: "lineage", schema: "main", table: "stg_orders" });
    expect(detail.broken).toMatchObject({ columns: null });
    expect(detail.broken!.unavailable).toContain("syntax error");
    expect(j.diagnostics.find((d) => d.code === "E001")!.span).toEqual({
      file: "models/misc/broken.sql",
      line: 2,
      col: 6,
    });
  });

  test("a clean project exits 0; --model narrows the report", () => {
    const all = rocky(["compile", "-o", "table"], { cwd: clean });
    expect(all.code).toBe(0);
    // The one warning: raw.payments is read undeclared, on purpose (W020).
    expect(all.stdout).toContain("models/staging/stg_payments.sql:3:6 W020 table raw.payments");
    expect(all.stdout).toMatch(/Compiled: 9 models in 5 layers, 0 errors, 1 warning, 0 info/);
    const one = rocky(["compile", "--model", "fct_ranked", "-o", "json"], { cwd: clean });
    expect(one.code).toBe(0);
    const j = one.json<{ models: number; models_detail: { name: string }[] }>();
    expectSchemas("compile", j, "compile");
    expect(j.models).toBe(9);
    expect(j.models_detail.map((m) => m.name)).toEqual(["fct_ranked"]);
  });

  test("--model with an unknown name suggests close ones", () => {
    const r = rocky(["compile", "--model", "fct_rankd"], { cwd: clean });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: no model named 'fct_rankd'\nhint: did you mean 'fct_ranked'?\n");
    expect(expectJsonError(r, "not_found", "compile").hint).toBe("did you mean 'fct_ranked'?");
  });

  test("a warm compile answers from the cache", () => {
    rocky(["compile", "-o", "json"], { cwd: clean });
    const j = rocky(["compile", "-o", "json"], { cwd: clean }).json<{
      cache: { hits: number; misses: number };
    }>();
    expect(j.cache).toEqual({ hits: 9, misses: 0 });
    const off = rocky(["compile", "--no-cache", "-o", "json"], { cwd: clean }).json<{
      cache: { misses: number };
    }>();
    expect(off.cache.misses).toBe(9);
  });
});

describe("rocky compile: large payloads", () => {
  test("a JSON payload larger than a pipe buffer arrives whole", () => {
    const dir = tempDir("rocky-big-");
    mkdirSync(join(dir, "models"));
    writeFileSync(join(dir, "rocky.toml"), '[adapter]\ntype = "duckdb"\n');
    const cols = Array.from({ length: 12 }, (_, i) => `col_${i}`);
    for (let i = 0; i < 200; i++) {
      writeFileSync(join(dir, "models", `m_${i}.sql`), `SELECT ${cols.join(", ")} FROM raw.t_${i}\n`);
    }
    // A reader that starts late, as an orchestrator busy elsewhere does: the pipe fills up.
    const p = Bun.spawnSync(
      [
        "sh",
        "-c",
        `"${process.execPath}" "${join(REPO, "src", "cli", "main.ts")}" compile -o json | (sleep 1; cat)`,
      ],
      {
        cwd: dir,
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const out = p.stdout.toString();
    expect(out.length).toBeGreaterThan(2 * 65_536);
    expect(JSON.parse(out).models).toBe(200);
  });
});
