/**
 * Where a run writes and reads (SPEC §5). Production writes production targets; an
 * isolated scope (shadow, branch) maps every target elsewhere and resolves each read of
 * a model to its isolated copy when that copy was built in this run or already exists,
 * else to the production table. Production tables are never written by an isolated run.
 */
import type { Adapter, Dialect, TableRef } from "../adapter/types.ts";
import type { CompileResult } from "../compile/types.ts";
import type { Model } from "../project/types.ts";
import { type Collision, checkCollisions, type Placed } from "./collisions.ts";

export type ReadSource = "isolated" | "production";

export interface ResolvedRead {
  ref: TableRef;
  from: ReadSource;
  /** The isolated copy is a zero-copy clone of production (`branch create --clone`), not yet rebuilt. */
  clone?: "view" | "table";
}

export interface Isolation {
  /** `production`, `shadow`, `branch:<name>` (recorded on the run). */
  readonly scope: string;
  readonly isolated: boolean;
  /** Where `model` is written in this scope. */
  targetFor(model: Model): TableRef;
  /** Where `model` would be written, with no side effect (collision checks before any SQL). */
  previewTarget(model: Model): TableRef;
  /** How collision messages name this scope and what they suggest (isolated scopes). */
  readonly collisions?: CollisionPolicy;
  /** Where a read of `model` resolves, given whether this run has built it. */
  readTargetFor(model: Model, builtInRun: boolean): Promise<ResolvedRead>;
  /** Called once a model was written (a branch records what it created). */
  onWrite?(model: Model, ref: TableRef, kind: "table" | "view"): void | Promise<void>;
}

/** What an isolated scope tells the collision check (src/run/collisions.ts). */
export interface CollisionPolicy {
  /** `shadow`, `branch 'fix'`: starts each message. */
  label: string;
  /** The scope creates (and drops) its own schemas: none may be a production schema. */
  ownsSchemas: boolean;
  hint(first: Collision): string;
}

/** The table a model writes to without isolation: its [target], else the adapter's defaults. */
export function productionTarget(model: Model, dialect: Dialect): TableRef {
  const catalog = model.target.catalog ?? dialect.defaultCatalog;
  return {
    ...(catalog !== undefined ? { catalog } : {}),
    schema: model.target.schema ?? dialect.defaultSchema,
    table: model.target.table,
  };
}

export function productionIsolation(dialect: Dialect): Isolation {
  return {
    scope: "production",
    isolated: false,
    targetFor: (m) => productionTarget(m, dialect),
    previewTarget: (m) => productionTarget(m, dialect),
    readTargetFor: async (m) => ({ ref: productionTarget(m, dialect), from: "production" }),
  };
}

/**
 * An isolated scope defined by a mapping of production targets. Shadow runs and branch
 * runs (src/branch) are both instances; existence checks are cached per run.
 */
export class MappedIsolation implements Isolation {
  readonly isolated = true;
  private exists = new Map<string, Promise<boolean>>();
  constructor(
    readonly scope: string,
    private readonly dialect: Dialect,
    private readonly adapter: Adapter,
    private readonly map: (prod: TableRef) => TableRef,
    readonly collisions?: CollisionPolicy,
  ) {}

  targetFor(model: Model): TableRef {
    return this.map(productionTarget(model, this.dialect));
  }

  previewTarget(model: Model): TableRef {
    return this.targetFor(model);
  }

  async readTargetFor(model: Model, builtInRun: boolean): Promise<ResolvedRead> {
    const iso = this.targetFor(model);
    if (builtInRun) return { ref: iso, from: "isolated" };
    const key = this.dialect.qualify(iso);
    let p = this.exists.get(key);
    if (!p) {
      p = this.adapter.tableExists(iso);
      this.exists.set(key, p);
    }
    return (await p)
      ? { ref: iso, from: "isolated" }
      : { ref: productionTarget(model, this.dialect), from: "production" };
  }
}

export interface ShadowOptions {
  /** Appended to each table name (default `_rocky_shadow`); ignored when `schema` is set. */
  suffix?: string;
  /** Replace every target schema with this one. */
  schema?: string;
}

export const DEFAULT_SHADOW_SUFFIX = "_rocky_shadow";

export function shadowIsolation(dialect: Dialect, adapter: Adapter, opts: ShadowOptions): Isolation {
  const suffix = opts.suffix ?? DEFAULT_SHADOW_SUFFIX;
  const hint =
    opts.schema !== undefined
      ? () => "choose a --shadow-schema that no model of the project writes to"
      : (c: Collision) =>
          c.kind === "production_table" && c.other === c.model
            ? "an empty --shadow-suffix names the production table itself: choose a suffix, or a --shadow-schema no model writes to"
            : `choose another --shadow-suffix (the default is ${DEFAULT_SHADOW_SUFFIX}), or a --shadow-schema no model writes to`;
  return new MappedIsolation(
    "shadow",
    dialect,
    adapter,
    (prod) =>
      opts.schema !== undefined
        ? { ...prod, schema: opts.schema }
        : { ...prod, table: `${prod.table}${suffix}` },
    { label: "shadow", ownsSchemas: false, hint },
  );
}

/**
 * Refuse an isolated run, before any SQL, when a model it writes or reads would land on
 * a production table (of any model of the project, selected or not), or two models on
 * one isolated table, or (scopes that own their schemas) in a production schema. Checked:
 * the selected models and the models they read, whose reads the scope redirects.
 */
export function checkIsolation(
  isolation: Isolation,
  dialect: Dialect,
  compiled: CompileResult,
  selection: readonly string[],
): void {
  const policy = isolation.collisions;
  if (!isolation.isolated || !policy) return;
  const models = compiled.project.models;
  const byName = compiled.project.byName;
  const touched = new Set<string>();
  for (const name of selection) {
    touched.add(name);
    for (const dep of compiled.models.get(name)?.dependsOn ?? []) if (byName.has(dep)) touched.add(dep);
  }
  const isolated: Placed[] = [];
  for (const m of models)
    if (touched.has(m.name)) isolated.push({ model: m.name, ref: isolation.previewTarget(m) });
  checkCollisions(
    {
      dialect,
      production: models.map((m) => ({ model: m.name, ref: productionTarget(m, dialect) })),
      isolated,
      label: policy.label,
      ownsSchemas: policy.ownsSchemas,
    },
    (c) => policy.hint(c),
  );
}
