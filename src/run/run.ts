/**
 * `rocky run` end to end: load and compile the project, select models, take the state
 * writer lock, connect the adapter and hand over to the engine. Compile errors and isolated
 * targets that collide with production stop the run before any SQL is sent, and are still
 * recorded as a failed run.
 */
import { compileErrorsFailure } from "../compile/failure.ts";
import type { Adapter } from "../adapter/types.ts";
import { compileProject } from "../compile/compile.ts";
import type { CompileResult } from "../compile/types.ts";
import type { LoadedConfig } from "../config/load.ts";
import { loadProject } from "../project/load.ts";
import { finishRun, insertRun, type Trigger } from "../state/runs.ts";
import { openState, type StateStore } from "../state/store.ts";
import { VERSION } from "../version.ts";
import { executeRun, type RunEvent, type RunOutcome } from "./engine.ts";
import {
  checkIsolation,
  type Isolation,
  productionIsolation,
  type ShadowOptions,
  shadowIsolation,
} from "./isolation.ts";
import { connectAdapter, pickAdapter } from "./connect.ts";
import { checkExternalTables } from "./external-tables.ts";
import { type SelectionOptions, selectInProject } from "../graph/selection.ts";
import { modelTester } from "../testing/hook.ts";
import { checkAuditNames } from "../testing/audit-names.ts";

export interface RunRequest {
  config: LoadedConfig;
  models?: string[];
  select?: string[];
  /** `--exclude` selectors; `changed`: the sets `changed` selectors name (src/diff/changed.ts). */
  exclude?: string[];
  changed?: SelectionOptions["changed"];
  threads?: number;
  failFast?: boolean;
  fullRefresh?: boolean;
  shadow?: ShadowOptions;
  /** The scope a failed compile is recorded under when `isolation` decides it (`branch:<name>`). */
  scope?: string;
  /**
   * Another isolation (e.g. `--branch`): built once the adapter is connected and the
   * state store is open, so it can look up what it needs.
   */
  isolation?: (ctx: {
    adapter: Adapter;
    store: StateStore;
    compiled: CompileResult;
  }) => Isolation | Promise<Isolation>;
  trigger: Trigger;
  /** First abort: finish in-flight models and stop. */
  signal?: AbortSignal;
  /** Abort: also cancel in-flight statements. */
  cancelSignal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Run each model's data tests right after building it (default true; `--no-tests`). */
  tests?: boolean;
  /** Called once the compile succeeded, with warnings to show. */
  onCompiled?: (compiled: CompileResult) => void;
}

/** `--trigger`, else `ci` when the CI variable says so, else `manual`. */
export function resolveTrigger(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Trigger {
  if (flag !== undefined) return flag as Trigger;
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false" ? "ci" : "manual";
}

/**
 * The compile errors that stop a run: those of the selected models (a model the run does
 * not build cannot break it), and any not tied to a model.
 */
function blockingErrors(compiled: CompileResult, selection: readonly string[]): CompileResult["diagnostics"] {
  const selected = new Set(selection);
  return compiled.diagnostics.filter(
    (d) => d.severity === "Error" && (selected.has(d.model) || !compiled.models.has(d.model)),
  );
}

export async function runProject(req: RunRequest): Promise<RunOutcome> {
  const config = req.config;
  const adapterType = pickAdapter(config).block.type;
  const scope = req.scope ?? (req.shadow ? "shadow" : "production");
  // The writer lock first: a second run is refused before it touches the warehouse.
  const store = openState(config.statePath, { lock: { command: "run" } });
  /** A run that stops before any model starts is still recorded: "it failed to start" is history too. */
  const recordFailedStart = (error: string) => {
    const id = insertRun(store, {
      trigger: req.trigger,
      startedAt: new Date(),
      configHash: config.hash,
      scope,
      rockyVersion: VERSION,
      adapterType,
    });
    finishRun(store, id, "failure", new Date(), error);
  };
  // Loading the driver and opening the warehouse overlap with the compile.
  const connecting = connectAdapter(config);
  connecting.catch(() => undefined);
  let adapter: Adapter | undefined;
  const cancel = () => void adapter?.cancel?.();
  try {
    const compiled = await compileProject(await loadProject(config));
    const selection = selectInProject(compiled, req);
    const errors = blockingErrors(compiled, selection);
    if (errors.length > 0) {
      recordFailedStart("compile errors");
      throw compileErrorsFailure(errors, "no SQL was run", "run again");
    }
    req.onCompiled?.(compiled);
    let isolation: Isolation;
    try {
      adapter = await connecting;
      req.cancelSignal?.addEventListener("abort", cancel, { once: true });
      isolation = req.isolation
        ? await req.isolation({ adapter, store, compiled })
        : req.shadow
          ? shadowIsolation(adapter.dialect, adapter, req.shadow)
          : productionIsolation(adapter.dialect);
      // Before any SQL: an isolated target on a production table (or another model's) is refused.
      checkIsolation(isolation, adapter.dialect, compiled, selection);
    } catch (e) {
      recordFailedStart((e as Error).message);
      throw e;
    }
    const threads = req.threads ?? adapter.capabilities.defaultThreads;
    const testModel = modelTester({
      compiled,
      adapter,
      isolation,
      store,
      threads,
      dataTests: req.tests !== false,
    });
    try {
      // Before any SQL: no write-audit-publish staging table lands on another model's table.
      if (testModel)
        checkAuditNames(compiled.project, adapter.dialect, isolation, selection, (n) => {
          const m = compiled.project.byName.get(n);
          return m !== undefined && testModel.audit(m) !== false;
        });
      // Before any SQL: every external table the selected models read exists.
      await checkExternalTables(adapter, compiled, selection);
    } catch (e) {
      recordFailedStart((e as Error).message);
      throw e;
    }
    return await executeRun({
      compiled,
      adapter,
      store,
      isolation,
      selection,
      threads,
      ...(testModel ? { testModel } : {}),
      failFast: req.failFast === true,
      fullRefresh: req.fullRefresh === true,
      trigger: req.trigger,
      configHash: config.hash,
      rockyVersion: VERSION,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.cancelSignal ? { cancelSignal: req.cancelSignal } : {}),
      ...(req.onEvent ? { onEvent: req.onEvent } : {}),
    });
  } finally {
    req.cancelSignal?.removeEventListener("abort", cancel);
    const a = adapter ?? (await connecting.catch(() => undefined));
    await a?.close().catch(() => undefined);
    store.close();
  }
}
