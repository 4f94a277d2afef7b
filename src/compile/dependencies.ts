/**
 * Dependencies and the DAG: each model's resolved table references (not the model
 * itself: an incremental model may read its own table) merged with `depends_on`; an
 * unknown `depends_on` entry and each cycle become diagnostics, and a cycle's internal
 * edges are dropped so everything else still gets ordered.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { didYouMean } from "../errors.ts";
import { cyclePath, cycles } from "../graph/cycles.ts";
import { type Dag, buildDag } from "../graph/dag.ts";
import type { Model, Project } from "../project/types.ts";
import type { CacheEntry } from "./cache.ts";
import { DAG_CODES } from "./codes.ts";
import { findWord, lineCol } from "./position.ts";
import type { TableResolver } from "./resolver.ts";
import type { Diagnostic, ResolvedRef } from "./types.ts";

/** `knownModel`: a `depends_on` entry to its model (exact name first, then case-insensitively). */
export function resolveDependencies(
  project: Project,
  entries: readonly CacheEntry[],
  resolver: TableResolver,
  knownModel: (name: string) => Model | undefined,
  diagnostics: Diagnostic[],
): { refsOf: Map<string, ResolvedRef[]>; deps: Map<string, string[]> } {
  const refsOf = new Map<string, ResolvedRef[]>();
  const deps = new Map<string, string[]>();
  project.models.forEach((m, i) => {
    const refs = entries[i]!.analysis.tableRefs.map((r): ResolvedRef => {
      const target = resolver.model(r.parts, m.dialect);
      return target ? { ...r, model: target } : { ...r };
    });
    refsOf.set(m.name, refs);
    const ds = new Set<string>();
    for (const r of refs) if (r.model && r.model !== m.name) ds.add(r.model);
    for (const d of m.dependsOn) {
      const known = knownModel(d);
      if (known) {
        if (known.name !== m.name) ds.add(known.name);
        continue;
      }
      diagnostics.push(unknownDependency(project, m, d));
    }
    deps.set(m.name, [...ds].sort());
  });
  return { refsOf, deps };
}

function unknownDependency(project: Project, m: Model, d: string): Diagnostic {
  const sidecarText = m.sidecar ? safeRead(m.sidecar) : undefined;
  const at = sidecarText === undefined ? undefined : findWord(sidecarText, d);
  return {
    severity: "Error",
    code: DAG_CODES.unknownDependency,
    message: `model '${m.name}' depends on '${d}', which is not a model`,
    model: m.name,
    span:
      m.sidecar && sidecarText !== undefined && at !== undefined
        ? { file: relative(project.config.root, m.sidecar), ...lineCol(sidecarText, at) }
        : null,
    suggestion: didYouMean(d, project.byName.keys()) ?? `remove it from depends_on, or add models/${d}.sql`,
  };
}

/**
 * The DAG of `deps` (edited in place: a cycle's internal edges are removed). `inCycle`:
 * each model in a cycle to the cycle's path, `a -> b -> a`, reported once per cycle.
 */
export function orderModels(
  deps: Map<string, string[]>,
  diagnostics: Diagnostic[],
): { dag: Dag; inCycle: Map<string, string> } {
  const inCycle = new Map<string, string>();
  // Ordering succeeds exactly when there is no cycle, so Tarjan's walk runs only when it fails.
  let acyclic: Dag | undefined;
  try {
    acyclic = buildDag(deps);
  } catch {
    acyclic = undefined;
  }
  for (const comp of acyclic ? [] : cycles(deps)) {
    const path = cyclePath(comp, deps).join(" -> ");
    const set = new Set(comp);
    for (const n of comp) {
      inCycle.set(n, path);
      deps.set(
        n,
        deps.get(n)!.filter((d) => !set.has(d)),
      );
    }
    diagnostics.push({
      severity: "Error",
      code: DAG_CODES.cycle,
      message: `dependency cycle: ${path}`,
      model: comp[0]!,
      span: null,
      suggestion: "a model cannot read, directly or through others, a model that reads it; break the cycle",
    });
  }
  // Unknown dependencies and cycles were turned into diagnostics above, so this cannot throw.
  return { dag: acyclic ?? buildDag(deps), inCycle };
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
