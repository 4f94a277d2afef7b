/**
 * `rocky replay <id> --execute`: re-run the SQL a run recorded (not today's files) into an
 * isolated `replay__<run_id>` schema, and compare each model's output fingerprint with the
 * one recorded at run time. Production is never written: every recorded target is
 * rewritten to the replay schema, and a statement that still names a production target
 * after the rewrite is not executed.
 */
import type { Adapter, Fingerprint, TableRef } from "../adapter/types.ts";
import type { LoadedConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";
import { loadProject } from "../project/load.ts";
import { checkCollisions, type Placed } from "../run/collisions.ts";
import { connectAdapter } from "../run/connect.ts";
import { productionTarget } from "../run/isolation.ts";
import { type ModelRunRow, modelRuns, type RunRow, runInputs, statementsFor } from "../state/runs.ts";
import type { StateStore } from "../state/store.ts";
import { type ReplayedTest, replayTests } from "../testing/replay.ts";
import { dottedNames } from "../sql/textscan.ts";
import type { SqlDialect } from "../sql/types.ts";
import { AUDIT_SUFFIX } from "../testing/wap.ts";

export type Verdict = "identical" | "diverged" | "not_comparable";

export interface ReplayResult {
  /** The model's recorded data tests, run again on the replayed table. */
  tests?: ReplayedTest[];
  verdict: Verdict;
  reason: string | null;
  recorded: { row_count: number; hash: string } | null;
  replayed: { row_count: number; hash: string } | null;
  replay_target: string | null;
  error: string | null;
}

export interface ReplayExecution {
  schema: string;
  kept: boolean;
  results: Map<string, ReplayResult>;
}

const NON_DETERMINISTIC =
  /\b(random|uuid|gen_random_uuid|uuidv4|now|current_timestamp|current_date|current_time|today|get_current_timestamp|nextval|rand|newid|sysdate|getdate)\s*\(|\bcurrent_(timestamp|date|time)\b/i;

/** A dotted name's parts as one comparable key. */
const nameKey = (parts: readonly string[], fold: boolean) => {
  const key = parts.join("\u0000");
  return fold ? key.toLowerCase() : key;
};

/** The one dotted name `qualified` is (as rocky recorded it), or undefined. */
function partsOf(qualified: string, dialect: SqlDialect): string[] | undefined {
  const names = dottedNames(qualified, dialect);
  const only = names[0];
  return names.length === 1 && only && only.start === 0 && only.end === qualified.length
    ? only.parts
    : undefined;
}

/**
 * Rewrite whole table names in recorded SQL by their offsets, as found by the SQL lexer
 * (src/sql/textscan.ts): a name inside a string literal or a comment, or the prefix of a
 * longer dotted name (a column qualified by its table), is left alone, which a text
 * pattern cannot promise. DuckDB and Databricks resolve names case-insensitively, so
 * there a differently cased spelling is the same table.
 */
export function rewriteTableNames(sql: string, mapping: Map<string, string>, dialect: SqlDialect): string {
  const fold = dialect === "duckdb" || dialect === "databricks";
  const byKey = new Map<string, string>();
  for (const [from, to] of mapping) {
    const parts = partsOf(from, dialect);
    if (parts) byKey.set(nameKey(parts, fold), to);
  }
  if (byKey.size === 0) return sql;
  let out = sql;
  // Right to left, so earlier offsets stay valid.
  for (const span of dottedNames(sql, dialect).reverse()) {
    const to = byKey.get(nameKey(span.parts, fold));
    if (to !== undefined) out = out.slice(0, span.start) + to + out.slice(span.end);
  }
  return out;
}

/** Whether the SQL names the table `qualified` anywhere outside strings and comments (any case). */
export function namesTable(sql: string, qualified: string, dialect: SqlDialect): boolean {
  const parts = partsOf(qualified, dialect);
  if (!parts) return sql.includes(qualified);
  const key = nameKey(parts, true);
  return dottedNames(sql, dialect).some((span) => nameKey(span.parts, true) === key);
}

const SQL_DIALECTS: readonly SqlDialect[] = ["duckdb", "snowflake", "bigquery", "databricks"];
const lexerDialect = (adapterType: string): SqlDialect =>
  SQL_DIALECTS.find((d) => d === adapterType) ?? "duckdb";

const fpJson = (f: Fingerprint | null | undefined) => (f ? { row_count: f.rowCount, hash: f.hash } : null);
const same = (a: { row_count: number; hash: string } | null, b: { row_count: number; hash: string } | null) =>
  a !== null && b !== null && a.row_count === b.row_count && a.hash === b.hash;

function result(verdict: Verdict, reason: string | null, extra: Partial<ReplayResult> = {}): ReplayResult {
  return { verdict, reason, recorded: null, replayed: null, replay_target: null, error: null, ...extra };
}

/** A statement set that builds its target from scratch (as opposed to appending to it). */
function isBuild(stmts: string[]): boolean {
  return stmts.every((s) => /^\s*(CREATE\s+OR\s+REPLACE|CREATE\s+TABLE|CREATE\s+VIEW|DROP)\b/i.test(s));
}

export async function executeReplay(
  store: StateStore,
  config: LoadedConfig,
  run: RunRow,
  all: ModelRunRow[],
  selected: ModelRunRow[],
  opts: { keep: boolean },
): Promise<ReplayExecution> {
  const adapter: Adapter = await connectAdapter(config);
  try {
    if (adapter.type !== run.adapter_type) {
      throw new RockyError(
        `run ${run.run_id} ran on ${run.adapter_type}, but the project's adapter is now ${adapter.type}; its SQL cannot be replayed here`,
      );
    }
    const dialect = adapter.dialect;
    const sqlDialect = lexerDialect(adapter.type);
    const schema = dialect.safeSchemaName(`replay__${run.run_id}`);
    const catalog = dialect.defaultCatalog;
    // The replay schema is created and dropped (CASCADE) here: before any SQL, it must hold
    // no production table, of the project today or of the recorded run.
    const production: Placed[] = [];
    for (const m of all) {
      const ref = parseQualified(m.target);
      if (ref) production.push({ model: m.model_name, ref });
    }
    const project = await loadProject(config).catch(() => undefined);
    for (const m of project?.models ?? [])
      production.push({ model: m.name, ref: productionTarget(m, dialect) });
    checkCollisions(
      {
        dialect,
        production,
        isolated: selected.map((m) => ({
          model: m.model_name,
          ref: { ...(catalog !== undefined ? { catalog } : {}), schema, table: m.model_name },
        })),
        label: "replay",
        ownsSchemas: true,
      },
      (c) =>
        c.kind === "isolated_table"
          ? `models '${c.other}' and '${c.model}' are one table on ${dialect.name}: replay them one at a time with --model`
          : `the replay creates and drops ${schema}: give model '${c.other}' another [target] schema, then replay`,
    );
    await adapter.createSchema(catalog, schema);
    const results = new Map<string, ReplayResult>();
    try {
      const mapping = new Map<string, string>();
      const replayedVerdict = new Map<string, ReplayResult>();
      const recordedInputs = new Map(
        runInputs(store, run.run_id).map((i) => [
          i.table_name,
          i.fingerprint_rows !== null && i.fingerprint_hash !== null
            ? { row_count: i.fingerprint_rows, hash: i.fingerprint_hash }
            : null,
        ]),
      );
      // A table built by this run but not replayed now: its recorded output is what was read then.
      const builtInRun = new Map(
        all
          .filter((m) => m.status === "success" && m.fingerprint_rows !== null && m.fingerprint_hash !== null)
          .map((m) => [m.target, { row_count: m.fingerprint_rows!, hash: m.fingerprint_hash! }]),
      );
      const current = new Map<string, Promise<{ row_count: number; hash: string } | null>>();
      const nowFp = (table: string, ref: TableRef | undefined) => {
        let p = current.get(table);
        if (!p) {
          p =
            ref && adapter.fingerprint
              ? adapter.fingerprint(ref).then(fpJson, () => null)
              : Promise.resolve(null);
          current.set(table, p);
        }
        return p;
      };
      const refOf = new Map<string, TableRef>();

      for (const m of selected) {
        const recorded =
          m.fingerprint_rows !== null && m.fingerprint_hash !== null
            ? { row_count: m.fingerprint_rows, hash: m.fingerprint_hash }
            : null;
        if (m.status !== "success") {
          results.set(
            m.model_name,
            result("not_comparable", `the model did not succeed in the run (${m.status})`, { recorded }),
          );
          continue;
        }
        let stmts = m.sql_hash ? statementsFor(store, m.sql_hash) : undefined;
        const rebuilt = await promotedSource(store, adapter, run, m);
        if (rebuilt && "missing" in rebuilt) {
          results.set(m.model_name, result("not_comparable", rebuilt.missing, { recorded }));
          continue;
        }
        if (rebuilt) stmts = rebuilt.statements;
        const reads = rebuilt?.reads ?? m.reads;
        if (rebuilt)
          for (const i of rebuilt.inputs) if (!recordedInputs.has(i.table)) recordedInputs.set(i.table, i.fp);
        if (!stmts) {
          results.set(
            m.model_name,
            result("not_comparable", "the recorded SQL is missing from the state store", { recorded }),
          );
          continue;
        }
        if (!isBuild(stmts)) {
          results.set(
            m.model_name,
            result(
              "not_comparable",
              `this ${m.strategy} run added to the table's earlier contents, which a replay does not have`,
              {
                recorded,
              },
            ),
          );
          continue;
        }
        const replayRef: TableRef = {
          ...(catalog !== undefined ? { catalog } : {}),
          schema,
          table: m.model_name,
        };
        const replayTarget = dialect.qualify(replayRef);
        refOf.set(replayTarget, replayRef);
        const local = new Map(mapping);
        local.set(m.target, replayTarget);
        // A staged write-audit-publish (src/testing/wap.ts) built beside its target: its
        // staging table moves to the replay schema too.
        const audit = (target: string) => {
          const ref = parseQualified(target);
          if (ref)
            local.set(
              dialect.qualify({ ...ref, table: `${ref.table}${AUDIT_SUFFIX}` }),
              dialect.qualify({ ...replayRef, table: `${replayRef.table}${AUDIT_SUFFIX}` }),
            );
        };
        audit(m.target);
        // A dropped branch's table is rebuilt by its branch run's SQL, into the replay schema.
        if (rebuilt) {
          local.set(rebuilt.source, replayTarget);
          audit(rebuilt.source);
        }
        const rewritten = stmts.map((s) => rewriteTableNames(s, local, sqlDialect));
        const leaked = rewritten.find((s) => namesTable(s, m.target, sqlDialect));
        if (leaked) {
          results.set(
            m.model_name,
            result("not_comparable", "the recorded SQL could not be isolated from its production target", {
              recorded,
            }),
          );
          continue;
        }
        try {
          const execAll = async () => {
            for (const s of rewritten) await adapter.execute(s);
          };
          if (rewritten.length > 1 && adapter.transaction) await adapter.transaction(execAll);
          else await execAll();
        } catch (e) {
          results.set(
            m.model_name,
            result("not_comparable", "the recorded SQL failed to run again", {
              recorded,
              replay_target: replayTarget,
              error: (e as Error).message,
            }),
          );
          continue;
        }
        mapping.set(m.target, replayTarget);
        if (rebuilt) mapping.set(rebuilt.source, replayTarget);
        const tests = await replayTests(adapter, store, run.run_id, m.model_name, (q) =>
          rewriteTableNames(q, local, sqlDialect),
        );
        const withTests = (r: ReplayResult): ReplayResult => (tests.length > 0 ? { ...r, tests } : r);
        if (m.strategy === "view") {
          const r = result(
            "not_comparable",
            "a view stores no output, so no fingerprint was recorded to compare",
            {
              replay_target: replayTarget,
            },
          );
          results.set(m.model_name, withTests(r));
          replayedVerdict.set(m.target, r);
          continue;
        }
        const replayed = adapter.fingerprint ? fpJson(await adapter.fingerprint(replayRef)) : null;
        let r: ReplayResult;
        if (!recorded || !replayed) {
          r = result(
            "not_comparable",
            !recorded
              ? "no fingerprint was recorded at run time (fingerprints off, or the run stopped first)"
              : "the adapter cannot fingerprint tables",
            {
              recorded,
              replayed,
              replay_target: replayTarget,
            },
          );
        } else if (same(recorded, replayed)) {
          r = result("identical", null, { recorded, replayed, replay_target: replayTarget });
        } else {
          // Find why: a changed input, a non-identical upstream, or a non-deterministic query.
          let reason: string | undefined;
          for (const read of reads) {
            const up = replayedVerdict.get(read.table);
            if (up) {
              if (up.verdict !== "identical")
                reason = `it reads ${read.model ?? read.table}, which did not replay identically`;
              continue;
            }
            const then = recordedInputs.get(read.table) ?? builtInRun.get(read.table) ?? null;
            const ref = refOf.get(read.table) ?? parseQualified(read.table);
            const now = await nowFp(read.table, ref);
            if (then && now && !same(then, now)) {
              reason = `input ${read.table} changed since the run (${then.row_count} rows then, ${now.row_count} now)`;
              break;
            }
            if (!then)
              reason ??= `no fingerprint of input ${read.table} was recorded, so a change cannot be ruled out`;
          }
          const nd = rewritten.map((s) => NON_DETERMINISTIC.exec(s)).find((x) => x !== null);
          if (!reason && nd)
            reason = `the query uses a non-deterministic function (${nd[0].replace(/\s*\($/, "")})`;
          r = reason
            ? result("not_comparable", reason, { recorded, replayed, replay_target: replayTarget })
            : result(
                "diverged",
                recorded.row_count !== replayed.row_count
                  ? `${recorded.row_count} rows recorded, ${replayed.row_count} replayed, from the same inputs`
                  : "same row count, different content, from the same inputs",
                { recorded, replayed, replay_target: replayTarget },
              );
        }
        results.set(m.model_name, withTests(r));
        replayedVerdict.set(replayTarget, r);
        replayedVerdict.set(m.target, r);
      }
    } finally {
      // Also on failure: a half-built replay schema is removed unless --keep.
      if (!opts.keep) await adapter.dropSchema(catalog, schema).catch(() => undefined);
    }
    return { schema, kept: opts.keep, results };
  } finally {
    await adapter.close().catch(() => undefined);
  }
}

/**
 * A promote copied a branch table; once the branch is deleted that table is gone, and
 * the promote's own SQL (`… AS SELECT * FROM <branch table>`) cannot run again. The
 * promote recorded which branch run built the table (`reads[].built_by`): that run's
 * SQL for the model rebuilds the same content. Undefined while the branch table exists.
 */
async function promotedSource(
  store: StateStore,
  adapter: Adapter,
  run: RunRow,
  m: ModelRunRow,
): Promise<
  | {
      source: string;
      statements: string[];
      reads: ModelRunRow["reads"];
      inputs: { table: string; fp: { row_count: number; hash: string } | null }[];
    }
  | { missing: string }
  | undefined
> {
  if (run.command !== "branch promote") return undefined;
  const via = m.reads.find((r) => r.from === "isolated" && r.built_by !== undefined);
  const ref = via ? parseQualified(via.table) : undefined;
  if (!via || !ref || (await adapter.tableExists(ref))) return undefined;
  const statements = statementsFor(store, via.built_by!.sql_hash);
  if (!statements)
    return {
      missing: `the branch table ${via.table} is gone and the SQL that built it is not in the state store`,
    };
  const build = modelRuns(store, via.built_by!.run_id).find((r) => r.target === via.table);
  const inputs = runInputs(store, via.built_by!.run_id).map((i) => ({
    table: i.table_name,
    fp:
      i.fingerprint_rows !== null && i.fingerprint_hash !== null
        ? { row_count: i.fingerprint_rows, hash: i.fingerprint_hash }
        : null,
  }));
  return { source: via.table, statements, reads: build?.reads ?? [], inputs };
}

/** `"a"."b"` or `"a"."b"."c"` back to a TableRef (the run recorded names in this quoted form). */
export function parseQualified(q: string): TableRef | undefined {
  const parts: string[] = [];
  const re = /"((?:[^"]|"")*)"(\.|$)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(q)) !== null) {
    parts.push(m[1]!.replaceAll('""', '"'));
    last = re.lastIndex;
    if (m[2] === "") break;
  }
  if (last !== q.length || parts.length < 2 || parts.length > 3) return undefined;
  return parts.length === 3
    ? { catalog: parts[0]!, schema: parts[1]!, table: parts[2]! }
    : { schema: parts[0]!, table: parts[1]! };
}
