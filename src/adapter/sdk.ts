/**
 * Everything an adapter may use from rocky, in one module: the contract's types, the
 * error class, retries and redaction, and the standard strategy SQL blocks. Built-in
 * adapters import only this (test/architecture.test.ts enforces it); a project plugin
 * receives the runtime part as its factory's argument (`PluginSdk`), since a compiled
 * binary has no source tree to import from.
 */
export type {
  Adapter,
  AdapterCapabilities,
  AdapterContext,
  AdapterPlugin,
  ColumnInfo,
  Dialect,
  ExecResult,
  Fingerprint,
  QueryResult,
  TableRef,
} from "./types.ts";
export type { MergeSpelling, NameRules, Sql, StrategySql } from "./strategy-sql.ts";
export { mergeStatement, standardStrategySql } from "./strategy-sql.ts";
export type { SeedSql, SeedTypes } from "./seed-sql.ts";
export { standardSeedSql } from "./seed-sql.ts";
export { DEFAULT_RETRY, type RetryPolicy, withRetry } from "./retry.ts";
export { redactText } from "../config/env.ts";
export { RockyError } from "../errors.ts";
export type { PluginSdk } from "./loader.ts";
