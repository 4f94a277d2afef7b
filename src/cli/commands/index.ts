import type { CommandDef } from "citty";

/**
 * Every top-level command, loaded lazily so that start-up only pays for the
 * command that runs (no DuckDB or SDK for `--version`, `history`, ...).
 */
export interface CommandEntry {
  description: string;
  load: () => Promise<CommandDef>;
}

// Each module's default export is a citty command; its typed args make it a CommandDef subtype.
const lazy = (p: Promise<{ default: unknown }>) => p.then((m) => m.default as CommandDef);

export const commands: Record<string, CommandEntry> = {
  init: { description: "Create a new rocky project", load: () => lazy(import("./init.ts")) },
  playground: {
    description: "Create a sample DuckDB project to try rocky",
    load: () => lazy(import("./playground.ts")),
  },
  validate: {
    description: "Check rocky.toml and the models without a warehouse",
    load: () => lazy(import("./validate.ts")),
  },
  compile: {
    description: "Load, resolve and analyse every model; report diagnostics",
    load: () => lazy(import("./compile.ts")),
  },
  lineage: {
    description: "Column-level lineage of a model or column",
    load: () => lazy(import("./lineage.ts")),
  },
  diff: {
    description: "What a change breaks: compare with a git revision, column by column",
    load: () => lazy(import("./diff.ts")),
  },
  dag: { description: "Print the model DAG and its execution layers", load: () => lazy(import("./dag.ts")) },
  run: { description: "Execute models on the warehouse", load: () => lazy(import("./run.ts")) },
  test: {
    description: "Run the models' data tests on the built tables",
    load: () => lazy(import("./test.ts")),
  },
  history: { description: "Past runs, or one model's executions", load: () => lazy(import("./history.ts")) },
  state: { description: "Stored watermarks of incremental models", load: () => lazy(import("./state.ts")) },
  replay: {
    description: "Show, or re-execute, exactly what a run did",
    load: () => lazy(import("./replay.ts")),
  },
  branch: {
    description: "Named virtual branches: create, run, compare, promote",
    load: () => lazy(import("./branch.ts")),
  },
  adapters: { description: "List built-in and project adapters", load: () => lazy(import("./adapters.ts")) },
  "test-adapter": {
    description: "Run the adapter conformance suite against a warehouse",
    load: () => lazy(import("./test-adapter.ts")),
  },
  catalog: {
    description: "The project's assets, columns and column edges as JSON or Parquet, for other tools",
    load: () => lazy(import("./catalog.ts")),
  },
  show: {
    description: "The first rows of a model's built table",
    load: () => lazy(import("./show.ts")),
  },
  seed: {
    description: "Load the CSVs of seeds/ as tables",
    load: () => lazy(import("./seed.ts")),
  },
  docs: {
    description: "Write a self-contained static docs site of the project",
    load: () => lazy(import("./docs.ts")),
  },
  doctor: {
    description: "Check config, adapters, state file and paths before a run",
    load: () => lazy(import("./doctor.ts")),
  },
  "export-schemas": {
    description: "Write the JSON Schemas of every JSON output",
    load: () => lazy(import("./export-schemas.ts")),
  },
};
