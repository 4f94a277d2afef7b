/** Which table each data test runs on, in a scope (production, shadow, branch). */
import type { Dialect, TableRef } from "../adapter/types.ts";
import type { CompileResult } from "../compile/types.ts";
import { sourceRef } from "../run/engine.ts";
import type { Isolation } from "../run/isolation.ts";
import type { TestDef } from "./definitions.ts";
import type { PlannedTest } from "./run.ts";

/**
 * Plan the tests of `model` on `target`. A relationships test to another model reads it
 * where the scope resolves it (`builtInRun` says whether this run wrote it); to a source,
 * the source table.
 */
export async function planModelTests(
  compiled: CompileResult,
  isolation: Isolation,
  dialect: Dialect,
  model: string,
  tests: TestDef[],
  target: TableRef,
  builtInRun: (model: string) => boolean = () => false,
): Promise<PlannedTest[]> {
  const out: PlannedTest[] = [];
  for (const test of tests) {
    let parent: TableRef | undefined;
    if (test.type === "relationships") {
      const m = compiled.project.byName.get(test.toTable);
      parent = m
        ? (await isolation.readTargetFor(m, builtInRun(m.name))).ref
        : sourceRef(test.toTable.split("."), dialect.defaultSchema);
    }
    out.push({ model, test, target, ...(parent ? { parent } : {}) });
  }
  return out;
}
