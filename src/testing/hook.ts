/**
 * `rocky run` tests each model right after building it (SPEC §17): the engine calls the
 * tester once a model's table is written; an error-severity test that fails (or cannot run)
 * makes the model fail, so its descendants are skipped. Warnings are recorded only.
 */
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { CompileResult } from "../compile/types.ts";
import type { Model } from "../project/types.ts";
import type { Isolation } from "../run/isolation.ts";
import type { StateStore } from "../state/store.ts";
import { parseProjectTests } from "./checks.ts";
import { planModelTests } from "./plan.ts";
import { blocking, failureSummary, runTests, type TestResult } from "./run.ts";
import { recordTestResults } from "./state.ts";

export interface ModelTestContext {
  runId: string;
  model: Model;
  target: TableRef;
  /** Whether this run built `model` (a relationships test reads its copy then). */
  builtInRun: (model: string) => boolean;
}

/**
 * What the engine calls around a write. `audit(model)`, for a model with error-severity
 * tests (write-audit-publish: a failing test never leaves its rows in the target):
 * "transaction" where DDL rolls back (DuckDB): the write and its tests share one
 * transaction; "stage" elsewhere: built and tested in a staging relation, then published
 * (src/testing/wap.ts). Otherwise `run` is called after the write is committed.
 */
export interface ModelTester {
  audit(model: Model): "transaction" | "stage" | false;
  /** Run the model's tests; `error` when an error-severity test did not pass. */
  run(ctx: ModelTestContext & { inTransaction: boolean }): Promise<{ error?: string; results: TestResult[] }>;
}

export function modelTester(opts: {
  compiled: CompileResult;
  adapter: Adapter;
  isolation: Isolation;
  store: StateStore;
  threads: number;
}): ModelTester | undefined {
  const { tests } = parseProjectTests(opts.compiled.project, opts.compiled.models);
  if (tests.size === 0) return undefined;
  const transactional = opts.adapter.capabilities.transactionalDdl === true && !!opts.adapter.transaction;
  const run: ModelTester["run"] = async (ctx) => {
    const defs = tests.get(ctx.model.name);
    if (!defs) return { results: [] };
    const planned = await planModelTests(
      opts.compiled,
      opts.isolation,
      opts.adapter.dialect,
      ctx.model.name,
      defs,
      ctx.target,
      ctx.builtInRun,
    );
    // One connection holds the transaction: its tests run one after another.
    const results = await runTests(opts.adapter, planned, ctx.inTransaction ? 1 : opts.threads);
    recordTestResults(opts.store, { runId: ctx.runId, command: "run", scope: opts.isolation.scope }, results);
    return results.some(blocking) ? { error: failureSummary(results), results } : { results };
  };
  return {
    run,
    audit: (model) =>
      model.strategy.type !== "view" && (tests.get(model.name) ?? []).some((t) => t.severity === "error")
        ? transactional
          ? "transaction"
          : "stage"
        : false,
  };
}
