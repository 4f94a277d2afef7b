import { lintPortability, PORTABLE_DIALECTS, type PortableDialect } from "./dialect-lint.ts";
import { UsageError } from "../errors.ts";
import type { CompileResult, Diagnostic } from "./types.ts";

/** Parse `--target-dialect a,b` into known dialects; anything else is a usage error. */
export function parseTargetDialects(values: string[]): PortableDialect[] {
  const out = new Set<PortableDialect>();
  for (const v of values.flatMap((x) => x.split(",")).map((x) => x.trim().toLowerCase())) {
    if (!(PORTABLE_DIALECTS as readonly string[]).includes(v)) {
      throw new UsageError(`unknown --target-dialect '${v}'`, `choose from ${PORTABLE_DIALECTS.join(", ")}`);
    }
    out.add(v as PortableDialect);
  }
  return [...out];
}

/**
 * Warnings for constructs in the models that do not port to the target dialects
 * (the project's own dialect comes from its default adapter, DuckDB otherwise).
 */
export function portabilityDiagnostics(result: CompileResult, targets: PortableDialect[]): Diagnostic[] {
  const adapter =
    result.project.config.adapters.get("default") ?? result.project.config.adapters.values().next().value;
  const source = (PORTABLE_DIALECTS as readonly string[]).includes(adapter?.type ?? "")
    ? (adapter!.type as PortableDialect)
    : "duckdb";
  const out: Diagnostic[] = [];
  for (const model of result.project.models) {
    for (const f of lintPortability(model.sql, source, targets)) {
      out.push({
        severity: "Warning",
        code: f.code,
        message: f.message,
        model: model.name,
        span: { file: model.relPath, line: f.line, col: f.column },
        suggestion: f.hint,
      });
    }
  }
  return out;
}
