/**
 * `rocky branch promote`: copy each table the branch built over its production target,
 * on warehouses with transactions in one transaction (all or nothing), and record it as
 * a run (scope `promote:<branch>`) so `history`/`replay` show what production received.
 */
import type { Adapter, TableRef } from "../adapter/types.ts";
import type { CompiledModel } from "../compile/types.ts";
import { RockyError } from "../errors.ts";
import type { Model } from "../project/types.ts";
import type { BranchRecord } from "../state/branches.ts";
import type { BackupMethod } from "../state/backups.ts";
import {
  finishRun,
  insertRun,
  latestBuild,
  type ModelRunRow,
  recordModel,
  sqlHash,
  type Trigger,
} from "../state/runs.ts";
import type { StateStore } from "../state/store.ts";
import { deleteWatermark, getWatermark, setWatermark } from "../state/watermarks.ts";
import { VERSION } from "../version.ts";
import {
  atomicDdl,
  backupMethod,
  backupRef,
  backupStatements,
  lifecycleFacts,
  type PlannedBackup,
  planBackups,
  pruneBackups,
  settleBackups,
} from "./backups.ts";
import type { BuiltModel } from "./built.ts";
import { productionTarget, tableKey } from "./names.ts";
import { publishStatements } from "./publish.ts";

export type PromoteStatus = "promoted" | "failed" | "rolled_back" | "not_run";

export interface PromoteTarget {
  model: string;
  from: string;
  to: string;
  kind: "table" | "view";
  status: PromoteStatus;
  error?: string;
}

export interface PromoteResult {
  branch: string;
  run_id: string;
  status: "success" | "failure";
  atomic: boolean;
  targets: PromoteTarget[];
  /**
   * Production models downstream of what was promoted that the branch did not build: they
   * still hold results computed from the old tables until they are run again.
   */
  stale_downstream: string[];
  /** Production tables this promote replaced, kept for `branch rollback`. */
  backups: { model: string; table: string; backup: string; method: BackupMethod }[];
  /** Older promotes' backups dropped by retention (`[branch] keep_promotions`). */
  expired_backups: string[];
  /** What promote and rollback are on this adapter. */
  lifecycle: ReturnType<typeof lifecycleFacts>;
  error?: string;
}

export interface PromoteOptions {
  trigger: Trigger;
  configHash: string;
  /** Compiled models, to write production views with production reads. */
  compiled: ReadonlyMap<string, CompiledModel>;
  models: readonly Model[];
  /** Model-level downstream edges (the DAG), for the models left stale by the promote. */
  downstream: ReadonlyMap<string, readonly string[]>;
  /** The key the run engine stores watermarks under, for incremental models. */
  watermarkKey: (ref: TableRef) => string;
  /** `[branch] keep_promotions`: how many promotes keep the tables they replaced (0: none). */
  keepPromotions?: number;
}

interface Step {
  built: BuiltModel;
  /** Run first, not recorded: like a run, the record holds only what builds the table. */
  setup: string[];
  /** A view's SQL over production. */
  viewSql?: string;
}

/** Refuse a promote that would write one production table twice. */
export function checkDistinctTargets(built: readonly BuiltModel[]): void {
  const seen = new Map<string, string>();
  for (const b of built) {
    const k = tableKey(b.production);
    const other = seen.get(k);
    if (other !== undefined) {
      throw new RockyError(
        `models '${other}' and '${b.model.name}' both promote to ${b.production.schema}.${b.production.table}`,
        { hint: "give one of them another [target] before promoting; nothing was written" },
      );
    }
    seen.set(k, b.model.name);
  }
}

/**
 * A view is promoted as its model's SQL with every model reference pointing at production
 * (the branch view reads branch tables, which `branch delete --drop` removes).
 */
function productionViewSql(b: BuiltModel, adapter: Adapter, opts: PromoteOptions): string {
  const compiled = opts.compiled.get(b.model.name);
  const byName = new Map(opts.models.map((m) => [m.name, m]));
  let sql = b.model.sql;
  const refs = [...(compiled?.refs ?? [])]
    .filter((r) => r.model !== undefined)
    .sort((x, y) => y.start - x.start);
  for (const r of refs) {
    const target = byName.get(r.model!);
    if (!target) continue;
    sql =
      sql.slice(0, r.start) +
      adapter.dialect.qualify(productionTarget(target, adapter.dialect)) +
      sql.slice(r.end);
  }
  return sql;
}

function plan(adapter: Adapter, built: readonly BuiltModel[], opts: PromoteOptions): Step[] {
  const d = adapter.dialect;
  return built.map((b) => ({
    built: b,
    setup: [d.createSchema(b.production.catalog, b.production.schema)],
    ...(b.kind === "view" ? { viewSql: productionViewSql(b, adapter, opts) } : {}),
  }));
}

/**
 * The statements publishing one step, given what stands at the target after its backup:
 * a strategy change (view <-> table) drops the other kind first.
 */
async function publish(adapter: Adapter, step: Step, stage: TableRef, keep: boolean): Promise<string[]> {
  const d = adapter.dialect;
  const prod = step.built.production;
  const current = adapter.objectKind ? await adapter.objectKind(prod) : undefined;
  const drop =
    current === undefined || current === step.built.kind
      ? []
      : [current === "view" ? d.dropView(prod) : d.dropTable(prod)];
  return [
    ...drop,
    ...publishStatements(d, {
      branch: step.built.branch,
      production: prod,
      kind: step.built.kind,
      replacesTable: current === "table" && step.built.kind === "table",
      method: backupMethod(adapter),
      stage,
      keep,
      ...(step.viewSql === undefined ? {} : { viewSql: step.viewSql }),
    }),
  ];
}

export async function promoteBranch(
  store: StateStore,
  adapter: Adapter,
  branch: BranchRecord,
  built: readonly BuiltModel[],
  opts: PromoteOptions,
): Promise<PromoteResult> {
  checkDistinctTargets(built);
  const steps = plan(adapter, built, opts);
  const atomic = atomicDdl(adapter);
  const runId = insertRun(store, {
    trigger: opts.trigger,
    startedAt: new Date(),
    configHash: opts.configHash,
    scope: `promote:${branch.name}`,
    rockyVersion: VERSION,
    adapterType: adapter.type,
    command: "branch promote",
  });
  store.setLockRunId(runId);
  const keep = opts.keepPromotions ?? 3;
  const planned: PlannedBackup[] =
    keep > 0 ? await planBackups(store, adapter, runId, built, opts.watermarkKey) : [];
  const d = adapter.dialect;
  const targets: PromoteTarget[] = steps.map((s) => ({
    model: s.built.model.name,
    from: d.qualify(s.built.branch),
    to: d.qualify(s.built.production),
    kind: s.built.kind,
    status: "not_run",
  }));
  const executed: { statements: string[]; started: string; finished: string; rows?: number }[] = [];
  let failure: Error | undefined;
  const body = async () => {
    for (const [i, step] of steps.entries()) {
      const started = new Date().toISOString();
      let statements: string[] = [];
      let rows: number | undefined;
      try {
        for (const sql of step.setup) await adapter.execute(sql);
        // Keep the production table first (not recorded: the record holds what builds it).
        const keepPrevious = planned[i] ? backupStatements(adapter, planned[i]!) : [];
        for (const sql of keepPrevious) await adapter.execute(sql);
        // A swap leaves the previous version under the backup's name (or a stage, dropped).
        const stage = planned[i]?.backup ?? backupRef(step.built.production, runId, i);
        statements = await publish(adapter, step, stage, planned[i]?.backup !== undefined);
        for (const sql of statements) {
          const r = await adapter.execute(sql);
          if (r.rowsAffected !== undefined) rows = r.rowsAffected;
        }
      } catch (e) {
        targets[i]!.status = "failed";
        targets[i]!.error = (e as Error).message;
        executed.push({ statements, started, finished: new Date().toISOString() });
        throw e;
      }
      targets[i]!.status = "promoted";
      executed.push({
        statements,
        started,
        finished: new Date().toISOString(),
        ...(rows === undefined ? {} : { rows }),
      });
    }
  };
  try {
    if (atomic) await adapter.transaction!(body);
    else await body();
  } catch (e) {
    failure = e as Error;
    if (atomic) for (const t of targets) if (t.status === "promoted") t.status = "rolled_back";
  }
  for (const [i, step] of steps.entries()) {
    const t = targets[i]!;
    const ex = executed[i];
    const row: ModelRunRow = {
      run_id: runId,
      model_name: step.built.model.name,
      seq: i,
      target: t.to,
      // What ran is a full copy (or a view), whatever the model builds with in a run.
      strategy: step.built.kind === "view" ? "view" : "full_refresh",
      status: t.status === "promoted" ? "success" : t.status === "failed" ? "failed" : "skipped",
      started_at: ex?.started ?? null,
      finished_at: ex?.finished ?? null,
      duration_ms: ex ? Date.parse(ex.finished) - Date.parse(ex.started) : 0,
      sql_hash: ex ? sqlHash(ex.statements) : null,
      rows_affected: t.status === "promoted" ? (ex?.rows ?? null) : null,
      bytes_written: null,
      fingerprint_rows: null,
      fingerprint_hash: null,
      reads: [{ model: step.built.model.name, table: t.from, from: "isolated", ...builtBy(store, step, t) }],
      error:
        t.status === "rolled_back" ? "rolled back: another model of the promote failed" : (t.error ?? null),
    };
    if (t.status === "promoted" && adapter.fingerprint && step.built.kind === "table") {
      const fp = await adapter.fingerprint(step.built.production);
      row.fingerprint_rows = fp.rowCount;
      row.fingerprint_hash = fp.hash;
    }
    recordModel(store, row, ex?.statements);
    if (t.status === "promoted") carryWatermark(store, step.built, opts.watermarkKey, runId);
  }
  await settleBackups(store, adapter, runId, planned, (seq) => targets[seq]?.status === "promoted");
  const expired = failure ? [] : await pruneBackups(store, adapter, keep);
  const status = failure ? "failure" : "success";
  const error = failure
    ? `promote failed at model '${targets.find((t) => t.status === "failed")?.model ?? "?"}': ${failure.message}` +
      (atomic ? "; production is unchanged (rolled back)" : "")
    : undefined;
  finishRun(store, runId, status, new Date(), error);
  const stale =
    failure && atomic
      ? []
      : staleDownstream(
          built.filter((_, i) => targets[i]!.status === "promoted"),
          opts.downstream,
        );
  return {
    branch: branch.name,
    run_id: runId,
    status,
    atomic,
    targets,
    stale_downstream: stale,
    backups: planned
      .filter((p) => p.backup && targets[p.seq]?.status === "promoted")
      .map((p) => ({
        model: p.built.model.name,
        table: d.qualify(p.built.production),
        backup: d.qualify(p.backup!),
        method: p.method!,
      })),
    expired_backups: expired,
    lifecycle: lifecycleFacts(adapter),
    ...(error ? { error } : {}),
  };
}

/**
 * A promoted table's branch build (run and SQL), so `rocky replay` of this promote can
 * rebuild it after `branch delete --drop` removed the branch table. A view is promoted as
 * its own SQL over production and needs none.
 */
function builtBy(
  store: StateStore,
  step: Step,
  t: PromoteTarget,
): Pick<ModelRunRow["reads"][number], "built_by"> {
  if (step.built.kind !== "table") return {};
  const b = latestBuild(store, t.from);
  return b ? { built_by: b } : {};
}

function staleDownstream(
  promoted: readonly BuiltModel[],
  downstream: ReadonlyMap<string, readonly string[]>,
): string[] {
  const done = new Set(promoted.map((b) => b.model.name));
  const seen = new Set<string>();
  const queue = [...done];
  while (queue.length > 0) {
    for (const d of downstream.get(queue.pop()!) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      queue.push(d);
    }
  }
  return [...seen].filter((n) => !done.has(n)).sort();
}

/**
 * An incremental model's production watermark must follow its new contents: the branch's
 * watermark when it has one, otherwise none (the run engine then reads the table's maximum).
 */
function carryWatermark(
  store: StateStore,
  b: BuiltModel,
  key: (ref: TableRef) => string,
  runId: string,
): void {
  if (b.model.strategy.type !== "incremental") return;
  const fromBranch = getWatermark(store, key(b.branch));
  if (fromBranch)
    setWatermark(store, {
      tableKey: key(b.production),
      model: b.model.name,
      column: fromBranch.column_name,
      value: fromBranch.last_value,
      runId,
    });
  else deleteWatermark(store, key(b.production));
}
