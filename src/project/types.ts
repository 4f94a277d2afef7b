import type { LoadedConfig } from "../config/load.ts";

export type { Strategy, StrategyType } from "./strategy.ts";
import type { Strategy } from "./strategy.ts";
import type { Contract } from "./contract.ts";

/** SQL dialects a model can be written in (SPEC §14). */
export const DIALECTS = ["duckdb", "snowflake", "bigquery", "databricks"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Where a model is written. Catalog/schema absent means the adapter's default (DuckDB: the database, `main`). */
export interface ModelTarget {
  catalog?: string;
  schema?: string;
  table: string;
}

/** A `[[tests]]` entry as written (checked and normalised by src/testing/definitions.ts). */
export interface ModelTest {
  type?: unknown;
  column?: unknown;
  [key: string]: unknown;
}

export interface Model {
  name: string;
  /** Absolute path of the .sql file. */
  file: string;
  /** Path relative to the project root, for messages. */
  relPath: string;
  /** The SQL exactly as in the file (trimmed of trailing whitespace only; positions stay valid). */
  sql: string;
  target: ModelTarget;
  strategy: Strategy;
  /** `depends_on` from the sidecar, merged later with the references found in the SQL. */
  dependsOn: string[];
  tests: ModelTest[];
  /** The sidecar's `[contract]`, when it has one (src/project/contract.ts). */
  contract?: Contract;
  description?: string;
  /** Selection tags: the sidecar's `tags` and those of every `_defaults.toml` above it. */
  tags?: string[];
  /** The sidecar's `grain`: the columns that identify one row. */
  grain?: string[];
  /** Absolute path of the sidecar, when there is one. */
  sidecar?: string;
  /**
   * The SQL dialect the model is written in: its sidecar's `dialect`, else the type of its
   * adapter (`[adapter] type`). Absent means DuckDB.
   */
  dialect?: Exclude<Dialect, "duckdb">;
}

export interface Project {
  config: LoadedConfig;
  /** Models sorted by name. */
  models: Model[];
  byName: Map<string, Model>;
}
