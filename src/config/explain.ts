/**
 * Config problems (valibot issues on rocky.toml, a sidecar, `_defaults.toml`) as lines
 * that say what to write: `file:line: path: message`, with the closest known key for a
 * typo, the keys a strategy needs with an example, and dbt's `materialized` translated.
 */
import { readFileSync } from "node:fs";
import type * as v from "valibot";
import { closeMatches } from "../errors.ts";
import { StrategySchema } from "../project/strategy.ts";
import { tomlLine } from "./toml-lines.ts";

type Issue = v.BaseIssue<unknown>;
type PathItem = NonNullable<Issue["path"]>[number];

/** The parts of a valibot schema object this module looks at. */
interface SchemaNode {
  type: string;
  entries?: Record<string, SchemaNode>;
  wrapped?: SchemaNode;
  options?: SchemaNode[];
  key?: string;
  item?: SchemaNode;
  value?: SchemaNode;
  literal?: unknown;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/** Look through optional/nullable wrappers and pick a variant's option by the input's discriminator. */
function unwrap(schema: SchemaNode | undefined, input: unknown): SchemaNode | undefined {
  let s = schema;
  for (let i = 0; s && i < 10; i++) {
    if (s.wrapped) s = s.wrapped;
    else if (s.type === "variant" && s.options && s.key) {
      const tag = isObject(input) ? input[s.key] : undefined;
      s = s.options.find((o) => o.entries?.[s!.key!]?.literal === tag);
    } else break;
  }
  return s;
}

/** The object schema describing `path[0..depth)`'s value (the parent of the key at `depth`). */
function parentSchema(root: SchemaNode, path: PathItem[], depth: number): SchemaNode | undefined {
  let s: SchemaNode | undefined = root;
  for (let i = 0; i < depth && s; i++) {
    s = unwrap(s, path[i]!.input);
    const key = String(path[i]!.key);
    s = s?.entries
      ? s.entries[key]
      : s?.type === "record"
        ? s.value
        : s?.type === "array"
          ? s.item
          : undefined;
  }
  return unwrap(s, path[depth]?.input);
}

/** Example values for the keys a strategy needs (also used by the configuration reference). */
export const STRATEGY_KEY_EXAMPLES: Record<string, string> = {
  timestamp_column: '"updated_at"',
  unique_key: '["order_id"]',
  update_columns: '["status", "amount"]',
  partition_by: '["order_date"]',
};

/** `[strategy]` with `type` and the keys it requires, as TOML. */
export function strategyExample(type: string): string {
  const option = (StrategySchema as unknown as SchemaNode).options?.find(
    (o) => o.entries?.type?.literal === type,
  );
  const required = Object.entries(option?.entries ?? {}).filter(
    ([k, s]) => k !== "type" && s.type !== "optional",
  );
  return [
    "[strategy]",
    `type = "${type}"`,
    ...required.map(([k]) => `${k} = ${STRATEGY_KEY_EXAMPLES[k] ?? '"…"'}`),
  ].join("\n");
}

export const STRATEGY_TYPES: string[] = ((StrategySchema as unknown as SchemaNode).options ?? []).map((o) =>
  String(o.entries?.type?.literal),
);

/** dbt's materializations, in rocky's words. */
const DBT_MATERIALIZED: Record<string, string> = {
  table: "full_refresh",
  view: "view",
  incremental: "incremental",
};

export interface Explained {
  line: string;
  /** What to write, when there is a clear answer (an example block). */
  hint?: string;
  /** An unknown key at this dotted path. */
  unknown?: string;
  /** A missing key explained as a typo of this dotted path (its unknown-key line is then redundant). */
  covers?: string;
}

const quoteList = (xs: string[]) => xs.map((x) => `"${x}"`).join(" | ");

/**
 * One issue as `file[:line]: path: message`, looked up in `schema` (the root that was
 * validated) and positioned in `file`'s text when it can be read.
 */
export function explainIssue(
  file: string,
  issue: Issue,
  schema: v.GenericSchema,
  prefix: string[] = [],
  text: string | undefined = readText(file),
): Explained {
  const root = schema as unknown as SchemaNode;
  const path = issue.path ?? [];
  const keys = path.map((p) => String(p.key));
  const dotted = [...prefix, ...keys].join(".") || "(top level)";
  const last = path.at(-1);
  const parentKeys = [...prefix, ...keys.slice(0, -1)];
  const position = (key?: string): string => {
    if (text === undefined) return "";
    // A table (`[stat]`) is found by its header; a plain key inside its table.
    const line =
      (key !== undefined && isObject(last?.value) ? tomlLine(text, [...parentKeys, key]) : undefined) ??
      tomlLine(text, parentKeys, key);
    return line === undefined ? "" : `:${line}`;
  };
  const isObjectIssue = issue.kind === "schema" && /object$/.test(issue.type) && last !== undefined;

  // An unknown key (strict objects report it with expected "never").
  if (isObjectIssue && issue.expected === "never") {
    const key = String(last.key);
    const where = `${file}${position(key)}: ${dotted}`;
    if (key === "materialized" || key === "materialization") {
      const mapped = typeof last.value === "string" ? DBT_MATERIALIZED[last.value] : undefined;
      return {
        line: `${where}: unknown key: rocky uses [strategy] type = ${quoteList(STRATEGY_TYPES)}`,
        hint: `write instead:\n${strategyExample(mapped ?? "full_refresh")}`,
      };
    }
    const parent = parentSchema(root, path, path.length - 1);
    const near = closeMatches(key, Object.keys(parent?.entries ?? {}), 1);
    return {
      line: `${where}: unknown key${near.length > 0 ? ` (did you mean '${near[0]}'?)` : ""}`,
      unknown: dotted,
    };
  }

  // A missing required key.
  if (isObjectIssue && issue.received === "undefined" && issue.input === undefined) {
    const key = String(last.key);
    const given = isObject(last.input) ? Object.keys(last.input) : [];
    const typo = closeMatches(key, given, 1).filter((k) => k !== key);
    const where = `${file}${position(typo[0])}: ${dotted}`;
    const line = `${where}: missing key '${key}'${typo.length > 0 ? ` (did you mean '${key}' instead of '${typo[0]}'?)` : ""}`;
    const type = isObject(last.input) ? last.input.type : undefined;
    const covers = typo[0] !== undefined ? { covers: [...parentKeys, typo[0]].join(".") } : {};
    if (keys.at(-2) === "strategy" && typeof type === "string" && STRATEGY_TYPES.includes(type))
      return { line, hint: `the ${type} strategy needs ${key}, e.g.:\n${strategyExample(type)}`, ...covers };
    return { line, ...covers };
  }

  // A value outside a fixed set (a strategy type, a picklist): the closest allowed one.
  const got = issue.received && issue.received !== "undefined" ? ` (got ${issue.received})` : "";
  const where = `${file}${position(last === undefined ? undefined : String(last.key))}: ${dotted}`;
  if (typeof issue.input === "string" && typeof issue.expected === "string" && issue.expected.includes('"')) {
    const allowed = [...issue.expected.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    const near = closeMatches(issue.input, allowed, 1);
    const message = `expected one of ${quoteList(allowed)}${got}${near.length > 0 ? `; did you mean '${near[0]}'?` : ""}`;
    if (keys.at(-1) === "type" && keys.at(-2) === "strategy" && near.length > 0)
      return { line: `${where}: ${message}`, hint: `for example:\n${strategyExample(near[0]!)}` };
    return { line: `${where}: ${message}` };
  }
  return { line: `${where}: ${issue.message}${got}` };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
