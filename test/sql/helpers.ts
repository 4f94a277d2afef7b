import { afterAll, beforeAll } from "bun:test";
import { analyzeModel } from "../../src/sql/lineage.ts";
import { createSqlParser } from "../../src/sql/parse.ts";
import { renderTransform } from "../../src/sql/transform.ts";
import type { ModelAnalysis, OutputColumn, SqlParser } from "../../src/sql/types.ts";

/** One DuckDB parser per test file. */
export function useParser(): () => SqlParser {
  let parser: SqlParser | undefined;
  beforeAll(async () => {
    parser = await createSqlParser();
  });
  afterAll(() => parser?.close());
  return () => {
    if (!parser) throw new Error("parser not ready");
    return parser;
  };
}

/** Known table columns, keyed by the dotted name as referenced. */
export type Schemas = Record<string, string[]>;

export async function analyze(parser: SqlParser, sql: string, schemas: Schemas = {}): Promise<ModelAnalysis> {
  const [parsed] = await parser.parseMany([sql]);
  if (!parsed) throw new Error("no parse result");
  return analyzeModel(sql, parsed, (table) => schemas[table.join(".")]);
}

/** `name <- t.a, u.b [transform]`: one line per output column, easy to compare by eye. */
export function describeColumn(column: OutputColumn): string {
  const sources = column.sources.map((s) => `${s.table.join(".")}.${s.column}`).join(", ");
  return `${column.name} <- ${sources || "()"} [${renderTransform(column.transform)}]`;
}

export async function lineage(parser: SqlParser, sql: string, schemas: Schemas = {}): Promise<string[]> {
  const analysis = await analyze(parser, sql, schemas);
  if (!analysis.columns) {
    throw new Error(
      `columns unavailable: ${analysis.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`,
    );
  }
  return analysis.columns.map(describeColumn);
}

export function codes(analysis: ModelAnalysis): string[] {
  return analysis.diagnostics.map((d) => d.code);
}
