/**
 * Contracts (SPEC §17): a model's `[contract]` against what it outputs.
 *
 * Compile: the SQL's output columns against the contract's (missing, undeclared, order when
 * `enforce_order`, type where compile knows it: a column passed through unchanged from a
 * typed source column or from another model's contract). Run: the staged table's columns
 * and types (describeTable) and the not-null columns' rows, before publishing; a failure
 * blocks the publish like an error-severity test and is recorded with the test results.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { CompiledModel, Diagnostic } from "../compile/types.ts";
import { didYouMean } from "../errors.ts";
import { type Contract, typeMatches } from "../project/contract.ts";
import type { Model, Project } from "../project/types.ts";
import type { TestDef } from "./definitions.ts";
import { runOneTest, type TestResult } from "./run.ts";

export const CONTRACT_CODES = {
  /** A contract column the model does not output. */
  missingColumn: "E064",
  /** An output column the contract does not declare. */
  extraColumn: "E065",
  /** `enforce_order`: the columns come in another order. */
  order: "E066",
  /** A column whose type compile knows differs from the contract's. */
  type: "E067",
  /** The contract itself is wrong (a column twice, a primary key column it does not list). */
  invalid: "E068",
} as const;

/** The type of `column` of the table named by `parts`, when compile knows it (a typed source or a contract). */
export type ColumnTypeOf = (parts: string[], column: string, model: Model) => string | undefined;

const lower = (s: string) => s.toLowerCase();

/** Lines of a sidecar's `[contract]` header and of each `name = "<column>"` after it. */
function contractLines(file: string | undefined): { header: number; column: (name: string) => number } {
  let lines: string[] = [];
  try {
    if (file) lines = readFileSync(file, "utf8").split("\n");
  } catch {
    // Read at load time; a vanished file only loses the line numbers.
  }
  const h = lines.findIndex((l) => /^\s*\[\[?\s*contract\b/.test(l));
  const header = h >= 0 ? h + 1 : 1;
  const column = (name: string): number => {
    const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const re = new RegExp(`\\bname\\s*=\\s*["']${esc}["']`, "i");
    const i = lines.findIndex((l, n) => n >= h && re.test(l));
    return i >= 0 ? i + 1 : header;
  };
  return { header, column };
}

/** The compile post-pass: one diagnostic per difference between a model's contract and its SQL. */
export function checkContracts(
  project: Project,
  compiled: Map<string, CompiledModel>,
  typeOf: ColumnTypeOf,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const m of project.models) {
    const contract = m.contract;
    if (!contract) continue;
    const where = contractLines(m.sidecar);
    const file = m.sidecar ? relative(project.config.root, m.sidecar) : m.relPath;
    const push = (code: string, message: string, line: number, suggestion: string | undefined) =>
      out.push({
        severity: "Error",
        code,
        message: `model '${m.name}': ${message}`,
        model: m.name,
        span: { file, line, col: 1 },
        suggestion: suggestion ?? null,
      });
    const declared = contract.columns.map((c) => c.name);
    const seen = new Set<string>();
    for (const c of declared) {
      if (seen.has(lower(c)))
        push(CONTRACT_CODES.invalid, `contract lists column '${c}' twice`, where.column(c), "list it once");
      seen.add(lower(c));
    }
    for (const k of contract.primaryKey ?? []) {
      if (!seen.has(lower(k)))
        push(
          CONTRACT_CODES.invalid,
          `contract primary_key names '${k}', which the contract does not list`,
          where.header,
          didYouMean(k, new Set(declared)) ?? "add it to [contract] columns",
        );
    }
    const cm = compiled.get(m.name);
    const output = cm?.columns;
    if (!output) continue; // Why the columns are unknown is already a diagnostic.
    const outSet = new Set(output.map(lower));
    const missing = declared.filter((c) => !outSet.has(lower(c)));
    const extra = output.filter((c) => !seen.has(lower(c)));
    for (const c of missing)
      push(
        CONTRACT_CODES.missingColumn,
        `contract column '${c}' is not in the model's output (its columns: ${output.join(", ")})`,
        where.column(c),
        didYouMean(c, extra) ?? `add '${c}' to the model's SELECT, or remove it from [contract] columns`,
      );
    for (const c of extra)
      push(
        CONTRACT_CODES.extraColumn,
        `the model outputs column '${c}', which its contract does not declare`,
        where.header,
        didYouMean(c, missing) ?? `declare '${c}' in [contract] columns, or drop it from the SELECT`,
      );
    if (contract.enforceOrder && missing.length === 0 && extra.length === 0) {
      const i = declared.findIndex((c, n) => lower(c) !== lower(output[n]!));
      if (i >= 0)
        push(
          CONTRACT_CODES.order,
          `column ${i + 1} is '${output[i]}', the contract puts '${declared[i]}' there (enforce_order; contract: ${declared.join(", ")}; output: ${output.join(", ")})`,
          where.column(declared[i]!),
          "reorder the SELECT list to match, or set enforce_order = false",
        );
    }
    for (const col of cm.analysis.columns ?? []) {
      const want = contract.columns.find((c) => lower(c.name) === lower(col.name))?.type;
      if (want === undefined || col.transform.kind !== "direct" || col.sources.length !== 1) continue;
      const src = col.sources[0]!;
      const known = typeOf(src.table, src.column, m);
      if (known === undefined || typeMatches(want, known)) continue;
      push(
        CONTRACT_CODES.type,
        `contract says column '${col.name}' is ${want}, but it is ${src.table.join(".")}.${src.column}, which is ${known}`,
        where.column(col.name),
        `cast it in the SELECT (CAST(${src.column} AS ${want}) AS ${col.name}), or change the contract's type`,
      );
    }
  }
  return out;
}

/** What a built table's columns break of a contract, one line each (empty: it meets it). */
export function schemaViolations(
  contract: Contract,
  built: readonly { name: string; type: string }[],
): { column: string; problem: string }[] {
  const out: { column: string; problem: string }[] = [];
  const byName = new Map(built.map((c) => [lower(c.name), c]));
  const declared = new Set(contract.columns.map((c) => lower(c.name)));
  for (const c of contract.columns) {
    const b = byName.get(lower(c.name));
    if (!b) out.push({ column: c.name, problem: "missing from the built table" });
    else if (c.type !== undefined && !typeMatches(c.type, b.type))
      out.push({ column: c.name, problem: `built as ${b.type}, the contract says ${c.type}` });
  }
  for (const b of built)
    if (!declared.has(lower(b.name))) out.push({ column: b.name, problem: "not declared in the contract" });
  if (contract.enforceOrder && out.length === 0) {
    const order = contract.columns.map((c) => c.name);
    const i = order.findIndex((c, n) => lower(c) !== lower(built[n]!.name));
    if (i >= 0)
      out.push({
        column: built[i]!.name,
        problem: `at position ${i + 1}, where the contract puts '${order[i]}' (enforce_order)`,
      });
  }
  return out;
}

/**
 * Check the table at `ref` (the staged or in-transaction build) against the model's
 * contract: one `contract` result for the columns and types, then one not-null result per
 * non-nullable column the table has. All error severity.
 */
export async function checkBuiltContract(
  adapter: Adapter,
  model: Model,
  contract: Contract,
  ref: TableRef,
): Promise<TestResult[]> {
  const table = [ref.catalog, ref.schema, ref.table].filter((p) => p !== undefined).join(".");
  const t0 = performance.now();
  const built = await adapter.describeTable(ref);
  const violations = built ? schemaViolations(contract, built) : [];
  const schema: TestResult = {
    model: model.name,
    label: `${model.name} [contract]`,
    type: "contract",
    column: null,
    severity: "error",
    status: !built ? "error" : violations.length > 0 ? "fail" : "pass",
    table,
    failingRows: built ? violations.length : null,
    sampleColumns: ["column", "problem"],
    sample: violations.map((v) => [v.column, v.problem]),
    sql: `-- the columns of ${adapter.dialect.qualify(ref)} as the warehouse describes them, against [contract]`,
    durationMs: Math.round(performance.now() - t0),
    detail: !built
      ? `${adapter.dialect.qualify(ref)} does not exist: build it first ('rocky run')`
      : violations.length > 0
        ? violations.map((v) => `column '${v.column}' ${v.problem}`).join("; ")
        : null,
  };
  const have = new Set((built ?? []).map((c) => lower(c.name)));
  const notNull = contract.columns.filter((c) => !c.nullable && have.has(lower(c.name)));
  // One after another: inside a write's transaction they share its one connection.
  const rows: TestResult[] = [];
  for (const c of notNull) {
    const test: TestDef = {
      type: "not_null",
      column: c.name,
      severity: "error",
      label: `${model.name}.${c.name} [contract not_null]`,
    };
    rows.push(await runOneTest(adapter, { model: model.name, test, target: ref }));
  }
  return [schema, ...rows];
}
