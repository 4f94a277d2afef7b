/**
 * The run engine: executes selected models in DAG order, independent ones in parallel,
 * through the adapter contract only. A failed model skips its descendants and the rest
 * goes on (`failFast` stops at once); an abort signal drains in-flight models. Every
 * model's outcome is written to the state store as soon as it is known, so a crash
 * leaves an accurate partial record.
 */
import type { Adapter, Fingerprint, TableRef } from "../adapter/types.ts";
import type { CompileResult, ResolvedRef } from "../compile/types.ts";
import { RockyError } from "../errors.ts";
import type { Model } from "../project/types.ts";
import {
  finishRun,
  insertRun,
  type ModelStatus,
  type ReadRecord,
  recordInput,
  recordModel,
  setFingerprint,
  type RunStatus,
  sqlHash,
  type Trigger,
} from "../state/runs.ts";
import { nowIso, type StateStore } from "../state/store.ts";
import { setWatermark } from "../state/watermarks.ts";
import type { ModelTester } from "../testing/hook.ts";
import type { TestResult } from "../testing/run.ts";
import type { Isolation } from "./isolation.ts";
import { stagedWrite } from "../testing/wap.ts";
import { planWrite } from "./materialize.ts";
import { type Scheduler, schedule } from "./scheduler.ts";
import { updatesInPlace } from "./strategies.ts";
import { rewriteRefs } from "./rewrite.ts";

export interface ModelResult {
  name: string;
  /** Qualified, quoted target as written. */
  target: string;
  targetRef: TableRef;
  strategy: string;
  status: ModelStatus;
  rows: number | null;
  durationMs: number;
  startedAt: string | null;
  finishedAt: string | null;
  sqlHash: string | null;
  statements: string[] | null;
  reads: ReadRecord[];
  fingerprint: Fingerprint | null;
  columnCount: number | null;
  error: string | null;
  /** Data test results of the model in this run (none when it has no tests, or --no-tests). */
  tests?: TestResult[];
}

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  scope: string;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  threads: number;
  interrupted: boolean;
  /** Selected models, in execution order (completed first, then skipped ones in DAG order). */
  models: ModelResult[];
}

export type RunEvent =
  | { type: "start"; model: string; done: number; total: number }
  | { type: "done"; result: ModelResult; done: number; total: number };

export interface EngineOptions {
  compiled: CompileResult;
  adapter: Adapter;
  store: StateStore;
  isolation: Isolation;
  /** Selected model names in DAG order. */
  selection: string[];
  threads: number;
  failFast: boolean;
  fullRefresh: boolean;
  trigger: Trigger;
  configHash: string;
  rockyVersion: string;
  signal?: AbortSignal;
  /** Second Ctrl-C: in-flight statements were cancelled; their failure is worded as such. */
  cancelSignal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  /** Data tests run on each model once written (src/testing/hook.ts); absent: none. */
  testModel?: ModelTester;
}

/** Strip what cannot stand inside a sub-select: trailing semicolons and whitespace. */
export function selectBody(sql: string): string {
  return sql.replace(/[\s;]+$/u, "");
}

/** An external table reference as a TableRef (`t`, `s.t`, `c.s.t`). */
export function sourceRef(parts: string[], defaultSchema: string): TableRef {
  if (parts.length >= 3)
    return {
      catalog: parts[parts.length - 3]!,
      schema: parts[parts.length - 2]!,
      table: parts[parts.length - 1]!,
    };
  if (parts.length === 2) return { schema: parts[0]!, table: parts[1]! };
  return { schema: defaultSchema, table: parts[0]! };
}

/** Unquoted `catalog.schema.table` key (watermarks, messages). */
export function tableKey(ref: TableRef): string {
  return [ref.catalog, ref.schema, ref.table].filter((p) => p !== undefined).join(".");
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim();
}

export async function executeRun(opts: EngineOptions): Promise<RunOutcome> {
  const { compiled, adapter, store, isolation } = opts;
  const dialect = adapter.dialect;
  const project = compiled.project;
  const startedAt = new Date();
  const runId = insertRun(store, {
    trigger: opts.trigger,
    startedAt,
    configHash: opts.configHash,
    scope: isolation.scope,
    rockyVersion: opts.rockyVersion,
    adapterType: adapter.type,
  });
  store.setLockRunId(runId);

  const total = opts.selection.length;
  const succeeded = new Set<string>();
  const results = new Map<string, ModelResult>();
  const completed: ModelResult[] = [];
  const schemasReady = new Map<string, Promise<void>>();
  const inputs = new Map<string, Promise<Fingerprint | undefined>>();
  let seq = 0;
  let stateError: unknown;
  const canFingerprint = adapter.capabilities.fingerprint && adapter.fingerprint !== undefined;
  const pendingFingerprints: Promise<void>[] = [];
  /** Fingerprint updates, applied once every model row exists. */
  const fingerprintWrites: (() => void)[] = [];

  const ensureSchema = (ref: TableRef): Promise<void> => {
    const key = `${ref.catalog ?? ""}\u0000${ref.schema}`;
    let p = schemasReady.get(key);
    if (!p) {
      p = adapter.createSchema(ref.catalog, ref.schema);
      schemasReady.set(key, p);
    }
    return p;
  };

  /** What stands at a target now: one listing per schema per run, kept current as models are written. */
  const objectsBySchema = new Map<string, Promise<Map<string, "table" | "view">>>();
  const listingOf = (ref: TableRef): Promise<Map<string, "table" | "view">> | undefined => {
    if (!adapter.listObjects) return undefined;
    const key = `${ref.catalog ?? ""}\u0000${ref.schema}`;
    let p = objectsBySchema.get(key);
    if (!p) {
      p = adapter
        .listObjects(ref.catalog, ref.schema)
        .then((list) => new Map(list.map((o) => [o.name, o.kind])));
      objectsBySchema.set(key, p);
    }
    return p;
  };
  const kindOf = async (ref: TableRef): Promise<"table" | "view" | undefined> => {
    const listing = listingOf(ref);
    if (listing) return (await listing).get(ref.table);
    if (adapter.objectKind) return adapter.objectKind(ref);
    return (await adapter.tableExists(ref)) ? "table" : undefined;
  };

  /** Fingerprint each table the run reads but does not build, once, for replay's "input changed" check. */
  const noteInput = (ref: TableRef): void => {
    if (!canFingerprint) return;
    const key = dialect.qualify(ref);
    if (inputs.has(key)) return;
    inputs.set(
      key,
      adapter.fingerprint!(ref).catch(() => undefined),
    );
  };

  const modelOf = (name: string): Model => project.byName.get(name)!;

  const record = (r: ModelResult): void => {
    recordModel(
      store,
      {
        run_id: runId,
        model_name: r.name,
        seq: seq++,
        target: r.target,
        strategy: r.strategy,
        status: r.status,
        started_at: r.startedAt,
        finished_at: r.finishedAt,
        duration_ms: r.durationMs,
        sql_hash: r.sqlHash,
        rows_affected: r.rows,
        bytes_written: null,
        fingerprint_rows: r.fingerprint?.rowCount ?? null,
        fingerprint_hash: r.fingerprint?.hash ?? null,
        reads: r.reads,
        error: r.error,
      },
      r.statements ?? undefined,
    );
  };

  async function runModel(name: string): Promise<ModelResult> {
    const model = modelOf(name);
    const cm = compiled.models.get(name);
    const targetRef = isolation.targetFor(model);
    const target = dialect.qualify(targetRef);
    const started = new Date();
    const t0 = performance.now();
    const base = {
      name,
      target,
      targetRef,
      strategy: model.strategy.type,
      startedAt: started.toISOString(),
      reads: [] as ReadRecord[],
      columnCount: cm?.columns?.length ?? null,
    };
    let statements: string[] | null = null;
    let tests: TestResult[] | undefined;
    try {
      const refs = cm?.refs ?? [];
      const replacement = new Map<ResolvedRef, string>();
      const seen = new Set<string>();
      for (const ref of refs) {
        let read: ReadRecord;
        if (ref.model !== undefined && project.byName.has(ref.model)) {
          const builtHere = succeeded.has(ref.model);
          const r = await isolation.readTargetFor(modelOf(ref.model), builtHere);
          const text = dialect.qualify(r.ref);
          replacement.set(ref, text);
          read = { model: ref.model, table: text, from: r.from, ...(r.clone ? { clone: r.clone } : {}) };
          if (!builtHere) noteInput(r.ref);
        } else {
          const src = sourceRef(ref.parts, dialect.defaultSchema);
          read = { table: dialect.qualify(src), from: "source" };
          noteInput(src);
        }
        if (!seen.has(read.table)) {
          seen.add(read.table);
          base.reads.push(read);
        }
      }
      const select = selectBody(rewriteRefs(model.sql, refs, (r) => replacement.get(r)));
      await ensureSchema(targetRef);
      const existingKind = await kindOf(targetRef);
      const strategy = model.strategy;
      const tester = opts.testModel;
      const testCtx = { runId, model, target: targetRef, builtInRun: (m: string) => succeeded.has(m) };
      // Write-audit-publish for a model with error-severity tests (src/testing/hook.ts):
      // "transaction": the tests see the would-be table inside the write's transaction and a
      // failure rolls it back; "stage": built and tested beside the target, then published.
      const audit = tester?.audit(model) ?? false;
      const inTx = audit === "transaction" && adapter.transaction !== undefined;
      const staged =
        audit === "stage" && existingKind !== "view"
          ? stagedWrite(dialect, targetRef, {
              inPlace: updatesInPlace(strategy, existingKind, opts.fullRefresh),
              targetExists: existingKind === "table",
            })
          : undefined;
      if (staged) {
        statements = [...staged.setup];
        for (const s of staged.setup) await adapter.execute(s);
      }
      const plan = await planWrite(adapter, {
        model: name,
        strategy,
        target: staged?.audit ?? targetRef,
        select,
        ...(cm?.columns ? { columns: cm.columns } : {}),
        existingKind:
          staged && !updatesInPlace(strategy, existingKind, opts.fullRefresh) ? undefined : existingKind,
        fullRefresh: opts.fullRefresh,
      });
      statements = [...(statements ?? []), ...plan.statements];
      const recorded = statements;
      const stmts = plan.statements;
      const gate = async (on: TableRef, inTransaction: boolean) => {
        const tested = await tester!.run({ ...testCtx, target: on, inTransaction });
        tests = tested.results;
        if (tested.error) throw new Error(`${tested.error} (not published: ${target} is left as it was)`);
      };
      const execAll = async () => {
        let last: number | undefined;
        for (const s of stmts) last = (await adapter.execute(s)).rowsAffected;
        if (inTx) await gate(targetRef, true);
        return last;
      };
      let rows: number | undefined;
      try {
        // Several statements commit together or not at all (a kill -9 between them must
        // not leave a half-updated table).
        rows =
          (stmts.length > 1 || inTx) && adapter.transaction
            ? await adapter.transaction(execAll)
            : await execAll();
        if (staged) {
          await gate(staged.audit, false);
          for (const s of staged.publish) await adapter.execute(s);
          recorded.push(...staged.publish);
        }
      } finally {
        if (staged) {
          for (const s of staged.cleanup) await adapter.execute(s).catch(() => undefined);
          recorded.push(...staged.cleanup);
        }
      }
      const kind = strategy.type === "view" ? "view" : "table";
      // Fingerprints are taken off the critical path: downstream models start while the
      // table is hashed (nothing in the run writes it again). A view has no stored output.
      const fingerprint =
        kind === "table" && canFingerprint ? adapter.fingerprint!(targetRef).catch(() => null) : null;
      if (strategy.type === "incremental") {
        // For `rocky state` only: the next run reads its mark from the table itself.
        const col = strategy.timestamp_column;
        const q = dialect.maxValueQuery
          ? dialect.maxValueQuery(targetRef, col)
          : `SELECT max(${dialect.quoteIdent(col)}) FROM ${target}`;
        const v = (await adapter.query(q)).rows[0]?.[0];
        if (v !== null && v !== undefined) {
          setWatermark(store, {
            tableKey: tableKey(targetRef),
            model: name,
            column: col,
            value: String(v),
            runId,
          });
        }
      }
      (await listingOf(targetRef))?.set(targetRef.table, kind);
      await isolation.onWrite?.(model, targetRef, kind);
      // Tests not run in the write's transaction: an error-severity failure fails the model
      // (descendants skipped) though the table stays written.
      if (tester && !inTx && !staged) {
        const tested = await tester.run({ ...testCtx, inTransaction: false });
        tests = tested.results;
        if (tested.error) throw new Error(tested.error);
      }
      const result: ModelResult = {
        ...base,
        status: "success",
        rows: kind === "view" ? null : (rows ?? null),
        durationMs: Math.round(performance.now() - t0),
        finishedAt: nowIso(),
        sqlHash: sqlHash(recorded),
        statements: recorded,
        fingerprint: null,
        error: null,
        ...(tests && tests.length > 0 ? { tests } : {}),
      };
      if (fingerprint) {
        pendingFingerprints.push(
          fingerprint.then((fp) => {
            if (!fp) return;
            result.fingerprint = fp;
            if (result.rows === null) result.rows = fp.rowCount;
            fingerprintWrites.push(() => setFingerprint(store, runId, name, fp));
          }),
        );
      }
      return result;
    } catch (e) {
      return {
        ...base,
        status: "failed",
        rows: null,
        durationMs: Math.round(performance.now() - t0),
        finishedAt: nowIso(),
        sqlHash: statements ? sqlHash(statements) : null,
        statements,
        fingerprint: null,
        // The driver's own wording ("INTERRUPT Error: Interrupted!") reads as a crash.
        error: opts.cancelSignal?.aborted ? "cancelled (Ctrl-C pressed twice)" : errorText(e),
        ...(tests && tests.length > 0 ? { tests } : {}),
      };
    }
  }

  const skipped = (name: string, reason: string): ModelResult => {
    const model = modelOf(name);
    const targetRef = isolation.targetFor(model);
    return {
      name,
      target: dialect.qualify(targetRef),
      targetRef,
      strategy: model.strategy.type,
      status: "skipped",
      rows: null,
      durationMs: 0,
      startedAt: null,
      finishedAt: null,
      sqlHash: null,
      statements: null,
      reads: [],
      fingerprint: null,
      columnCount: null,
      error: reason,
    };
  };

  // Scheduling: a model is ready when every selected upstream succeeded.
  const threads = Math.max(1, opts.threads);
  const scheduler: Scheduler<ModelResult> = schedule({
    order: opts.selection,
    upstream: (n) => compiled.dag.upstream.get(n) ?? [],
    downstream: (n) => compiled.dag.downstream.get(n) ?? [],
    threads,
    run: runModel,
    succeeded: (r) => r.status === "success",
    ...(opts.signal ? { signal: opts.signal } : {}),
    onStart: (name) => opts.onEvent?.({ type: "start", model: name, done: completed.length, total }),
    onDone: (name, r) => {
      results.set(name, r);
      completed.push(r);
      try {
        record(r);
      } catch (e) {
        // Without its record a run cannot be replayed: stop scheduling, report it at the end.
        stateError ??= e;
        scheduler.stop(`the state store could not be written (${errorText(e)})`);
      }
      opts.onEvent?.({ type: "done", result: r, done: completed.length, total });
      if (r.status === "success") succeeded.add(name);
      else if (opts.failFast) scheduler.stop(`--fail-fast stopped the run after '${name}' failed`);
    },
  });
  const { skipped: skipReason } = await scheduler.done;

  if (stateError !== undefined) {
    throw new RockyError(
      `run ${runId}: the state store at ${store.path} could not be written: ${errorText(stateError)}`,
      {
        hint: "models finished so far are in the warehouse; check the disk and the state file, then run again",
      },
    );
  }
  const skippedResults: ModelResult[] = [];
  for (const n of opts.selection) {
    if (results.has(n)) continue;
    const r = skipped(n, skipReason.get(n) ?? "not run: an upstream model did not run");
    skippedResults.push(r);
    record(r);
  }

  await Promise.all(pendingFingerprints);
  for (const write of fingerprintWrites) write();
  for (const [table, p] of inputs) recordInput(store, runId, table, await p);

  const interrupted = opts.signal?.aborted === true;
  const anyFailed = completed.some((r) => r.status === "failed");
  const ok = completed.filter((r) => r.status === "success").length;
  const status: RunStatus = interrupted
    ? "interrupted"
    : !anyFailed && skippedResults.length === 0
      ? "success"
      : ok === 0
        ? "failure"
        : "partial_failure";
  const finishedAt = new Date();
  finishRun(store, runId, status, finishedAt);
  return {
    runId,
    status,
    scope: isolation.scope,
    startedAt,
    finishedAt,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    threads,
    interrupted,
    models: [...completed, ...skippedResults],
  };
}
