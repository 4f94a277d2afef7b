/** Run records (SPEC §6): one row per run, one per model execution, executed SQL stored once by hash. */
import { selfIdentity } from "./liveness.ts";
import type { StateStore } from "./store.ts";

export type RunStatus = "running" | "success" | "partial_failure" | "failure" | "interrupted";
export type Trigger = "manual" | "ci" | "schedule" | "sensor";
export type ModelStatus = "success" | "failed" | "skipped";

export interface RunRow {
  run_id: string;
  status: RunStatus;
  trigger: Trigger;
  started_at: string;
  finished_at: string | null;
  config_hash: string;
  scope: string;
  rocky_version: string;
  adapter_type: string;
  pid: number;
  /** Where `pid` lives (schema v2; null on runs recorded by an older rocky). */
  hostname: string | null;
  boot_id: string | null;
  pid_ns: string | null;
  command: string;
  error: string | null;
}

/** Where one table a model read came from in an isolated run. */
export interface ReadRecord {
  /** The model read, when the table is a model of the project. */
  model?: string;
  /** Qualified, quoted name actually read. */
  table: string;
  from: "isolated" | "production" | "source";
  /** Set when the isolated object read is a `branch create --clone` start, not a table a run built. */
  clone?: "view" | "table";
  /**
   * The run that built the isolated table read (a promote records it), so a replay can
   * rebuild it from that run's SQL once the branch is deleted.
   */
  built_by?: { run_id: string; sql_hash: string };
}

export interface ModelRunRow {
  run_id: string;
  model_name: string;
  seq: number;
  target: string;
  strategy: string;
  status: ModelStatus;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number;
  sql_hash: string | null;
  rows_affected: number | null;
  bytes_written: number | null;
  fingerprint_rows: number | null;
  fingerprint_hash: string | null;
  reads: ReadRecord[];
  error: string | null;
}

interface ModelRunDbRow extends Omit<ModelRunRow, "reads"> {
  reads: string | null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `run-YYYYMMDD-HHMMSS-mmm` in UTC, as Rocky 1.10. */
export function formatRunId(d: Date): string {
  return `run-${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}`;
}

/** SHA-256 (hex) of the statements a model executed, in order. */
export function sqlHash(statements: string[]): string {
  return new Bun.CryptoHasher("sha256").update(statements.join(";\n")).digest("hex");
}

export interface NewRun {
  status?: RunStatus;
  trigger: Trigger;
  startedAt: Date;
  configHash: string;
  scope: string;
  rockyVersion: string;
  adapterType: string;
  command?: string;
}

/**
 * Insert the run row (status `running`) and return its id. Two runs started in the same
 * millisecond get consecutive ids rather than colliding.
 */
export function insertRun(store: StateStore, run: NewRun): string {
  const me = selfIdentity();
  return store.transaction(() => {
    let t = run.startedAt.getTime();
    let id = formatRunId(new Date(t));
    const exists = store.db.query("SELECT 1 FROM runs WHERE run_id = ?");
    while (exists.get(id)) id = formatRunId(new Date(++t));
    store.db
      .query(
        `INSERT INTO runs(run_id, status, trigger, started_at, config_hash, scope, rocky_version, adapter_type, pid, command, hostname, boot_id, pid_ns)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        run.status ?? "running",
        run.trigger,
        new Date(t).toISOString(),
        run.configHash,
        run.scope,
        run.rockyVersion,
        run.adapterType,
        me.pid,
        run.command ?? "run",
        me.hostname,
        me.boot_id,
        me.pid_ns,
      );
    // The lock names its run in the same transaction: a reader never sees a running run
    // that no lock owns while its writer is alive.
    if (store.locked) store.setLockRunId(id);
    return id;
  });
}

export function finishRun(
  store: StateStore,
  runId: string,
  status: RunStatus,
  finishedAt: Date,
  error?: string,
): void {
  store.db
    .query("UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE run_id = ?")
    .run(status, finishedAt.toISOString(), error ?? null, runId);
}

/** Record one model execution; its statements are stored once under their hash. */
export function recordModel(store: StateStore, row: ModelRunRow, statements: string[] | undefined): void {
  store.transaction(() => {
    if (row.sql_hash && statements) {
      store.db
        .query("INSERT OR IGNORE INTO sql_texts(hash, statements) VALUES (?, ?)")
        .run(row.sql_hash, JSON.stringify(statements));
    }
    store.db
      .query(
        `INSERT OR REPLACE INTO model_runs(run_id, model_name, seq, target, strategy, status, started_at, finished_at,
           duration_ms, sql_hash, rows_affected, bytes_written, fingerprint_rows, fingerprint_hash, reads, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.run_id,
        row.model_name,
        row.seq,
        row.target,
        row.strategy,
        row.status,
        row.started_at,
        row.finished_at,
        row.duration_ms,
        row.sql_hash,
        row.rows_affected,
        row.bytes_written,
        row.fingerprint_rows,
        row.fingerprint_hash,
        JSON.stringify(row.reads),
        row.error,
      );
  });
}

/** A model's output fingerprint, taken after its row was recorded. */
export function setFingerprint(
  store: StateStore,
  runId: string,
  model: string,
  fp: { rowCount: number; hash: string },
): void {
  store.db
    .query(
      "UPDATE model_runs SET fingerprint_rows = ?, fingerprint_hash = ? WHERE run_id = ? AND model_name = ?",
    )
    .run(fp.rowCount, fp.hash, runId, model);
}

export function recordInput(
  store: StateStore,
  runId: string,
  table: string,
  fp: { rowCount: number; hash: string } | undefined,
): void {
  store.db
    .query(
      "INSERT OR REPLACE INTO run_inputs(run_id, table_name, fingerprint_rows, fingerprint_hash) VALUES (?, ?, ?, ?)",
    )
    .run(runId, table, fp?.rowCount ?? null, fp?.hash ?? null);
}

export function runInputs(
  store: StateStore,
  runId: string,
): { table_name: string; fingerprint_rows: number | null; fingerprint_hash: string | null }[] {
  return store.db
    .query(
      "SELECT table_name, fingerprint_rows, fingerprint_hash FROM run_inputs WHERE run_id = ? ORDER BY table_name",
    )
    .all(runId) as { table_name: string; fingerprint_rows: number | null; fingerprint_hash: string | null }[];
}

/** Newest first. `since` is an RFC 3339 timestamp compared with started_at. */
export function listRuns(store: StateStore, opts: { limit?: number; since?: string } = {}): RunRow[] {
  return store.db
    .query(
      `SELECT * FROM runs WHERE (?1 IS NULL OR started_at >= ?1)
       ORDER BY started_at DESC, run_id DESC LIMIT ?2`,
    )
    .all(opts.since ?? null, opts.limit ?? -1) as RunRow[];
}

export function getRun(store: StateStore, runId: string): RunRow | undefined {
  return (store.db.query("SELECT * FROM runs WHERE run_id = ?").get(runId) as RunRow | null) ?? undefined;
}

export function latestRun(store: StateStore): RunRow | undefined {
  return listRuns(store, { limit: 1 })[0];
}

/** Every run id, for "did you mean" on an unknown id. */
export function allRunIds(store: StateStore): string[] {
  return (store.db.query("SELECT run_id FROM runs").all() as { run_id: string }[]).map((r) => r.run_id);
}

function parseModelRow(r: ModelRunDbRow): ModelRunRow {
  return { ...r, reads: r.reads ? (JSON.parse(r.reads) as ReadRecord[]) : [] };
}

/** A run's model executions, in execution order. */
export function modelRuns(store: StateStore, runId: string): ModelRunRow[] {
  return (
    store.db
      .query("SELECT * FROM model_runs WHERE run_id = ? ORDER BY seq, model_name")
      .all(runId) as ModelRunDbRow[]
  ).map(parseModelRow);
}

/** The latest successful build of `target` (a qualified name) recorded with its SQL. */
export function latestBuild(
  store: StateStore,
  target: string,
): { run_id: string; sql_hash: string } | undefined {
  return (
    store.db
      .query<{ run_id: string; sql_hash: string }, [string]>(
        `SELECT m.run_id, m.sql_hash FROM model_runs m JOIN runs r ON r.run_id = m.run_id
         WHERE m.target = ? AND m.status = 'success' AND m.sql_hash IS NOT NULL AND r.command <> 'branch promote'
         ORDER BY m.run_id DESC LIMIT 1`,
      )
      .get(target) ?? undefined
  );
}

/** Model executions of many runs at once (history), grouped by run id. */
export function modelRunsOf(store: StateStore, runIds: string[]): Map<string, ModelRunRow[]> {
  const out = new Map<string, ModelRunRow[]>();
  if (runIds.length === 0) return out;
  const rows = store.db
    .query(
      `SELECT * FROM model_runs WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, seq, model_name`,
    )
    .all(JSON.stringify(runIds)) as ModelRunDbRow[];
  for (const r of rows) {
    const list = out.get(r.run_id) ?? [];
    list.push(parseModelRow(r));
    out.set(r.run_id, list);
  }
  return out;
}

/** One model's executions, newest first (skipped entries excluded: they did not execute). */
export function modelHistory(
  store: StateStore,
  model: string,
  opts: { limit?: number; since?: string } = {},
): ModelRunRow[] {
  return (
    store.db
      .query(
        `SELECT m.* FROM model_runs m WHERE m.model_name = ?1 AND m.status != 'skipped'
           AND (?2 IS NULL OR m.started_at >= ?2)
         ORDER BY m.started_at DESC LIMIT ?3`,
      )
      .all(model, opts.since ?? null, opts.limit ?? -1) as ModelRunDbRow[]
  ).map(parseModelRow);
}

export function statementsFor(store: StateStore, hash: string): string[] | undefined {
  const row = store.db.query("SELECT statements FROM sql_texts WHERE hash = ?").get(hash) as {
    statements: string;
  } | null;
  return row ? (JSON.parse(row.statements) as string[]) : undefined;
}
