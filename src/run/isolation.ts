/**
 * Where a run writes and reads (SPEC §5). Production writes production targets; an
 * isolated scope (shadow, branch) maps every target elsewhere and resolves each read of
 * a model to its isolated copy when that copy was built in this run or already exists,
 * else to the production table. Production tables are never written by an isolated run.
 */
import type { Adapter, Dialect, TableRef } from "../adapter/types.ts";
import type { Model } from "../project/types.ts";

export type ReadSource = "isolated" | "production";

export interface ResolvedRead {
  ref: TableRef;
  from: ReadSource;
}

export interface Isolation {
  /** `production`, `shadow`, `branch:<name>` (recorded on the run). */
  readonly scope: string;
  readonly isolated: boolean;
  /** Where `model` is written in this scope. */
  targetFor(model: Model): TableRef;
  /** Where a read of `model` resolves, given whether this run has built it. */
  readTargetFor(model: Model, builtInRun: boolean): Promise<ResolvedRead>;
  /** Called once a model was written (a branch records what it created). */
  onWrite?(model: Model, ref: TableRef, kind: "table" | "view"): void | Promise<void>;
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
  ) {}

  targetFor(model: Model): TableRef {
    return this.map(productionTarget(model, this.dialect));
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
  return new MappedIsolation("shadow", dialect, adapter, (prod) =>
    opts.schema !== undefined
      ? { ...prod, schema: opts.schema }
      : { ...prod, table: `${prod.table}${suffix}` },
  );
}
