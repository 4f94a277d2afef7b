/**
 * The adapter conformance suite (`rocky test-adapter`). Unlike Rocky 1.10's,
 * which marked checks passed from declared capabilities, every check here runs
 * real statements through the adapter, in a scratch schema it creates and drops.
 *
 * Awkward names on purpose: tables `fix-price` and `Order`, a column `Order`,
 * and a scratch schema built from the branch-like name `hotfix.2026-04-20`
 * (through the dialect's `safeSchemaName`, since BigQuery datasets forbid `.`
 * and `-`).
 */
import { RockyError } from "../errors.ts";
import type { Strategy } from "../project/types.ts";
import { planWrite } from "../run/materialize.ts";
import type { Adapter, TableRef } from "./types.ts";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  name: string;
  category: string;
  status: CheckStatus;
  duration_ms: number;
  /** Why it failed or was skipped, or a note on how it passed. */
  message?: string;
}

export interface ConformanceReport {
  adapter_type: string;
  schema: string;
  checks: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** A check outcome other than a plain pass. */
class Skip extends Error {}
class Note extends Error {}

const BASE = [
  [1, "a", 10],
  [2, "b", 20],
  [3, "c", 30],
] as const;

function fail(msg: string): never {
  throw new Error(msg);
}

/** Integers come back as number or bigint depending on the driver; compare as numbers. */
function num(v: unknown): number {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return fail(
    `expected a number, got ${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x))}`,
  );
}

function show(rows: unknown[][]): string {
  return JSON.stringify(rows, (_k, x) => (typeof x === "bigint" ? Number(x) : x));
}

export interface RunOptions {
  /** Suffix of the scratch schema (tests pass a fixed one); random by default. */
  suffix?: string;
  /** Called after each check (progress on a terminal). */
  onCheck?: (c: CheckResult) => void;
}

export async function runConformance(adapter: Adapter, opts: RunOptions = {}): Promise<ConformanceReport> {
  const d = adapter.dialect;
  const q = (id: string) => d.quoteIdent(id);
  const suffix = opts.suffix ?? Math.random().toString(36).slice(2, 8);
  const catalog = d.defaultCatalog;
  const schema = d.safeSchemaName(`rocky_conformance_hotfix.2026-04-20_${suffix}`);
  const ref = (table: string): TableRef => (catalog ? { catalog, schema, table } : { schema, table });
  const T = (table: string) => d.qualify(ref(table));
  const checks: CheckResult[] = [];
  const failedNames = new Set<string>();

  /** A portable SELECT of literal rows (UNION ALL works on all four warehouses and SQLite). */
  const rowsSelect = (
    rows: readonly (readonly [number, string, number])[],
    order?: "asc" | "desc",
  ): string => {
    const body = rows
      .map(([id, name, amt], i) =>
        i === 0
          ? `SELECT ${id} AS ${q("id")}, '${name}' AS ${q("name")}, ${amt} AS ${q("Order")}`
          : `SELECT ${id}, '${name}', ${amt}`,
      )
      .join("\nUNION ALL\n");
    return order
      ? `SELECT * FROM (\n${body}\n) AS _rocky_rows ORDER BY ${q("id")} ${order.toUpperCase()}`
      : body;
  };
  const COLS = ["id", "name", "Order"];
  interface WriteContext {
    targetExists: boolean;
    fullRefresh: boolean;
    columns: string[];
  }
  const ctx = (over: Partial<WriteContext> = {}): WriteContext => ({
    targetExists: true,
    fullRefresh: false,
    columns: COLS,
    ...over,
  });
  // The run engine's own write path: plan (rebuild or update, watermark read from the
  // target, column check), then the statements, committed together where they can be.
  const materialize = async (table: string, select: string, strategy: Strategy, c: WriteContext) => {
    const target = ref(table);
    const existingKind = c.targetExists
      ? ((await adapter.objectKind?.(target)) ?? ((await adapter.tableExists(target)) ? "table" : undefined))
      : undefined;
    const { statements } = await planWrite(adapter, {
      model: table,
      strategy,
      target,
      select,
      columns: c.columns,
      existingKind,
      fullRefresh: c.fullRefresh,
    });
    const all = async () => {
      for (const sql of statements) await adapter.execute(sql);
    };
    await (statements.length > 1 && adapter.transaction ? adapter.transaction(all) : all());
  };
  const rowsOf = async (table: string): Promise<unknown[][]> => {
    const r = await adapter.query(`SELECT ${COLS.map(q).join(", ")} FROM ${T(table)} ORDER BY ${q("id")}`);
    return r.rows.map((row) => [num(row[0]), String(row[1]), num(row[2])]);
  };
  const expectRows = async (table: string, want: unknown[][]) => {
    const got = await rowsOf(table);
    if (show(got) !== show(want)) fail(`${table}: expected ${show(want)}, got ${show(got)}`);
  };

  const check = async (name: string, category: string, fn: () => Promise<void>, needs: string[] = []) => {
    const start = performance.now();
    let status: CheckStatus = "pass";
    let message: string | undefined;
    const blocked = needs.find((n) => failedNames.has(n));
    if (blocked) {
      status = "fail";
      message = `not run: '${blocked}' failed`;
    } else {
      try {
        await fn();
      } catch (e) {
        if (e instanceof Skip) status = "skip";
        else if (e instanceof Note) status = "pass";
        else status = "fail";
        message = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      }
    }
    if (status === "fail") failedNames.add(name);
    const result: CheckResult = {
      name,
      category,
      status,
      duration_ms: Math.round(performance.now() - start),
    };
    if (message) result.message = message;
    checks.push(result);
    opts.onCheck?.(result);
  };

  await check("connect", "connection", () => adapter.connect());
  await check(
    "query_types",
    "query",
    async () => {
      const r = await adapter.query(
        `SELECT 1 AS ${q("i")}, 'it''s' AS ${q("s")}, 1.5 AS ${q("f")}, NULL AS ${q("n")}`,
      );
      const names = r.columns.map((c) => c.name.toLowerCase());
      if (names.join(",") !== "i,s,f,n") fail(`columns: expected i,s,f,n, got ${names.join(",")}`);
      const row = r.rows[0] ?? fail("no row returned");
      if (r.rows.length !== 1) fail(`expected 1 row, got ${r.rows.length}`);
      if (num(row[0]) !== 1) fail(`integer: got ${String(row[0])}`);
      if (row[1] !== "it's") fail(`string: got ${JSON.stringify(row[1])}`);
      if (num(row[2]) !== 1.5) fail(`decimal: got ${String(row[2])}`);
      if (row[3] !== null) fail(`NULL: got ${JSON.stringify(row[3])}`);
    },
    ["connect"],
  );
  await check(
    "create_schema",
    "ddl",
    async () => {
      await adapter.createSchema(catalog, schema);
      await adapter.createSchema(catalog, schema); // idempotent, as runs and branches rely on
      const tables = await adapter.listTables(catalog, schema);
      if (tables.length !== 0) fail(`new schema ${schema} is not empty: ${tables.join(", ")}`);
    },
    ["connect"],
  );
  const S = ["create_schema"];
  await check(
    "ctas",
    "materialize",
    async () => {
      await materialize(
        "fix-price",
        rowsSelect(BASE),
        { type: "full_refresh" },
        ctx({ targetExists: false }),
      );
      await expectRows(
        "fix-price",
        BASE.map((r) => [...r]),
      );
      // full_refresh again replaces rather than appends.
      await materialize("fix-price", rowsSelect(BASE), { type: "full_refresh" }, ctx());
      await expectRows(
        "fix-price",
        BASE.map((r) => [...r]),
      );
    },
    S,
  );
  await check(
    "describe_table",
    "metadata",
    async () => {
      const cols =
        (await adapter.describeTable(ref("fix-price"))) ??
        fail("describeTable returned undefined for an existing table");
      const names = cols.map((c) => c.name);
      if (names.join(",") !== COLS.join(","))
        fail(`columns: expected ${COLS.join(",")}, got ${names.join(",")}`);
      const untyped = cols.filter((c) => !c.type);
      if (untyped.length > 0) fail(`no type for ${untyped.map((c) => c.name).join(", ")}`);
      if ((await adapter.describeTable(ref(`missing_${suffix}`))) !== undefined)
        fail("describeTable of a missing table is not undefined");
    },
    ["ctas"],
  );
  await check(
    "table_exists",
    "metadata",
    async () => {
      if (!(await adapter.tableExists(ref("fix-price")))) fail("existing table reported absent");
      if (await adapter.tableExists(ref(`missing_${suffix}`))) fail("missing table reported present");
    },
    ["ctas"],
  );
  await check(
    "view",
    "materialize",
    async () => {
      await materialize(
        "Order",
        `SELECT * FROM ${T("fix-price")} WHERE ${q("Order")} > 10`,
        { type: "view" },
        ctx({ targetExists: false }),
      );
      await expectRows(
        "Order",
        BASE.filter((r) => r[2] > 10).map((r) => [...r]),
      );
      if (adapter.objectKind && (await adapter.objectKind(ref("Order"))) !== "view")
        fail("objectKind of a view is not 'view'");
    },
    ["ctas"],
  );
  await check(
    "list_tables",
    "metadata",
    async () => {
      const got = await adapter.listTables(catalog, schema);
      for (const want of ["fix-price", "Order"])
        if (!got.includes(want)) fail(`'${want}' missing from ${JSON.stringify(got)}`);
    },
    ["ctas"],
  );
  await check(
    "incremental",
    "materialize",
    async () => {
      const inc: Strategy = { type: "incremental", timestamp_column: "id" };
      // First run builds the table from the model.
      await materialize("events", rowsSelect(BASE), inc, ctx({ targetExists: false }));
      const more = [...BASE, [4, "d", 40], [5, "e", 50]] as const;
      // Rows at or past the target's own high-water mark (3) are re-processed: 3 is
      // replaced, not duplicated; 4 and 5 are added.
      await materialize("events", rowsSelect(more), inc, ctx());
      await expectRows(
        "events",
        more.map((r) => [...r]),
      );
      // The high-water mark as the run engine reads it (maxValueQuery, read back as text).
      const maxSql = d.maxValueQuery
        ? d.maxValueQuery(ref("events"), "id")
        : `SELECT MAX(${q("id")}) FROM ${T("events")}`;
      const stored = (await adapter.query(maxSql)).rows[0]?.[0];
      if (stored === null || stored === undefined || num(stored) !== 5)
        fail(`max value of id: expected 5, got ${String(stored)}`);
      // The row at the mark changed since it was loaded (a partial period completed): it
      // is replaced; row 6 is new.
      const changed = [...BASE, [4, "d", 40], [5, "E", 55], [6, "f", 60]] as const;
      await materialize("events", rowsSelect(changed), inc, ctx());
      await expectRows(
        "events",
        changed.map((r) => [...r]),
      );
      // --full-refresh rebuilds.
      await materialize("events", rowsSelect(BASE), inc, ctx({ fullRefresh: true }));
      await expectRows(
        "events",
        BASE.map((r) => [...r]),
      );
    },
    S,
  );
  await check(
    "merge",
    "materialize",
    async () => {
      const m: Strategy = { type: "merge", unique_key: ["id"] };
      await materialize("merged", rowsSelect(BASE), m, ctx({ targetExists: false }));
      await materialize(
        "merged",
        rowsSelect([
          [2, "B", 21],
          [4, "d", 40],
        ]),
        m,
        ctx(),
      );
      await expectRows("merged", [
        [1, "a", 10],
        [2, "B", 21],
        [3, "c", 30],
        [4, "d", 40],
      ]);
      // update_columns limits what a match changes.
      await materialize("merged", rowsSelect([[1, "A", 11]]), { ...m, update_columns: ["name"] }, ctx());
      await expectRows("merged", [
        [1, "A", 10],
        [2, "B", 21],
        [3, "c", 30],
        [4, "d", 40],
      ]);
    },
    S,
  );
  await check(
    "delete_insert",
    "materialize",
    async () => {
      const di: Strategy = { type: "delete_insert", partition_by: ["Order"] };
      await materialize(
        "partitions",
        rowsSelect([
          [1, "a", 10],
          [2, "b", 10],
          [3, "c", 20],
        ]),
        di,
        ctx({ targetExists: false }),
      );
      // Partition Order=10 is replaced (two rows become one); Order=20 is untouched.
      await materialize("partitions", rowsSelect([[7, "z", 10]]), di, ctx());
      await expectRows("partitions", [
        [3, "c", 20],
        [7, "z", 10],
      ]);
    },
    S,
  );
  await check(
    "fingerprint",
    "replay",
    async () => {
      if (!adapter.fingerprint)
        throw new Skip("adapter has no fingerprint() (capabilities.fingerprint is false)");
      if (!adapter.capabilities.fingerprint)
        fail("fingerprint() exists but capabilities.fingerprint is false");
      const other = [
        [1, "a", 10],
        [2, "b", 20],
        [3, "c", 31],
      ] as const;
      const dup = [
        [1, "a", 10],
        [1, "a", 10],
        [2, "b", 20],
      ] as const;
      const dup2 = [
        [1, "a", 10],
        [2, "b", 20],
        [2, "b", 20],
      ] as const;
      await materialize(
        "fp_asc",
        rowsSelect(BASE, "asc"),
        { type: "full_refresh" },
        ctx({ targetExists: false }),
      );
      await materialize(
        "fp_desc",
        rowsSelect(BASE, "desc"),
        { type: "full_refresh" },
        ctx({ targetExists: false }),
      );
      await materialize(
        "fp_other",
        rowsSelect(other),
        { type: "full_refresh" },
        ctx({ targetExists: false }),
      );
      await materialize("fp_dup", rowsSelect(dup), { type: "full_refresh" }, ctx({ targetExists: false }));
      await materialize("fp_dup2", rowsSelect(dup2), { type: "full_refresh" }, ctx({ targetExists: false }));
      const [a, b, c, x, y] = await Promise.all(
        ["fp_asc", "fp_desc", "fp_other", "fp_dup", "fp_dup2"].map((t) => adapter.fingerprint!(ref(t))),
      );
      if (a!.rowCount !== 3) fail(`row count: expected 3, got ${a!.rowCount}`);
      if (a!.hash !== b!.hash) fail(`same rows in another order hash differently (${a!.hash} vs ${b!.hash})`);
      if (a!.hash === c!.hash) fail("different content has the same hash");
      if (x!.hash === y!.hash) fail("tables differing only in which row is duplicated have the same hash");
      if (!a!.hash) fail("empty hash");
    },
    S,
  );
  await check(
    "clone",
    "branch",
    async () => {
      const hasClone = typeof adapter.cloneTable === "function";
      if (hasClone !== adapter.capabilities.clone)
        fail(
          `capabilities.clone is ${adapter.capabilities.clone} but cloneTable() is ${hasClone ? "present" : "absent"}`,
        );
      let how: string;
      if (hasClone) {
        await adapter.cloneTable!(ref("fix-price"), ref("cloned"));
        how = "native clone";
      } else {
        await materialize(
          "cloned",
          `SELECT * FROM ${T("fix-price")}`,
          { type: "full_refresh" },
          ctx({ targetExists: false }),
        );
        how = "no native clone: fallback copy (CREATE TABLE … AS SELECT *)";
      }
      await expectRows(
        "cloned",
        BASE.map((r) => [...r]),
      );
      // The clone is independent of its source.
      await adapter.execute(`DELETE FROM ${T("cloned")} WHERE ${q("id")} = 1`);
      await expectRows(
        "fix-price",
        BASE.map((r) => [...r]),
      );
      if (!hasClone) throw new Note(how);
    },
    ["ctas"],
  );
  await check(
    "transaction",
    "dml",
    async () => {
      if (!adapter.transaction) {
        if (adapter.capabilities.transactions)
          fail("capabilities.transactions is true but transaction() is absent");
        throw new Skip("adapter has no transaction() (capabilities.transactions is false)");
      }
      await adapter
        .transaction(async () => {
          await adapter.execute(`DELETE FROM ${T("fix-price")}`);
          throw new Error("rollback on purpose");
        })
        .then(
          () => fail("transaction() did not rethrow the error"),
          (e: Error) => {
            if (e.message !== "rollback on purpose") throw e;
          },
        );
      await expectRows(
        "fix-price",
        BASE.map((r) => [...r]),
      );
    },
    ["ctas"],
  );
  await check(
    "error_mapping",
    "errors",
    async () => {
      const missing = `missing_${suffix}`;
      const err = await adapter.query(`SELECT * FROM ${T(missing)}`).then(
        () => fail("querying a missing table did not fail"),
        (e: unknown) => e,
      );
      const msg = err instanceof Error ? err.message : String(err);
      if (!msg.includes(missing)) fail(`the error does not name the table: ${msg.split("\n")[0]}`);
      if (msg.includes("\n")) fail(`the error is not one line: ${JSON.stringify(msg.slice(0, 200))}`);
      if (!(err instanceof RockyError) && !(err instanceof Error && err.name === "RockyError"))
        fail(
          `the adapter threw a raw ${err instanceof Error ? err.constructor.name : typeof err}, not a RockyError: ${msg}`,
        );
    },
    ["connect"],
  );
  await check(
    "drop_schema",
    "ddl",
    async () => {
      await adapter.dropSchema(catalog, schema);
      if (await adapter.tableExists(ref("fix-price"))) fail("a table survived dropSchema");
      const left = await adapter.listTables(catalog, schema);
      if (left.length > 0) fail(`tables left after dropSchema: ${left.join(", ")}`);
      await adapter.dropSchema(catalog, schema); // dropping a missing schema is not an error
    },
    S,
  );
  if (failedNames.has("drop_schema") || failedNames.has("create_schema")) {
    // Best effort: do not leave a scratch schema behind.
    await adapter.dropSchema(catalog, schema).catch(() => undefined);
  }
  await check("close", "connection", () => adapter.close());

  return {
    adapter_type: adapter.type,
    schema,
    checks,
    passed: checks.filter((c) => c.status === "pass").length,
    failed: checks.filter((c) => c.status === "fail").length,
    skipped: checks.filter((c) => c.status === "skip").length,
  };
}
