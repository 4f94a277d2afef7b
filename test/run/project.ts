/** Test projects on a real DuckDB file and a real state file, in a temp folder. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { tempDir } from "../helpers/cli.ts";

export const WAREHOUSE = "warehouse.duckdb";

/** Write rocky.toml (DuckDB at warehouse.duckdb) plus `files` (paths relative to the project). */
export function makeProject(files: Record<string, string>, extraToml = ""): string {
  const dir = tempDir("rocky-run-");
  writeFileSync(
    join(dir, "rocky.toml"),
    `[project]\nname = "t"\n\n[adapter]\ntype = "duckdb"\npath = "${WAREHOUSE}"\nthreads = 2\n${extraToml}`,
  );
  for (const [path, text] of Object.entries(files)) {
    const p = join(dir, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const plain = (v: unknown): unknown =>
  typeof v === "bigint" ? Number(v) : v instanceof Date ? v.toISOString() : v;

/** Run SQL against the project's warehouse file (opened only for the call, so rocky can open it next). */
export async function sql(dir: string, text: string): Promise<unknown[][]> {
  const inst = await DuckDBInstance.create(join(dir, WAREHOUSE));
  const conn = await inst.connect();
  try {
    let rows: unknown[][] = [];
    for (const stmt of text.split(/;\s*\n/).filter((s) => s.trim().length > 0)) {
      const r = await conn.runAndReadAll(stmt);
      rows = r.getRowsJS().map((row) => row.map(plain));
    }
    return rows;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

/** Table names of a schema in the warehouse. */
export async function tables(dir: string, schema: string): Promise<string[]> {
  const rows = await sql(
    dir,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`,
  );
  return rows.map((r) => String(r[0]));
}

/** Assert a CLI call succeeded, showing its stderr when it did not. */
export function expectOk(r: { code: number; stderr: string; stdout: string }, code = 0): void {
  if (r.code !== code)
    throw new Error(
      `exit ${r.code} (expected ${code})\nstderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 3000)}`,
    );
}
