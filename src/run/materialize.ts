/**
 * The statements that write one model: the rebuild-or-update decision, the checks an
 * in-place update needs (the target's columns still match the model's), and the
 * target's high-water mark for incremental models, read from the target itself.
 */
import { plural } from "../format.ts";
import type { Adapter, TableRef } from "../adapter/types.ts";
import { RockyError } from "../errors.ts";
import type { Strategy } from "../project/types.ts";
import { planStatements, strategyDef, updatesInPlace } from "./strategies.ts";

export interface WriteRequest {
  model: string;
  strategy: Strategy;
  target: TableRef;
  select: string;
  columns?: string[];
  existingKind: "table" | "view" | undefined;
  fullRefresh: boolean;
}

export interface WritePlan {
  statements: string[];
  /** True when the target's rows were kept and updated in place. */
  inPlace: boolean;
}

/**
 * Refuse an in-place update whose model no longer produces the target's columns: the
 * rows written would not line up, and a full rebuild is what the user must choose.
 */
async function checkColumns(adapter: Adapter, req: WriteRequest): Promise<void> {
  if (!req.columns) return;
  const existing = await adapter.describeTable(req.target);
  if (!existing) return;
  const fold = (c: string) => c.toLowerCase();
  const have = new Set(existing.map((c) => fold(c.name)));
  const want = new Set(req.columns.map(fold));
  const added = req.columns.filter((c) => !have.has(fold(c)));
  const removed = existing.map((c) => c.name).filter((c) => !want.has(fold(c)));
  if (added.length === 0 && removed.length === 0) return;
  const parts = [
    added.length > 0 ? `adds ${plural(added.length, "column")} (${added.join(", ")})` : "",
    removed.length > 0 ? `drops ${plural(removed.length, "column")} (${removed.join(", ")})` : "",
  ].filter(Boolean);
  throw new RockyError(
    `model '${req.model}' ${parts.join(" and ")} that ${adapter.dialect.qualify(req.target)} ${added.length > 0 ? "lacks" : "has"}; an in-place ${req.strategy.type} update would misalign rows, so nothing was written`,
    { hint: `rebuild it: rocky run --model ${req.model} --full-refresh` },
  );
}

/** The target's high-water mark of `column` as a SQL literal, or null when it is empty. */
async function readWatermark(adapter: Adapter, target: TableRef, column: string): Promise<string | null> {
  const d = adapter.dialect;
  const q = d.maxValueQuery
    ? d.maxValueQuery(target, column)
    : `SELECT max(${d.quoteIdent(column)}) FROM ${d.qualify(target)}`;
  const v = (await adapter.query(q)).rows[0]?.[0];
  if (v === null || v === undefined) return null;
  const text = String(v);
  return d.watermarkLiteral ? d.watermarkLiteral(text) : `'${text.replaceAll("'", "''")}'`;
}

export async function planWrite(adapter: Adapter, req: WriteRequest): Promise<WritePlan> {
  const { strategy, target, select, columns, existingKind } = req;
  const def = strategyDef(strategy);
  const inPlace = updatesInPlace(strategy, existingKind, req.fullRefresh) && def.update !== undefined;
  if (inPlace) await checkColumns(adapter, req);
  const column = inPlace ? def.watermarkColumn?.(strategy) : undefined;
  const watermark = column !== undefined ? await readWatermark(adapter, target, column) : undefined;
  const statements = planStatements(adapter.dialect, target, select, strategy, {
    ...(existingKind !== undefined ? { existingKind } : {}),
    fullRefresh: req.fullRefresh,
    ...(columns ? { columns } : {}),
    ...(watermark !== undefined ? { watermark } : {}),
  });
  return { statements, inPlace };
}
