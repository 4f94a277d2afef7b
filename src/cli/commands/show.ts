import { defineCommand } from "citty";
import type { Payload } from "../../output/common.ts";
import type { ShowOutput } from "../../output/schemas/catalog.ts";
import { plural, textTable } from "../../format.ts";
import { findConfig, loadConfig } from "../../config/load.ts";
import { UsageError } from "../../errors.ts";
import { showModel } from "../../show/show.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";
import { dim } from "../style.ts";

/** JSON-safe cells: 64-bit integers as numbers when exact, else as strings. */
const cell = (v: unknown): unknown =>
  typeof v === "bigint"
    ? Number.isSafeInteger(Number(v))
      ? Number(v)
      : v.toString()
    : v instanceof Date
      ? v.toISOString()
      : v;
const text = (v: unknown) => (v === null || v === undefined ? "NULL" : String(cell(v)));

export default defineCommand({
  meta: {
    name: "show",
    description: `The first rows of a model's built table, with its column types. With --sql, the
model's compiled SELECT is run now instead (as 'dbt show' does), reading production's
tables: for a model not built yet, or edited since its last run.

Example:
  rocky show stg_orders
  rocky show stg_orders --limit 5 -o json
  rocky show stg_orders --branch fix-price
  rocky show new_model --sql`,
  },
  args: {
    model: { type: "positional", required: true, description: "The model to show" },
    limit: { type: "string", description: "At most this many rows (default 10)" },
    branch: { type: "string", description: "Read the named branch's copy of the model (see 'rocky branch')" },
    sql: {
      type: "boolean",
      description: "Run the model's SELECT now, with the limit, instead of reading its table",
    },
  },
  async run({ args }) {
    const limit = args.limit === undefined ? 10 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`invalid value '${args.limit}' for --limit`);
    if (args.sql && args.branch !== undefined)
      throw new UsageError(
        "--sql runs the model's query against production; it cannot be combined with --branch",
      );
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const r = await showModel(config, args.model, limit, args.branch, args.sql === true);
    const rows = r.rows.map((row) => row.map(cell));
    const payload = {
      model: r.model,
      target: r.target,
      from: r.from,
      built: r.built,
      columns: r.columns,
      rows,
    } satisfies Payload<typeof ShowOutput>;
    emit(envelope("show", payload), () => {
      const header = r.columns.map((c) => `${c.name} ${c.type}`);
      const cells = r.rows.map((row) => row.map(text));
      const title =
        r.from === "table"
          ? r.target
          : r.built
            ? `${r.model}: showing the model's query run now (its table ${r.target} may differ)`
            : `${r.model} not built: showing the model's query run now`;
      return [title, "", textTable(header, cells, dim), "", plural(rows.length, "row")].join("\n");
    });
  },
});
