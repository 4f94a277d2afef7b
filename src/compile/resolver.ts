/**
 * Table references (as name parts, in the writing model's dialect) to what they name: a
 * model, a declared source, or an external table; and the keys references are memoised
 * and cached under.
 */
import type { SourceDecl } from "../config/load.ts";
import { ModelIndex } from "../project/resolve.ts";
import type { Dialect, Project } from "../project/types.ts";
import { sourceName } from "./file-sources.ts";
import { defaultLocation } from "./location.ts";

/** Resolves table references (as name parts) to a model, a declared source, or an external table. */
export class TableResolver {
  private readonly index: ModelIndex;
  private readonly sources = new Map<string, SourceDecl>();
  /** Declared sources by their last parts, so `cat.raw.orders` finds `raw.orders` and vice versa. */
  private readonly sourcesBySuffix = new Map<string, SourceDecl[]>();

  private readonly root: string;

  constructor(project: Project) {
    this.root = project.config.root;
    this.index = new ModelIndex(project.models, defaultLocation(project.config));
    for (const s of project.config.sources.values()) {
      this.sources.set(s.name.toLowerCase(), s);
      const parts = s.name.toLowerCase().split(".");
      for (let i = 1; i < parts.length; i++) {
        const k = parts.slice(i).join(".");
        const list = this.sourcesBySuffix.get(k) ?? [];
        list.push(s);
        this.sourcesBySuffix.set(k, list);
      }
    }
  }

  /** `dialect`: that of the model whose SQL holds the reference (its parts are in that dialect's stored form). */
  model(parts: readonly string[], dialect?: Dialect): string | undefined {
    return this.index.resolve(parts, dialect);
  }

  source(parts: readonly string[]): SourceDecl | undefined {
    const k = parts.join(".").toLowerCase();
    const exact = this.sources.get(k);
    if (exact) return exact;
    // The SQL names more parts than the declaration (`memory.raw.orders` for `raw.orders`).
    for (let i = 1; i < parts.length; i++) {
      const hit = this.sources.get(parts.slice(i).join(".").toLowerCase());
      if (hit) return hit;
    }
    // The declaration names more parts than the SQL: only when that is unambiguous.
    const bySuffix = this.sourcesBySuffix.get(k);
    return bySuffix?.length === 1 ? bySuffix[0] : undefined;
  }

  private readonly names = new Map<string, TableName>();

  /** The graph name of a table: the model, the declared source's name, or the parts as written. Memoised. */
  tableName(parts: readonly string[], dialect?: Dialect): TableName {
    const k = `${exactDialect(dialect) ?? ""}\u0001${parts.join("\u0000")}`;
    let hit = this.names.get(k);
    if (!hit) {
      const m = this.model(parts, dialect);
      const s = m ? undefined : this.source(parts);
      hit = m
        ? { name: m, kind: "model" }
        : s
          ? { name: s.name, kind: "source", columns: s.columns.map((c) => c.name) }
          : { name: sourceName(parts.join("."), this.root), kind: "source" };
      this.names.set(k, hit);
    }
    return hit;
  }
}

export interface TableName {
  name: string;
  kind: "model" | "source";
  /** A declared source's columns. */
  columns?: string[];
}

export const NO_PARTS: readonly string[] = [];

/** Dialects whose table references resolve case-sensitively (see ModelIndex). */
function exactDialect(dialect: Dialect | undefined): "snowflake" | "bigquery" | undefined {
  return dialect === "snowflake" || dialect === "bigquery" ? dialect : undefined;
}

/**
 * The key a table reference is memoised and cached under (`asked`): lower-cased joined
 * parts, or, for a case-sensitive dialect, the exact parts behind a dialect prefix.
 */
export function tableKey(table: readonly string[], dialect: Dialect | undefined): string {
  const exact = exactDialect(dialect);
  return exact ? `${exact}:${table.join(".")}` : table.join(".").toLowerCase();
}

/** The parts and dialect behind a `tableKey`. */
export function fromTableKey(k: string): { parts: string[]; dialect?: Dialect } {
  for (const d of ["snowflake", "bigquery"] as const) {
    if (k.startsWith(`${d}:`)) return { parts: k.slice(d.length + 1).split("."), dialect: d };
  }
  return { parts: k.split(".") };
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
