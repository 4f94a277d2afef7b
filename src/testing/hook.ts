/**
 * `rocky run` tests each model right after building it (SPEC §17): the engine calls the
 * tester once a model's table is written; an error-severity test that fails (or cannot run)
 * makes the model fail, so its descendants are skipped. Warnings are recorded only.
 * A model's `[contract]` is checked the same way, first, and also under `--no-tests`:
 * it is a promise about the table's shape, not an optional data check.
 */
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { CompileResult } from "../compile/types.ts";
import type { Model } from "../project/types.ts";
import type { Isolation } from "../run/isolation.ts";
import type { StateStore } from "../state/store.ts";
import { parseProjectTests } from "./checks.ts";
import { checkBuiltContract } from "./contract.ts";
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
  /** Run the `[[tests]]` (false: `--no-tests`; contracts are checked still). */
  dataTests?: boolean;
}): ModelTester | undefined {
  const tests =
    opts.dataTests === false
      ? new Map()
      : parseProjectTests(opts.compiled.project, opts.compiled.models).tests;
  const hasContracts = opts.compiled.project.models.some((m) => m.contract !== undefined);
  if (tests.size === 0 && !hasContracts) return undefined;
  const transactional = opts.adapter.capabilities.transactionalDdl === true && !!opts.adapter.transaction;
  const run: ModelTester["run"] = async (ctx) => {
    const defs = tests.get(ctx.model.name);
    const contract = ctx.model.contract;
    if (!defs && !contract) return { results: [] };
    const results = contract ? await checkBuiltContract(opts.adapter, ctx.model, contract, ctx.target) : [];
    const planned = defs
      ? await planModelTests(
          opts.compiled,
          opts.isolation,
          opts.adapter.dialect,
          ctx.model.name,
          defs,
          ctx.target,
          ctx.builtInRun,
        )
      : [];
    // One connection holds the transaction: its tests run one after another.
    results.push(...(await runTests(opts.adapter, planned, ctx.inTransaction ? 1 : opts.threads)));
    recordTestResults(opts.store, { runId: ctx.runId, command: "run", scope: opts.isolation.scope }, results);
    return results.some(blocking) ? { error: failureSummary(results), results } : { results };
  };
  return {
    run,
    // A model with a contract is audited even without tests; a view only where DDL rolls back.
    audit: (model) =>
      model.contract !== undefined && model.strategy.type === "view"
        ? transactional
          ? "transaction"
          : false
        : model.strategy.type !== "view" &&
            (model.contract !== undefined ||
              (tests.get(model.name) ?? []).some((t: { severity: string }) => t.severity === "error"))
          ? transactional
            ? "transaction"
            : "stage"
          : false,
  };
}
