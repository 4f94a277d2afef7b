/**
 * docs/configuration.md from scripts/docs/configuration.template.md: every
 * `<!-- keys: NAME -->` line becomes a table of the keys of that valibot schema (type,
 * required, default, description), so the reference cannot drift from what rocky
 * accepts. Descriptions come from the doc comment above a key in the schema's source
 * file, else from the `descriptions` of its SCHEMAS entry; a key with neither stops the script.
 *
 *   bun scripts/docs.ts          write docs/configuration.md  (npm run docs)
 *   bun scripts/docs.ts --check  exit 1 when it is stale (test/docs.test.ts does the same)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BigQueryConfigSchema } from "../adapters/bigquery/config.ts";
import { DatabricksConfigSchema } from "../adapters/databricks/config.ts";
import { DuckDBConfigSchema } from "../adapters/duckdb/config.ts";
import { SnowflakeConfigSchema } from "../adapters/snowflake/config.ts";
import { STRATEGY_TYPES, strategyExample } from "../src/config/explain.ts";
import {
  AdapterConfigSchema,
  ProjectSectionSchema,
  RockyTomlSchema,
  SourceColumnSchema,
  StateConfigSchema,
  BranchConfigSchema,
  OpenLineageConfigSchema,
} from "../src/config/schema.ts";
import { DefaultsSchema, SidecarSchema, TargetSchema } from "../src/project/load.ts";
import { SeedSidecarSchema } from "../src/seed/seed.ts";
import { ContractColumnSchema, ContractSchema } from "../src/project/contract.ts";
import { TEST_SCHEMAS, TEST_TYPES } from "../src/testing/definitions.ts";

/** The keys shared by the test types, described once. */
const TEST_KEYS: Record<string, string> = {
  type: "the kind of test",
  column: "the column it checks",
  columns: "the columns whose combination it checks",
  kind: "Rocky 1.10's composite test kind: only `unique`",
  values: "the values the column may hold (NULL passes)",
  to: "`model.column` (or `source.table.column`) the column must reference; or to_table + to_column",
  to_table: "the model or declared source the column references",
  to_column: "the referenced column",
  expression: "a boolean SQL expression every row must satisfy (NULL passes)",
  min: "the least number of rows",
  max: "the most rows",
  sql: "a query returning the failing rows; `{{ this }}` stands for the model's table",
  severity: "`error` (default) fails the model and stops its publish; `warn` (or `warning`) is reported only",
  where: "a SQL condition limiting the rows tested",
  filter: "Rocky 1.10's name for `where`",
  name: "a label shown instead of the generated one",
  description: "what the test guards",
};
import { StrategySchema } from "../src/project/strategy.ts";

const REPO = join(import.meta.dir, "..");
export const TEMPLATE = join(REPO, "scripts", "docs", "configuration.template.md");
export const OUTPUT = join(REPO, "docs", "configuration.md");

/** The parts of a valibot schema object read here. */
interface Node {
  type: string;
  kind?: string;
  entries?: Record<string, Node>;
  wrapped?: Node;
  default?: unknown;
  options?: (Node | string)[];
  item?: Node;
  value?: Node;
  literal?: unknown;
  key?: string;
  pipe?: Node[];
  requirement?: unknown;
  message?: unknown;
}

interface Documented {
  schema: unknown;
  /** The file whose doc comments describe the keys. */
  source?: string;
  /** Key → description, for keys without a doc comment. */
  descriptions?: Record<string, string>;
}

const strategyOption = (type: string): unknown =>
  (StrategySchema as unknown as Node).options!.find((o) => (o as Node).entries?.type?.literal === type);

/** Every table the template can ask for. */
export const SCHEMAS: Record<string, Documented> = {
  "rocky.toml": {
    schema: RockyTomlSchema,
    descriptions: {
      project: "the project: its name and where the models are (`[project]`, below)",
      adapter: "the warehouse: `[adapter]`, or several `[adapter.<name>]` tables (below)",
      state: "the state store (`[state]`, below)",
      branch: "branch lifecycle defaults: expiry and promote backups (`[branch]`, below)",
      openlineage: "where `rocky run` sends OpenLineage events by default (`[openlineage]`, below)",
      sources: "external tables with declared columns, `[sources.<schema>.<table>]` (below)",
      pipeline: "Rocky 1.10 pipelines: accepted; a transformation pipeline may name the models folder",
      hook: "Rocky 1.10: accepted and ignored",
      cost: "Rocky 1.10: accepted and ignored",
      retry: "Rocky 1.10: accepted and ignored (each adapter has its own retry keys)",
      schema_evolution: "Rocky 1.10: accepted and ignored",
      portability: "Rocky 1.10: accepted and ignored (see `rocky compile --target-dialect`)",
    },
  },
  project: {
    schema: ProjectSectionSchema,
    descriptions: {
      name: "the project's name (default: the folder holding rocky.toml)",
      strict_sources:
        "every table a model reads must be a model or a declared `[sources]` entry; an undeclared one is compile error E020 (default: warning W020)",
      models: "folder of the models, relative to rocky.toml",
      description: "what the project is for",
    },
  },
  state: {
    schema: StateConfigSchema,
    descriptions: {
      path: "the SQLite state file, relative to rocky.toml (`--state-path` overrides it)",
      backend: "where the state lives; only the local SQLite file today",
    },
  },
  branch: {
    schema: BranchConfigSchema,
    source: "src/config/schema.ts",
  },
  openlineage: {
    schema: OpenLineageConfigSchema,
    source: "src/config/schema.ts",
  },
  adapter: {
    schema: AdapterConfigSchema,
    descriptions: {
      type: "the adapter: `duckdb`, `snowflake`, `bigquery`, `databricks`, or a project plugin's name; the other keys are the adapter's own (below)",
    },
  },
  source: {
    schema: docTable({
      columns: [
        "array of columns",
        'the table\'s columns: each a name (`"id"`) or a table (`{ name = "id", type = "BIGINT" }`, keys below)',
      ],
    }),
  },
  "source column": {
    schema: (SourceColumnSchema as unknown as Node).options![1],
    descriptions: {
      name: "column name",
      type: "SQL type, e.g. `DECIMAL(10,2)`; unknown when absent",
      description: "what the column holds",
    },
  },
  duckdb: {
    schema: DuckDBConfigSchema,
    source: "adapters/duckdb/config.ts",
    descriptions: {
      threads: "DuckDB's threads, and models run at once (default: the CPU count, at most 8)",
      memory_limit: 'DuckDB\'s memory limit, e.g. `"4GB"`',
    },
  },
  snowflake: {
    schema: SnowflakeConfigSchema,
    source: "adapters/snowflake/config.ts",
    descriptions: {
      user: "login name",
      private_key: "key-pair login with the PEM text inline (instead of `private_key_path`)",
      private_key_passphrase: "passphrase of an encrypted private key",
      warehouse: "virtual warehouse that runs the queries",
      role: "role to use",
      database: "default database for models without a [target] catalog",
      schema: "default schema for models without a [target] schema",
    },
  },
  bigquery: {
    schema: BigQueryConfigSchema,
    source: "adapters/bigquery/config.ts",
    descriptions: { retry_initial_ms: "first retry delay in milliseconds, doubled each retry" },
  },
  databricks: {
    schema: DatabricksConfigSchema,
    source: "adapters/databricks/config.ts",
    descriptions: {
      client_secret: "the service principal's OAuth secret (with `client_id`)",
      catalog: "default catalog for models without a [target] catalog",
      schema: "default schema for models without a [target] schema",
    },
  },
  seed: {
    schema: SeedSidecarSchema,
    source: "src/seed/seed.ts",
    descriptions: { columns: 'each CSV column\'s type, by DuckDB type name: `name = "TYPE"`' },
  },
  sidecar: {
    schema: SidecarSchema,
    descriptions: {
      name: "the model's name (default: the file name without `.sql`)",
      description: "what the model holds",
      depends_on: "models this one depends on beyond those its SQL reads",
      target: "where the model is written (`[target]`, below)",
      strategy: "how it is written (`[strategy]`, below; default `full_refresh`)",
      tests: "data tests (`[[tests]]`, below)",
      contract: "the columns the model promises to output (`[contract]`, below)",
      tags: 'selection tags, e.g. `tags = ["finance", "nightly"]` for `--select tag:finance`; added to the `_defaults.toml` ones',
      dialect:
        "the SQL dialect the model is written in, when it differs from its adapter's: `duckdb`, `snowflake`, `bigquery` or `databricks`",
      grain:
        "the columns that identify one row; `rocky branch compare` matches rows on them when the model has no `unique_key`",
      intent: "Rocky 1.10: accepted, not used",
      adapter: "Rocky 1.10: accepted, not used (a project has one adapter per run)",
      freshness: "Rocky 1.10: accepted, not used",
      sources: "Rocky 1.10: accepted, not used (declare sources in rocky.toml)",
    },
  },
  defaults: {
    schema: DefaultsSchema,
    descriptions: {
      target: "`catalog` and `schema` for every model below (not `table`)",
      strategy: "the strategy of every model below without its own",
      tests: "tests added to every model below (before the model's own)",
      tags: "tags of every model below, added to those of the folders above and the model's own",
      intent: "Rocky 1.10: accepted, not used",
      freshness: "Rocky 1.10: accepted, not used",
    },
  },
  contract: {
    schema: ContractSchema,
    source: "src/project/contract.ts",
    descriptions: {
      columns: "the columns the model outputs, no more and no fewer (`name`, `type`, `nullable`, below)",
      primary_key:
        "a column or columns that identify a row: not null, and the key `branch compare` matches rows on",
      enforce_order: "the output must list the columns in the contract's order (default: any order)",
    },
  },
  "contract column": {
    schema: ContractColumnSchema,
    source: "src/project/contract.ts",
    descriptions: {
      name: "the column's name (case-insensitive)",
      type: "its type; absent: any. Equivalent spellings match (`INT` = `INTEGER`, `STRING` = `VARCHAR`); without parameters (`DECIMAL`) any precision does",
      nullable:
        "`false`: the built rows must have no NULL in it (checked before publishing); default `true` (`false` for a primary key column)",
      not_null: "`true`: the same as `nullable = false`",
      description: "what the column holds",
    },
  },
  target: {
    schema: TargetSchema,
    descriptions: {
      catalog: "catalog (database, GCP project); default: the adapter's",
      schema: "schema (dataset); default: the adapter's",
      table: "table name; default: the model's name",
    },
  },
  ...Object.fromEntries(
    TEST_TYPES.map((t) => [
      `test ${t}`,
      { schema: TEST_SCHEMAS[t], source: "src/testing/definitions.ts", descriptions: TEST_KEYS },
    ]),
  ),
  ...Object.fromEntries(
    STRATEGY_TYPES.map((t) => [
      `strategy ${t}`,
      {
        schema: strategyOption(t),
        source: "src/project/strategy.ts",
        descriptions: {
          type: `\`"${t}"\``,
          timestamp_column:
            "a load-time column: each run re-processes the model's rows at or after the target's own `max(timestamp_column)`",
          unique_key:
            t === "merge"
              ? "columns that identify a row (one row per key): a key already in the table is updated, the others inserted"
              : "columns that identify an output row (an aggregate's GROUP BY columns): re-processed rows replace their old versions by key; without one, by period. An aggregating model must declare it (E040)",
          update_columns: "columns a match updates (default: every column); the others keep their values",
          partition_by: "columns whose values' partitions are deleted and re-inserted",
        },
      },
    ]),
  ),
};

/** A table checked in code rather than by a schema (a source): key → [type, description]. */
function docTable(keys: Record<string, [string, string]>): Node {
  return {
    type: "strict_object",
    entries: Object.fromEntries(
      Object.entries(keys).map(([k, [type, message]]) => [k, { type: "doc", literal: type, message }]),
    ),
  };
}

/** `/** comment *\/` right above `key:` in a schema's source file. */
function docComments(file: string): Map<string, string> {
  const text = readFileSync(join(REPO, file), "utf8");
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g)) {
    const body = m[1]!
      .split("\n")
      .map((l) => l.replace(/^\s*\*\s?/, "").trim())
      .join(" ")
      .trim();
    out.set(m[2]!, body);
  }
  return out;
}

const actions = (s: Node): Node[] => (s.pipe ?? []).filter((p) => p.kind !== "schema");

function typeOf(s: Node): string {
  if (s.type === "doc") return String(s.literal);
  const acts = actions(s);
  const has = (t: string) => acts.find((a) => a.type === t);
  let base: string;
  switch (s.type) {
    case "string":
      base = has("url") ? "string (URL)" : "string";
      break;
    case "number":
      base = has("integer") ? "integer" : "number";
      break;
    case "boolean":
      base = "boolean";
      break;
    case "array":
      base = `array of ${typeOf(s.item!)}s`;
      break;
    case "picklist":
      base = (s.options as string[]).map((o) => `"${o}"`).join(" | ");
      break;
    case "literal":
      base = `"${String(s.literal)}"`;
      break;
    case "union":
      base = (s.options as Node[]).map(typeOf).join(" or ");
      break;
    case "record":
    case "object":
    case "strict_object":
    case "loose_object":
    case "variant":
      base = "table";
      break;
    case "unknown":
      base = "any";
      break;
    default:
      base = s.type;
  }
  const min = has("min_value")?.requirement;
  const max = has("max_value")?.requirement;
  if (min !== undefined && max !== undefined) base += ` ${min}–${max}`;
  else if (min !== undefined) base += ` ≥ ${min}`;
  return base;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The markdown table of a schema's keys. */
export function keyTable(name: string): string {
  const doc = SCHEMAS[name];
  if (!doc)
    throw new Error(`scripts/docs.ts: no schema named '${name}' (known: ${Object.keys(SCHEMAS).join(", ")})`);
  let root = doc.schema as Node;
  while (root.wrapped) root = root.wrapped;
  const entries = root.entries ?? {};
  const comments = doc.source ? docComments(doc.source) : new Map<string, string>();
  const missing: string[] = [];
  const rows = Object.entries(entries).map(([key, raw]) => {
    let s = raw;
    let required = true;
    let dflt: unknown;
    while (s.type === "optional" || s.type === "nullish" || s.type === "nullable") {
      required = false;
      if (s.default !== undefined)
        dflt = typeof s.default === "function" ? (s.default as () => unknown)() : s.default;
      s = s.wrapped!;
    }
    const description =
      (s.type === "doc" ? String(s.message) : undefined) ?? doc.descriptions?.[key] ?? comments.get(key);
    if (description === undefined) missing.push(key);
    const d = dflt === undefined ? "" : `\`${JSON.stringify(dflt)}\``;
    return `| \`${key}\` | ${cell(typeOf(s))} | ${required ? "yes" : ""} | ${d} | ${cell(description ?? "")} |`;
  });
  if (missing.length > 0)
    throw new Error(
      `scripts/docs.ts: ${name}: no description for ${missing.map((k) => `'${k}'`).join(", ")}; add a doc comment to the schema or a description in SCHEMAS (scripts/docs.ts)`,
    );
  const rules = actions(doc.schema as Node)
    .filter((a) => a.type === "check" && typeof a.message === "string")
    .map((a) => `- ${a.message}`);
  return [
    "| key | type | required | default | description |",
    "|---|---|---|---|---|",
    ...rows,
    ...(rules.length > 0 ? ["", "Rules:", "", ...rules] : []),
  ].join("\n");
}

/** The whole reference, from the template. */
export function renderConfigurationDoc(): string {
  const template = readFileSync(TEMPLATE, "utf8");
  const body = template
    .replace(/^<!-- keys: (.+?) -->$/gm, (_, name: string) => keyTable(name.trim()))
    .replace(
      /^<!-- strategy-example: (.+?) -->$/gm,
      (_, t: string) => `\`\`\`toml\n${strategyExample(t.trim())}\n\`\`\``,
    )
    .replace(/<!-- strategy-types -->/g, () => STRATEGY_TYPES.map((t) => `\`${t}\``).join(", "));
  return `<!-- Generated by scripts/docs.ts from scripts/docs/configuration.template.md: edit those, then run 'npm run docs'. -->\n\n${body}`;
}

if (import.meta.main) {
  const text = renderConfigurationDoc();
  if (process.argv.includes("--check")) {
    const current = (() => {
      try {
        return readFileSync(OUTPUT, "utf8");
      } catch {
        return "";
      }
    })();
    if (current !== text) {
      console.error("docs/configuration.md is stale: run 'npm run docs' and commit it");
      process.exit(1);
    }
  } else {
    writeFileSync(OUTPUT, text);
    console.log(`wrote ${OUTPUT}`);
  }
}
