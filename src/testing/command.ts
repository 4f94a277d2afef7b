/**
 * `rocky test` end to end: compile, select models, connect, map each model to the table its
 * scope reads (production, shadow copy, branch copy), run its tests in parallel, record the
 * results in the state store.
 */
import { compileErrorsFailure } from "../compile/failure.ts";
import type { Adapter, Dialect } from "../adapter/types.ts";
import { compileProject } from "../compile/compile.ts";
import type { CompileResult } from "../compile/types.ts";
import type { LoadedConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";
import { loadProject } from "../project/load.ts";
import { connectAdapter } from "../run/connect.ts";
import {
  type Isolation,
  productionIsolation,
  type ShadowOptions,
  shadowIsolation,
} from "../run/isolation.ts";
import { type SelectionOptions, selectInProject } from "../graph/selection.ts";
import { openState, type StateStore } from "../state/store.ts";
import { parseProjectTests } from "./checks.ts";
import { checkBuiltContract } from "./contract.ts";
import { planModelTests } from "./plan.ts";
import type { TestOutcome } from "./report.ts";
import { type PlannedTest, runTests, type TestResult } from "./run.ts";
import { testQuery } from "./sql.ts";
import { recordTestResults, testRunId } from "./state.ts";

export interface TestRequest {
  config: LoadedConfig;
  models?: string[];
  select?: string[];
  /** `--exclude` selectors; `changed`: the sets `changed` selectors name (src/diff/changed.ts). */
  exclude?: string[];
  changed?: SelectionOptions["changed"];
  threads?: number;
  shadow?: ShadowOptions;
  /** `--branch`: built once the adapter is connected and the state is open. */
  isolation?: (ctx: { adapter: Adapter; store: StateStore; compiled: CompileResult }) => Isolation;
  scope?: string;
  /** Called with a notice to show (e.g. results not recorded). */
  onNotice?: (line: string) => void;
}

function notBuilt(p: PlannedTest, dialect: Dialect): TestResult {
  const table = dialect.qualify(p.target);
  return {
    model: p.model,
    label: p.test.label,
    type: p.test.type,
    column: p.test.column ?? null,
    severity: p.test.severity,
    status: "error",
    table: [p.target.catalog, p.target.schema, p.target.table].filter((x) => x !== undefined).join("."),
    failingRows: null,
    sampleColumns: [],
    sample: [],
    sql: testQuery(p.test, dialect, p.target, p.parent),
    durationMs: 0,
    detail: `${table} does not exist: build it first ('rocky run')`,
  };
}

export async function testProject(req: TestRequest): Promise<TestOutcome> {
  const t0 = performance.now();
  const config = req.config;
  const connecting = connectAdapter(config);
  connecting.catch(() => undefined);
  let adapter: Adapter | undefined;
  let store: StateStore | undefined;
  try {
    const compiled = await compileProject(await loadProject(config));
    if (compiled.hasErrors)
      throw compileErrorsFailure(
        compiled.diagnostics.filter((d) => d.severity === "Error"),
        "no test was run",
        "test again",
      );
    const selection = selectInProject(compiled, req);
    const { tests } = parseProjectTests(compiled.project, compiled.models);
    // Results are recorded when the state can be written; a read-only state still tests.
    let writable = true;
    try {
      store = openState(config.statePath, { write: true, command: "test" });
    } catch (e) {
      if (!(e instanceof RockyError) || e.code !== "state_read_only") throw e;
      writable = false;
      store = openState(config.statePath);
      req.onNotice?.("notice: the state file is read-only; test results are not recorded");
    }
    adapter = await connecting;
    const isolation = req.isolation
      ? req.isolation({ adapter, store, compiled })
      : req.shadow
        ? shadowIsolation(adapter.dialect, adapter, req.shadow)
        : productionIsolation(adapter.dialect);
    const planned: PlannedTest[] = [];
    for (const name of selection) {
      const defs = tests.get(name);
      if (!defs) continue;
      const model = compiled.project.byName.get(name)!;
      // The table the scope reads for the model: its isolated copy when there is one.
      const target = (await isolation.readTargetFor(model, false)).ref;
      planned.push(...(await planModelTests(compiled, isolation, adapter.dialect, name, defs, target)));
    }
    // A model that was never built: say so once per test instead of a warehouse error.
    const missing = new Set<string>();
    for (const key of new Set(planned.map((p) => adapter!.dialect.qualify(p.target)))) {
      const p = planned.find((x) => adapter!.dialect.qualify(x.target) === key)!;
      if (!(await adapter.tableExists(p.target))) missing.add(key);
    }
    const runnable = planned.filter((p) => !missing.has(adapter!.dialect.qualify(p.target)));
    const ran = await runTests(adapter, runnable, req.threads ?? adapter.capabilities.defaultThreads);
    const results = planned.map((p) =>
      missing.has(adapter!.dialect.qualify(p.target))
        ? notBuilt(p, adapter!.dialect)
        : ran[runnable.indexOf(p)]!,
    );
    // Contracts too, on the same tables (a later passing `rocky test --branch` then counts for
    // the promote gate of a model with a contract, as for one with tests).
    for (const name of selection) {
      const model = compiled.project.byName.get(name)!;
      if (!model.contract) continue;
      const target = (await isolation.readTargetFor(model, false)).ref;
      results.push(...(await checkBuiltContract(adapter, model, model.contract, target)));
    }
    let id: string | null = null;
    if (results.length > 0 && writable) {
      try {
        id = testRunId();
        recordTestResults(store, { runId: id, command: "test", scope: isolation.scope }, results);
      } catch (e) {
        id = null;
        req.onNotice?.(`notice: test results were not recorded in the state store: ${(e as Error).message}`);
      }
    }
    return { scope: isolation.scope, testRunId: id, durationMs: Math.round(performance.now() - t0), results };
  } finally {
    const a = adapter ?? (await connecting.catch(() => undefined));
    await a?.close().catch(() => undefined);
    store?.close();
  }
}
