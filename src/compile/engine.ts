/** The SQL front end the compile pipeline drives, and the real one (loaded lazily). */
import type { ColumnsOf, ModelAnalysis, SqlDialect } from "../sql/types.ts";

/** The SQL front end compile needs: batch parse, then one analysis per model. */
export interface SqlEngine<P = unknown> {
  /** `dialects[i]`: the dialect of `sqls[i]` (undefined: DuckDB). */
  parseMany(sqls: string[], dialects?: (SqlDialect | undefined)[]): Promise<P[]>;
  /** Optional: every model about to be parsed, once, before the first parseMany. */
  prepare?(sqls: string[], dialects: (SqlDialect | undefined)[]): void;
  analyze(sql: string, parsed: P, columnsOf: ColumnsOf, dialect?: SqlDialect): ModelAnalysis;
  close(): void | Promise<void>;
}

/** The real front end, loaded on first use so a fully cached compile never starts the parser. */
export async function defaultEngine(): Promise<SqlEngine> {
  const [{ createSqlParser }, { dialectParser }, { analyzeInDialect }] = await Promise.all([
    import("../sql/parse.ts"),
    import("../sql/dialect.ts"),
    import("../sql/dialect-analysis.ts"),
  ]);
  // Models in other dialects go through dialect.ts, which loads polyglot only when one needs it.
  const parser = dialectParser(await createSqlParser());
  return {
    parseMany: (sqls, dialects) => parser.parseMany(sqls, dialects),
    prepare: (sqls, dialects) => parser.prepare(sqls, dialects),
    analyze: (sql, parsed, columnsOf, dialect) => analyzeInDialect(sql, parsed as never, columnsOf, dialect),
    close: () => parser.close(),
  };
}
