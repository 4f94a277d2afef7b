/**
 * Data tests declared as `[[tests]]` in a model's sidecar or a `_defaults.toml` (SPEC §17,
 * Rocky 1.10's format). One valibot schema per type; the TS types derive from them. The
 * loader keeps each entry raw (plus where it was written, `TEST_ORIGIN`); compile checks it
 * with `parseTest` (src/testing/checks.ts) and the runner uses the parsed form.
 *
 * Compatibility with Rocky 1.10: `severity = "warning"` (and our `"warn"`), `filter` as
 * another name for `where`, `composite` (kind "unique", columns) as a multi-column `unique`.
 */
import * as v from "valibot";
import type { Model } from "../project/types.ts";

/** Where a raw test entry was written: the TOML file and its position among that file's `[[tests]]`. */
export const TEST_ORIGIN: unique symbol = Symbol.for("rocky.testOrigin");
export interface TestOrigin {
  file: string;
  index: number;
}

const name = v.pipe(v.string(), v.nonEmpty());
const common = {
  severity: v.optional(v.picklist(["error", "warn", "warning"]), "error"),
  where: v.optional(name),
  filter: v.optional(name),
  /** A label shown instead of the generated one. */
  name: v.optional(name),
  description: v.optional(v.string()),
};

export const NotNullTest = v.strictObject({ type: v.literal("not_null"), column: name, ...common });
export const UniqueTest = v.strictObject({
  type: v.literal("unique"),
  column: v.optional(name),
  columns: v.optional(v.pipe(v.array(name), v.minLength(1))),
  ...common,
});
export const CompositeTest = v.strictObject({
  type: v.literal("composite"),
  kind: v.optional(v.literal("unique"), "unique"),
  columns: v.pipe(v.array(name), v.minLength(1)),
  ...common,
});
export const AcceptedValuesTest = v.strictObject({
  type: v.literal("accepted_values"),
  column: name,
  values: v.pipe(v.array(v.union([v.string(), v.number(), v.boolean()])), v.minLength(1)),
  ...common,
});
export const RelationshipsTest = v.strictObject({
  type: v.literal("relationships"),
  column: name,
  /** `model.column` or `source.table.column` shorthand for to_table + to_column. */
  to: v.optional(name),
  to_table: v.optional(name),
  to_column: v.optional(name),
  ...common,
});
export const ExpressionTest = v.strictObject({
  type: v.literal("expression"),
  expression: name,
  column: v.optional(name),
  ...common,
});
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
export const RowCountRangeTest = v.strictObject({
  type: v.literal("row_count_range"),
  min: v.optional(count),
  max: v.optional(count),
  ...common,
});
export const SqlTest = v.strictObject({
  type: v.literal("sql"),
  /** A query returning the failing rows; `{{ this }}` stands for the model's table. */
  sql: name,
  ...common,
});

export const TEST_SCHEMAS = {
  not_null: NotNullTest,
  unique: UniqueTest,
  composite: CompositeTest,
  accepted_values: AcceptedValuesTest,
  relationships: RelationshipsTest,
  expression: ExpressionTest,
  row_count_range: RowCountRangeTest,
  sql: SqlTest,
} as const;

export type TestType = keyof typeof TEST_SCHEMAS;
export const TEST_TYPES = Object.keys(TEST_SCHEMAS) as TestType[];

/** The arguments each type requires (besides `type`), for "missing argument" messages. */
export const REQUIRED_ARGS: Record<TestType, string[]> = {
  not_null: ["column"],
  unique: ["column or columns"],
  composite: ["columns"],
  accepted_values: ["column", "values"],
  relationships: ["column", "to (or to_table and to_column)"],
  expression: ["expression"],
  row_count_range: ["min or max"],
  sql: ["sql"],
};

type Raw<T extends TestType> = v.InferOutput<(typeof TEST_SCHEMAS)[T]>;

interface Base {
  severity: "error" | "warning";
  where?: string;
  /** Label: `model.column [type]` or the declared name. */
  label: string;
  /** Column under test, when one. */
  column?: string;
}

/** A test ready to run: arguments normalised (unique has `columns`, relationships `toTable`/`toColumn`). */
export type TestDef = Base &
  (
    | { type: "not_null"; column: string }
    | { type: "unique"; columns: string[] }
    | { type: "accepted_values"; column: string; values: (string | number | boolean)[] }
    | { type: "relationships"; column: string; toTable: string; toColumn: string }
    | { type: "expression"; expression: string }
    | { type: "row_count_range"; min?: number; max?: number }
    | { type: "sql"; sql: string }
  );

export type ParsedTest = { ok: true; test: TestDef } | { ok: false; problems: TestProblem[] };

export interface TestProblem {
  kind: "unknown_type" | "missing_argument" | "bad_argument";
  message: string;
  /** The TOML key the problem is about, to point at its line. */
  key?: string;
  suggestion?: string;
}

function issueKey(issue: v.BaseIssue<unknown>): string | undefined {
  return issue.path?.map((p) => String(p.key)).join(".");
}

/** Check one raw `[[tests]]` entry of `model` and normalise it. */
export function parseTest(raw: Record<string, unknown>, model: string): ParsedTest {
  const type = raw.type;
  if (typeof type !== "string" || !(type in TEST_SCHEMAS)) {
    return {
      ok: false,
      problems: [
        {
          kind: "unknown_type",
          key: "type",
          message:
            typeof type === "string" ? `unknown test type '${type}'` : "a test needs a 'type' (a string)",
          suggestion: `use one of ${TEST_TYPES.filter((t) => t !== "composite").join(", ")}`,
        },
      ],
    };
  }
  const t = type as TestType;
  const r = v.safeParse(TEST_SCHEMAS[t], raw);
  if (!r.success) {
    const problems: TestProblem[] = r.issues.map((issue) => {
      const key = issueKey(issue);
      const missing = issue.input === undefined && key !== undefined;
      if (issue.type === "strict_object" && issue.expected === "never") {
        const allowed = Object.keys(TEST_SCHEMAS[t].entries);
        return {
          kind: "bad_argument",
          ...(key !== undefined ? { key } : {}),
          message: `${t} test: unknown argument '${key}'`,
          suggestion: `${t} takes ${allowed.filter((a) => a !== "type").join(", ")}`,
        };
      }
      return missing
        ? {
            kind: "missing_argument",
            key,
            message: `${t} test: missing argument '${key}'`,
            suggestion: `${t} needs ${REQUIRED_ARGS[t].join(", ")}`,
          }
        : {
            kind: "bad_argument",
            ...(key !== undefined ? { key } : {}),
            message: `${t} test: ${key !== undefined ? `'${key}': ` : ""}${issue.message}`,
          };
    });
    return { ok: false, problems };
  }
  return normalise(t, r.output as Raw<TestType>, model);
}

function normalise(t: TestType, o: Raw<TestType>, model: string): ParsedTest {
  const severity: Base["severity"] = o.severity === "error" ? "error" : "warning";
  const where = o.where ?? o.filter;
  const base = (column: string | undefined, suffix = "") => ({
    severity,
    ...(where !== undefined ? { where } : {}),
    ...(column !== undefined ? { column } : {}),
    label:
      o.name ??
      `${model}${column !== undefined ? `.${column}` : ""} [${t === "composite" ? "unique" : t}${suffix}]`,
  });
  const missing = (message: string, key: string, suggestion: string): ParsedTest => ({
    ok: false,
    problems: [{ kind: "missing_argument", key, message: `${t} test: ${message}`, suggestion }],
  });
  switch (t) {
    case "not_null": {
      const x = o as Raw<"not_null">;
      return { ok: true, test: { ...base(x.column), type: "not_null", column: x.column } };
    }
    case "unique":
    case "composite": {
      const x = o as Raw<"unique">;
      const columns = x.columns ?? (x.column !== undefined ? [x.column] : []);
      if (columns.length === 0)
        return missing("missing argument 'column'", "type", 'set column = "..." or columns = ["...", "..."]');
      return {
        ok: true,
        test: { ...base(columns.length === 1 ? columns[0] : columns.join(", ")), type: "unique", columns },
      };
    }
    case "accepted_values": {
      const x = o as Raw<"accepted_values">;
      return {
        ok: true,
        test: { ...base(x.column), type: "accepted_values", column: x.column, values: x.values },
      };
    }
    case "relationships": {
      const x = o as Raw<"relationships">;
      let toTable = x.to_table;
      let toColumn = x.to_column;
      if (x.to !== undefined) {
        const dot = x.to.lastIndexOf(".");
        if (dot <= 0 || dot === x.to.length - 1)
          return {
            ok: false,
            problems: [
              {
                kind: "bad_argument",
                key: "to",
                message: `relationships test: 'to' is '${x.to}', not '<model>.<column>'`,
                suggestion: 'write to = "customers.customer_id" (or to_table and to_column)',
              },
            ],
          };
        toTable = x.to.slice(0, dot);
        toColumn = x.to.slice(dot + 1);
      }
      if (toTable === undefined)
        return missing(
          "missing argument 'to'",
          "type",
          'set to = "<model>.<column>" (or to_table and to_column)',
        );
      if (toColumn === undefined)
        return missing("missing argument 'to_column'", "to_table", 'set to_column = "<column>"');
      return {
        ok: true,
        test: { ...base(x.column), type: "relationships", column: x.column, toTable, toColumn },
      };
    }
    case "expression": {
      const x = o as Raw<"expression">;
      return { ok: true, test: { ...base(x.column), type: "expression", expression: x.expression } };
    }
    case "row_count_range": {
      const x = o as Raw<"row_count_range">;
      if (x.min === undefined && x.max === undefined)
        return missing("needs 'min' or 'max'", "type", "set min = N and/or max = N");
      if (x.min !== undefined && x.max !== undefined && x.min > x.max)
        return {
          ok: false,
          problems: [
            {
              kind: "bad_argument",
              key: "min",
              message: `row_count_range test: min (${x.min}) is greater than max (${x.max})`,
            },
          ],
        };
      return {
        ok: true,
        test: {
          ...base(undefined),
          type: "row_count_range",
          ...(x.min !== undefined ? { min: x.min } : {}),
          ...(x.max !== undefined ? { max: x.max } : {}),
        },
      };
    }
    case "sql": {
      const x = o as Raw<"sql">;
      return { ok: true, test: { ...base(undefined), type: "sql", sql: x.sql } };
    }
  }
}

/** The columns of the model a test names (checked against the model's output at compile time). */
export function columnsNamed(t: TestDef): { key: string; column: string }[] {
  switch (t.type) {
    case "not_null":
    case "accepted_values":
    case "relationships":
      return [{ key: "column", column: t.column }];
    case "unique":
      return t.columns.map((c) => ({ key: t.columns.length === 1 ? "column" : "columns", column: c }));
    default:
      return [];
  }
}

/** The origin recorded by the loader, if any. */
export function originOf(raw: object): TestOrigin | undefined {
  return (raw as { [TEST_ORIGIN]?: TestOrigin })[TEST_ORIGIN];
}

/**
 * A relationships test reads the model it points to, so that model is built first: it is
 * added to the testing model's `depends_on` (the run then tests against this run's copy,
 * and a first run does not test against a table that does not exist yet).
 */
export function addTestDependencies(models: Model[]): void {
  const names = new Map(models.map((m) => [m.name.toLowerCase(), m.name]));
  for (const m of models) {
    for (const t of m.tests) {
      if (t.type !== "relationships") continue;
      const table =
        typeof t.to === "string" && t.to.includes(".")
          ? t.to.slice(0, t.to.lastIndexOf("."))
          : typeof t.to_table === "string"
            ? t.to_table
            : undefined;
      const name = table === undefined ? undefined : names.get(table.toLowerCase());
      if (name !== undefined && name !== m.name && !m.dependsOn.includes(name)) m.dependsOn.push(name);
    }
  }
}
