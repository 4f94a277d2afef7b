/**
 * rocky against real public warehouse SQL it did not write (test/fixtures/dialects,
 * sources in SOURCES.md): each dialect's corpus compiled as one project in that dialect.
 * Asserts how many statements stay unparsed and how much of the hand-checked lineage
 * (expected.json, written by hand from the SQL) comes out exactly. The thresholds are a
 * ratchet at the figures reached (raise them as analysis improves; the target is at most
 * 2% unparsed); the figures are printed on every run.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileProject } from "../../src/compile/compile.ts";
import { loadConfig } from "../../src/config/load.ts";
import { loadProject } from "../../src/project/load.ts";
import { REPO, tempDir } from "../helpers/cli.ts";

const FIXTURES = join(REPO, "test", "fixtures", "dialects");

/** Adapter blocks that validate without secrets or a connection. */
const BLOCK: Record<string, string> = {
  snowflake: 'account = "acme"\nuser = "u"\npassword = "p"\nwarehouse = "wh"\ndatabase = "ANALYTICS"',
  bigquery: 'project_id = "acme-prod"',
  databricks: 'host = "acme.cloud.databricks.com"\nhttp_path = "/sql/1.0/warehouses/x"\ntoken = "t"',
};

/** Ratchet: at most this many unparsed statements, at least this many models/columns exact. */
const FLOOR: Record<string, { maxUnparsed: number; minModels: number; minColumns: number }> = {
  snowflake: { maxUnparsed: 3, minModels: 40, minColumns: 365 },
  bigquery: { maxUnparsed: 3, minModels: 40, minColumns: 209 },
  databricks: { maxUnparsed: 2, minModels: 47, minColumns: 172 },
};

interface Expected {
  columns: Record<string, string[]>;
}

/** BigQuery column names are case-insensitive: compare them folded; tables as written. */
const normalise = (dialect: string, sources: string[]): string =>
  JSON.stringify(
    [
      ...new Set(
        sources.map((s) =>
          dialect === "bigquery" ? s.replace(/\.([^.]+)$/, (_m, c: string) => `.${c.toLowerCase()}`) : s,
        ),
      ),
    ].sort(),
  );

describe("real dialect SQL (test/fixtures/dialects)", () => {
  for (const dialect of Object.keys(FLOOR)) {
    test(`${dialect}: unparsed statements and hand-checked lineage`, async () => {
      const dir = tempDir();
      mkdirSync(join(dir, "models"));
      // sources.toml: tables a corpus's statements read whose columns its source declares.
      const sources = join(FIXTURES, dialect, "sources.toml");
      writeFileSync(
        join(dir, "rocky.toml"),
        `[adapter]\ntype = "${dialect}"\n${BLOCK[dialect]}\n\n${existsSync(sources) ? readFileSync(sources, "utf8") : ""}`,
      );
      const files = readdirSync(join(FIXTURES, dialect)).filter((f) => f.endsWith(".sql"));
      for (const f of files) cpSync(join(FIXTURES, dialect, f), join(dir, "models", f));
      const t0 = performance.now();
      const result = await compileProject(await loadProject(await loadConfig(join(dir, "rocky.toml"))), {
        cache: false,
      });
      const ms = Math.round(performance.now() - t0);
      const unparsed = new Set(result.diagnostics.filter((d) => d.code === "E001").map((d) => d.model));

      const expected = JSON.parse(readFileSync(join(FIXTURES, dialect, "expected.json"), "utf8")) as Record<
        string,
        Expected
      >;
      let models = 0;
      let columns = 0;
      let total = 0;
      const misses: string[] = [];
      for (const [file, want] of Object.entries(expected)) {
        const name = file.replace(/\.sql$/, "");
        const got = new Map(
          (result.models.get(name)?.analysis.columns ?? []).map((c) => [
            c.name,
            c.sources.map((s) => `${s.table.join(".")}.${s.column}`),
          ]),
        );
        let exact = JSON.stringify([...got.keys()]) === JSON.stringify(Object.keys(want.columns));
        for (const [col, sources] of Object.entries(want.columns)) {
          total++;
          const g = got.get(col);
          if (g !== undefined && normalise(dialect, g) === normalise(dialect, sources)) columns++;
          else {
            exact = false;
            misses.push(`${name}.${col}`);
          }
        }
        if (exact) models++;
      }
      const checked = Object.keys(expected).length;
      console.log(
        `dialect corpus ${dialect}: ${files.length} statements, ${unparsed.size} unparsed (${((100 * unparsed.size) / files.length).toFixed(1)}%); ` +
          `hand-checked lineage: ${models}/${checked} models, ${columns}/${total} columns exact; compile ${ms} ms`,
      );
      expect(files.length).toBeGreaterThanOrEqual(150);
      expect(checked).toBeGreaterThanOrEqual(25);
      const floor = FLOOR[dialect]!;
      expect(unparsed.size).toBeLessThanOrEqual(floor.maxUnparsed);
      expect({ models, columns }).toEqual({
        models: Math.max(models, floor.minModels),
        columns: Math.max(columns, floor.minColumns),
      });
    }, 120_000);
  }
});
