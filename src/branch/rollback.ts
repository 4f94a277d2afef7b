/**
 * `rocky branch rollback [PROMOTE_RUN_ID|latest]`: put back the production tables a
 * promote replaced, from the backups it kept (src/branch/backups.ts), in one transaction
 * where the warehouse has them (DuckDB). A target the promote created (nothing stood
 * there) is dropped; a replaced view was not kept and is reported as not restorable.
 * Watermarks return to their pre-promote values, and the rollback is recorded as a run
 * (scope `rollback:<promote run>`), each restored table fingerprinted against the
 * fingerprint taken before the promote.
 *
 * A crash midway: on DuckDB the transaction never committed, so production and the
 * backups are as before and the rows stay `kept`; the rollback can simply be re-run.
 */
import type { Adapter } from "../adapter/types.ts";
import { RockyError } from "../errors.ts";
import {
  type BackupRow,
  backupsOf,
  deleteBackup,
  promotesWithBackups,
  setBackupStatus,
} from "../state/backups.ts";
import { finishRun, insertRun, type ModelRunRow, recordModel, sqlHash, type Trigger } from "../state/runs.ts";
import type { StateStore } from "../state/store.ts";
import { deleteWatermark, setWatermark } from "../state/watermarks.ts";
import { VERSION } from "../version.ts";
import { atomicDdl, backupTableRef, lifecycleFacts, productionRef } from "./backups.ts";
import { restoreStatements } from "./publish.ts";
import type { TableRef } from "../adapter/types.ts";

export type RollbackAction = "restored" | "dropped" | "not_restorable" | "failed" | "rolled_back" | "not_run";

export interface RollbackTarget {
  model: string;
  table: string;
  action: RollbackAction;
  backup: string | null;
  fingerprint_match: boolean | null;
  error?: string;
}

export interface RollbackResult {
  promote_run_id: string;
  run_id: string;
  branch: string;
  status: "success" | "failure";
  atomic: boolean;
  lifecycle: ReturnType<typeof lifecycleFacts>;
  targets: RollbackTarget[];
  error?: string;
}

/** The promote run to undo: an id, or `latest` (the newest promote with kept backups). */
export function resolvePromote(store: StateStore, which: string): { runId: string; branch: string } {
  const withBackups = promotesWithBackups(store);
  const runId = which === "latest" ? withBackups[0]?.promote_run_id : which;
  if (runId === undefined)
    throw new RockyError("no promote to roll back: no promote has kept the tables it replaced", {
      code: "not_found",
      hint: "promotes keep backups while [branch] keep_promotions > 0 (default 3)",
    });
  const run = store.db
    .query<{ scope: string; command: string }, [string]>(
      "SELECT scope, command FROM runs WHERE run_id = ? AND command = 'branch promote'",
    )
    .get(runId);
  if (!run)
    throw new RockyError(`no promote run '${runId}'`, {
      code: "not_found",
      hint:
        withBackups.length > 0
          ? `promotes that can be rolled back: ${withBackups.map((p) => p.promote_run_id).join(", ")}`
          : "no promote has kept backups",
    });
  const rows = backupsOf(store, runId);
  if (rows.length > 0 && rows.every((r) => r.status === "restored"))
    throw new RockyError(`promote ${runId} was already rolled back`);
  if (!withBackups.some((p) => p.promote_run_id === runId))
    throw new RockyError(`promote ${runId} has no backups left to restore`, {
      hint: "backups older than [branch] keep_promotions promotes are dropped",
    });
  // A later promote of the same table would be silently undone: roll that one back first.
  const later = withBackups.filter((p) => p.promote_run_id > runId).map((p) => p.promote_run_id);
  for (const l of later) {
    const mine = new Set(
      rows.map((r) => `${r.prod_catalog ?? ""}.${r.prod_schema}.${r.prod_table}`.toLowerCase()),
    );
    const clash = backupsOf(store, l).find(
      (r) =>
        (r.status === "kept" || r.status === "pending") &&
        mine.has(`${r.prod_catalog ?? ""}.${r.prod_schema}.${r.prod_table}`.toLowerCase()),
    );
    if (clash)
      throw new RockyError(`a later promote (${l}) replaced ${clash.prod_schema}.${clash.prod_table} again`, {
        hint: `roll back ${l} first: 'rocky branch rollback ${l}'`,
      });
  }
  return { runId, branch: run.scope.replace(/^promote:/, "") };
}

interface Step {
  row: BackupRow;
  prod: TableRef;
  backup: TableRef | undefined;
  statements: string[];
  action: "restored" | "dropped" | "not_restorable";
}

async function plan(adapter: Adapter, rows: readonly BackupRow[]): Promise<Step[]> {
  const d = adapter.dialect;
  const steps: Step[] = [];
  for (const row of rows) {
    if (row.status !== "kept" && row.status !== "pending") continue;
    const prod = productionRef(row);
    const backup = backupTableRef(row);
    const current = adapter.objectKind
      ? await adapter.objectKind(prod)
      : (await adapter.describeTable(prod)) === undefined
        ? undefined
        : "table";
    const dropCurrent =
      current === undefined ? [] : [current === "view" ? d.dropView(prod) : d.dropTable(prod)];
    if (row.prev_kind === "absent") {
      steps.push({ row, prod, backup, statements: dropCurrent, action: "dropped" });
    } else if (!backup || (row.prev_kind === "view" && row.method !== "rename")) {
      steps.push({ row, prod, backup, statements: [], action: "not_restorable" });
    } else {
      if (!(await adapter.tableExists(backup))) {
        // An earlier rollback that was killed after the warehouse committed: the table is
        // already back (same content hash as before the promote); only the state lags.
        if (row.fingerprint_hash !== null && adapter.fingerprint && current === "table") {
          const fp = await adapter.fingerprint(prod);
          if (fp.hash === row.fingerprint_hash && fp.rowCount === row.fingerprint_rows) {
            steps.push({ row, prod, backup, statements: [], action: "restored" });
            continue;
          }
        }
        throw new RockyError(
          `the backup of ${d.qualify(prod)} (${d.qualify(backup)}) is not in the warehouse; nothing was restored`,
          { hint: "it was dropped outside rocky, or its promote never committed" },
        );
      }
      const statements = restoreStatements(d, {
        production: prod,
        backup,
        method: row.method ?? "copy",
        prevKind: row.prev_kind === "view" ? "view" : "table",
        current,
      });
      steps.push({ row, prod, backup, statements, action: "restored" });
    }
  }
  return steps;
}

/**
 * Promotes killed before they settled their backups (`pending`): the warehouse tells
 * whether they committed — one of their backups exists, or the run finished successfully.
 * Committed: `kept`; otherwise the rows go (production never changed).
 */
export async function settleInterruptedPromotes(store: StateStore, adapter: Adapter): Promise<void> {
  const runs = store.db
    .query<{ promote_run_id: string; status: string | null }, []>(
      `SELECT DISTINCT b.promote_run_id, r.status FROM promote_backups b LEFT JOIN runs r ON r.run_id = b.promote_run_id
       WHERE b.status = 'pending'`,
    )
    .all();
  for (const run of runs) {
    if (run.status === "running") continue;
    const rows = backupsOf(store, run.promote_run_id).filter((r) => r.status === "pending");
    let committed = run.status === "success";
    for (const r of rows) {
      const ref = backupTableRef(r);
      if (!committed && ref && (await adapter.tableExists(ref))) committed = true;
    }
    for (const r of rows)
      if (committed) setBackupStatus(store, run.promote_run_id, r.seq, "kept");
      else deleteBackup(store, run.promote_run_id, r.seq);
  }
}

export async function rollbackPromote(
  store: StateStore,
  adapter: Adapter,
  which: string,
  opts: { trigger: Trigger; configHash: string; watermarkKey: (ref: TableRef) => string },
): Promise<RollbackResult> {
  await settleInterruptedPromotes(store, adapter);
  const { runId: promoteRunId, branch } = resolvePromote(store, which);
  const rows = backupsOf(store, promoteRunId);
  const steps = await plan(adapter, rows);
  const d = adapter.dialect;
  const atomic = atomicDdl(adapter);
  const runId = insertRun(store, {
    trigger: opts.trigger,
    startedAt: new Date(),
    configHash: opts.configHash,
    scope: `rollback:${promoteRunId}`,
    rockyVersion: VERSION,
    adapterType: adapter.type,
    command: "branch rollback",
  });
  store.setLockRunId(runId);
  const targets: RollbackTarget[] = steps.map((s) => ({
    model: s.row.model_name,
    table: d.qualify(s.prod),
    action: s.action === "not_restorable" ? "not_restorable" : "not_run",
    backup: s.backup ? d.qualify(s.backup) : null,
    fingerprint_match: null,
    ...(s.action === "not_restorable"
      ? { error: "the promote replaced a view; views are not kept (re-run its model to rebuild it)" }
      : {}),
  }));
  const times: { started: string; finished: string }[] = [];
  let failure: Error | undefined;
  const body = async () => {
    for (const [i, s] of steps.entries()) {
      const started = new Date().toISOString();
      if (s.action === "not_restorable") {
        times[i] = { started, finished: started };
        continue;
      }
      try {
        for (const sql of s.statements) await adapter.execute(sql);
      } catch (e) {
        targets[i]!.action = "failed";
        targets[i]!.error = (e as Error).message;
        times[i] = { started, finished: new Date().toISOString() };
        throw e;
      }
      targets[i]!.action = s.action;
      times[i] = { started, finished: new Date().toISOString() };
    }
  };
  try {
    if (atomic) await adapter.transaction!(body);
    else await body();
  } catch (e) {
    failure = e as Error;
    if (atomic)
      for (const t of targets)
        if (t.action === "restored" || t.action === "dropped") t.action = "rolled_back";
  }
  for (const [i, s] of steps.entries()) {
    const t = targets[i]!;
    const done = t.action === "restored" || t.action === "dropped";
    const row: ModelRunRow = {
      run_id: runId,
      model_name: s.row.model_name,
      seq: i,
      target: t.table,
      strategy: "rollback",
      status: done ? "success" : t.action === "failed" ? "failed" : "skipped",
      started_at: times[i]?.started ?? null,
      finished_at: times[i]?.finished ?? null,
      duration_ms: times[i] ? Date.parse(times[i]!.finished) - Date.parse(times[i]!.started) : 0,
      sql_hash: s.statements.length > 0 ? sqlHash(s.statements) : null,
      rows_affected: null,
      bytes_written: null,
      fingerprint_rows: null,
      fingerprint_hash: null,
      reads: s.backup ? [{ model: s.row.model_name, table: t.backup!, from: "production" }] : [],
      error:
        t.action === "rolled_back" ? "rolled back: another table of the rollback failed" : (t.error ?? null),
    };
    if (
      t.action === "restored" &&
      s.row.prev_kind === "table" &&
      adapter.fingerprint &&
      adapter.capabilities.fingerprint
    ) {
      const fp = await adapter.fingerprint(s.prod);
      row.fingerprint_rows = fp.rowCount;
      row.fingerprint_hash = fp.hash;
      t.fingerprint_match =
        s.row.fingerprint_hash === null
          ? null
          : fp.hash === s.row.fingerprint_hash && fp.rowCount === s.row.fingerprint_rows;
    }
    recordModel(store, row, s.statements.length > 0 ? s.statements : undefined);
    if (done) {
      setBackupStatus(store, promoteRunId, s.row.seq, "restored");
      restoreWatermark(store, s, opts.watermarkKey, runId);
    }
  }
  const status = failure ? "failure" : "success";
  const error = failure
    ? `rollback failed at '${targets.find((t) => t.action === "failed")?.model ?? "?"}': ${failure.message}` +
      (atomic ? "; production is unchanged (rolled back)" : "")
    : undefined;
  finishRun(store, runId, status, new Date(), error);
  return {
    promote_run_id: promoteRunId,
    run_id: runId,
    branch,
    status,
    atomic,
    lifecycle: lifecycleFacts(adapter),
    targets,
    ...(error ? { error } : {}),
  };
}

/** The production watermark goes back to what it was before the promote (or away, if none). */
function restoreWatermark(store: StateStore, s: Step, key: (ref: TableRef) => string, runId: string): void {
  const k = key(s.prod);
  if (s.row.watermark === null) {
    deleteWatermark(store, k);
    return;
  }
  const w = JSON.parse(s.row.watermark) as { column: string; value: string; model: string };
  setWatermark(store, { tableKey: k, model: w.model, column: w.column, value: w.value, runId });
}
