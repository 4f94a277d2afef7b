/**
 * The `<table>__rocky_audit` names of write-audit-publish staging relations are reserved:
 * the staging step replaces and then drops whatever has that name. Compile reports a model
 * whose target has the suffix (E069, whether or not its base model is audited now: adding a
 * test later must not start clobbering it); the run refuses, before any SQL, an audited
 * model whose staging name is another model's table in the scope (src/run/collisions.ts).
 */
import { relative } from "node:path";
import type { Dialect } from "../adapter/types.ts";
import type { Diagnostic } from "../compile/types.ts";
import type { Project } from "../project/types.ts";
import { collisionError, findAuditCollisions, type Placed } from "../run/collisions.ts";
import type { Isolation } from "../run/isolation.ts";
import { AUDIT_SUFFIX } from "./wap.ts";

export const AUDIT_NAME_CODE = "E069";

export function auditNameDiagnostics(project: Project): Diagnostic[] {
  const out: Diagnostic[] = [];
  const suffix = AUDIT_SUFFIX.toLowerCase();
  for (const m of project.models) {
    const table = m.target.table;
    if (!table.toLowerCase().endsWith(suffix)) continue;
    const base = table.slice(0, table.length - suffix.length).toLowerCase();
    const owner = project.models.find(
      (o) =>
        o !== m &&
        o.target.table.toLowerCase() === base &&
        (o.target.schema ?? "").toLowerCase() === (m.target.schema ?? "").toLowerCase() &&
        (o.target.catalog ?? "").toLowerCase() === (m.target.catalog ?? "").toLowerCase(),
    );
    out.push({
      severity: "Error",
      code: AUDIT_NAME_CODE,
      message: `model '${m.name}': its table '${table}' ends in '${AUDIT_SUFFIX}', the name rocky gives write-audit-publish staging tables${owner ? ` (it is the staging table of model '${owner.name}', which a run would replace and drop)` : ""}`,
      model: m.name,
      span: m.sidecar
        ? { file: relative(project.config.root, m.sidecar), line: 1, col: 1 }
        : { file: m.relPath, line: 1, col: 1 },
      suggestion: m.sidecar
        ? `give it another name (its sidecar's name, or [target] table)`
        : `rename ${m.relPath}, or set [target] table = "..." in a sidecar`,
    });
  }
  return out;
}

/**
 * Before any SQL: no audited model of the selection may stage onto a table of the scope.
 * `audited(model)`: whether the run stages it (tests or a contract).
 */
export function checkAuditNames(
  project: Project,
  dialect: Dialect,
  isolation: Isolation,
  selection: readonly string[],
  audited: (name: string) => boolean,
): void {
  const staged: Placed[] = [];
  for (const name of selection) {
    const m = project.byName.get(name);
    if (!m || !audited(name)) continue;
    const t = isolation.previewTarget(m);
    staged.push({ model: name, ref: { ...t, table: `${t.table}${AUDIT_SUFFIX}` } });
  }
  if (staged.length === 0) return;
  const tables = project.models.map((m) => ({ model: m.name, ref: isolation.previewTarget(m) }));
  const found = findAuditCollisions(dialect, staged, tables);
  const label = isolation.isolated ? (isolation.collisions?.label ?? "isolated") : "production";
  if (found.length > 0)
    throw collisionError(
      found,
      label,
      dialect,
      (c) =>
        `rename model '${c.other}' (or its [target] table): names ending in '${AUDIT_SUFFIX}' are reserved for staging tables`,
    );
}
