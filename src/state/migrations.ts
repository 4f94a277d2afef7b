/**
 * Forward-only schema migrations of the state file, indexed by `PRAGMA user_version`.
 * Migration N (1-based) is `MIGRATIONS[N - 1]`; a file at version V gets every
 * migration after V, each in its own transaction. Never edit a released migration:
 * append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, per-model executions, executed SQL, watermarks, the writer lock, branches.
  `
  CREATE TABLE runs (
    run_id        TEXT PRIMARY KEY,
    status        TEXT NOT NULL,            -- running | success | partial_failure | failure | interrupted
    trigger       TEXT NOT NULL,            -- manual | ci | schedule | sensor
    started_at    TEXT NOT NULL,            -- RFC 3339, UTC, milliseconds
    finished_at   TEXT,
    config_hash   TEXT NOT NULL,
    scope         TEXT NOT NULL,            -- production | shadow | branch:<name> | replay:<run_id>
    rocky_version TEXT NOT NULL,
    adapter_type  TEXT NOT NULL,
    pid           INTEGER NOT NULL,         -- the writer, so a crash can be detected
    command       TEXT NOT NULL DEFAULT 'run',
    error         TEXT
  );
  CREATE INDEX runs_started ON runs(started_at);
  CREATE INDEX runs_status ON runs(status);

  CREATE TABLE model_runs (
    run_id            TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    model_name        TEXT NOT NULL,
    seq               INTEGER NOT NULL,     -- execution order within the run (replay order)
    target            TEXT NOT NULL,        -- qualified, quoted name written
    strategy          TEXT NOT NULL,
    status            TEXT NOT NULL,        -- success | failed | skipped | interrupted
    started_at        TEXT,
    finished_at       TEXT,
    duration_ms       INTEGER NOT NULL DEFAULT 0,
    sql_hash          TEXT,                 -- SHA-256 of the executed statements (sql_texts.hash)
    rows_affected     INTEGER,
    bytes_written     INTEGER,
    fingerprint_rows  INTEGER,
    fingerprint_hash  TEXT,
    reads             TEXT,                 -- JSON [{model?, table, from}]
    error             TEXT,
    PRIMARY KEY (run_id, model_name)
  );
  CREATE INDEX model_runs_model ON model_runs(model_name, started_at);

  -- Tables read by a run that it did not build, fingerprinted once per run, so a replay can
  -- tell "the input changed since" from "the query is not deterministic".
  CREATE TABLE run_inputs (
    run_id           TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    table_name       TEXT NOT NULL,         -- qualified, quoted
    fingerprint_rows INTEGER,
    fingerprint_hash TEXT,
    PRIMARY KEY (run_id, table_name)
  );

  CREATE TABLE sql_texts (
    hash       TEXT PRIMARY KEY,
    statements TEXT NOT NULL                -- JSON array of the statements, in order
  );

  CREATE TABLE watermarks (
    table_key   TEXT PRIMARY KEY,           -- target as catalog.schema.table (unquoted)
    model_name  TEXT NOT NULL,
    column_name TEXT NOT NULL,
    last_value  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    run_id      TEXT
  );

  CREATE TABLE locks (
    name        TEXT PRIMARY KEY,           -- 'writer'
    pid         INTEGER NOT NULL,
    hostname    TEXT NOT NULL,
    run_id      TEXT,
    command     TEXT NOT NULL,
    acquired_at TEXT NOT NULL
  );

  CREATE TABLE branches (
    name          TEXT PRIMARY KEY,
    schema_prefix TEXT NOT NULL,
    description   TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
  );

  CREATE TABLE branch_objects (
    branch     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    catalog    TEXT,
    schema     TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (branch, kind, schema, name)
  );
  `,
  // 2: where a lock holder / run writer lives (a pid alone means nothing in another
  // container or on another host) and the lock's heartbeat (see liveness.ts).
  `
  ALTER TABLE locks ADD COLUMN boot_id TEXT;        -- /proc/sys/kernel/random/boot_id
  ALTER TABLE locks ADD COLUMN pid_ns TEXT;         -- readlink /proc/self/ns/pid
  ALTER TABLE locks ADD COLUMN heartbeat_at TEXT;   -- refreshed by the holder (lease: liveness.ts)
  ALTER TABLE runs ADD COLUMN hostname TEXT;
  ALTER TABLE runs ADD COLUMN boot_id TEXT;
  ALTER TABLE runs ADD COLUMN pid_ns TEXT;
  `,
  // 3: branch lifecycle (SPEC §18): expiry, what \`branch gc\` did, and the production
  // versions a promote replaced (kept for \`branch rollback\`).
  `
  ALTER TABLE branches ADD COLUMN expires_at TEXT;  -- RFC 3339 UTC; NULL: never expires

  CREATE TABLE branch_gc_log (
    gc_id      TEXT NOT NULL,                 -- gc-YYYYMMDD-HHMMSS-mmm
    at         TEXT NOT NULL,
    branch     TEXT NOT NULL,
    action     TEXT NOT NULL,                 -- dropped | failed | removed | would_drop
    kind       TEXT,                          -- object kind; NULL for the branch record
    object     TEXT,                          -- display name; NULL for the branch record
    error      TEXT
  );
  CREATE INDEX branch_gc_log_id ON branch_gc_log(gc_id);

  CREATE TABLE promote_backups (
    promote_run_id   TEXT NOT NULL,           -- the promote's run (runs.run_id)
    seq              INTEGER NOT NULL,
    model_name       TEXT NOT NULL,
    prod_catalog     TEXT,
    prod_schema      TEXT NOT NULL,
    prod_table       TEXT NOT NULL,
    prev_kind        TEXT NOT NULL,           -- table | view | absent (nothing stood there)
                                              -- a replaced view is recorded, not kept
    backup_catalog   TEXT,                    -- where the previous table was kept (NULL: nothing kept)
    backup_schema    TEXT,
    backup_table     TEXT,
    fingerprint_rows INTEGER,                 -- of the previous production table
    fingerprint_hash TEXT,
    watermark        TEXT,                    -- JSON {column, value} of the previous production watermark
    method           TEXT,                    -- rename | clone | copy: how the backup was made
    status           TEXT NOT NULL,           -- pending | kept | restored | expired
    created_at       TEXT NOT NULL,
    PRIMARY KEY (promote_run_id, seq)
  );
  `,
  // 4: data test results (src/testing/state.ts), from \`rocky run\` (run_id: the run) and
  // \`rocky test\` (run_id: a \`test-...\` id of its own, no runs row).
  `
  CREATE TABLE test_results (
    run_id        TEXT NOT NULL,
    command       TEXT NOT NULL,            -- run | test
    scope         TEXT NOT NULL,            -- production | shadow | branch:<name>
    seq           INTEGER NOT NULL,
    model_name    TEXT NOT NULL,
    label         TEXT NOT NULL,
    test_type     TEXT NOT NULL,
    column_name   TEXT,
    severity      TEXT NOT NULL,            -- error | warning
    status        TEXT NOT NULL,            -- pass | fail | error
    table_name    TEXT NOT NULL,
    failing_rows  INTEGER,
    sample        TEXT NOT NULL,            -- JSON {columns, rows}
    sql           TEXT NOT NULL,
    duration_ms   INTEGER NOT NULL,
    detail        TEXT,
    executed_at   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  );
  CREATE INDEX test_results_model ON test_results(model_name, executed_at);
  CREATE INDEX test_results_scope ON test_results(scope, executed_at);

  -- \`branch promote --force --reason\`: who overrode which refused gates, when and why.
  CREATE TABLE promote_overrides (
    run_id     TEXT PRIMARY KEY,            -- the promote's run (scope promote:<branch>)
    branch     TEXT NOT NULL,
    forced_by  TEXT NOT NULL,
    forced_at  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    refusals   TEXT NOT NULL                -- JSON [{model, reason}] the gate gave
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * `PRAGMA application_id` stamped on every rocky state file ("RKY1"), so a foreign SQLite
 * file (another tool's database at the same path) is recognised and refused.
 */
export const APPLICATION_ID = 0x524b5931;
