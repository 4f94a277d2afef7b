/**
 * Assemble the compiled models in DAG order: each analysis's diagnostics placed in its
 * file, a model's columns and, when unknown, why (its own error, an unavailable
 * upstream under a `*`, or a dependency cycle).
 */
import type { Dag } from "../graph/dag.ts";
import type { Model } from "../project/types.ts";
import type { CacheEntry } from "./cache.ts";
import { lineCol } from "./position.ts";
import { type TableResolver, fromTableKey } from "./resolver.ts";
import type { CompiledModel, Diagnostic, ResolvedRef } from "./types.ts";

export interface AssembleInput {
  models: readonly Model[];
  entries: readonly CacheEntry[];
  hashes: readonly string[];
  indexOf: Map<string, number>;
  dag: Dag;
  inCycle: Map<string, string>;
  refsOf: Map<string, ResolvedRef[]>;
  resolver: TableResolver;
}

export function assembleModels(input: AssembleInput, diagnostics: Diagnostic[]): Map<string, CompiledModel> {
  const { models, entries, hashes, indexOf, dag, inCycle, refsOf, resolver } = input;
  const byName = new Map<string, CompiledModel>();
  for (const name of dag.order) {
    const i = indexOf.get(name)!;
    const m = models[i]!;
    const entry = entries[i]!;
    const a = entry.analysis;
    // When a `*` could not expand because an upstream model is itself unavailable, the
    // fix is in that model, not in a source declaration.
    const brokenUpstream =
      a.columns === undefined
        ? Object.keys(entry.asked)
            .map((k) => {
              const { parts, dialect } = fromTableKey(k);
              return resolver.model(parts, dialect);
            })
            .find((u) => u !== undefined && u !== m.name && byName.get(u)?.columns === undefined)
        : undefined;
    // In a cycle the upstream may not be reported yet: its reason is the cycle itself.
    const upstreamReason =
      brokenUpstream === undefined
        ? undefined
        : (byName.get(brokenUpstream)?.unavailable ??
          (inCycle.has(brokenUpstream)
            ? `part of the dependency cycle ${inCycle.get(brokenUpstream)}`
            : undefined));
    for (const d of a.diagnostics) {
      const suggestion =
        brokenUpstream !== undefined && d.severity !== "Error" && d.message.includes(brokenUpstream)
          ? `fix model '${brokenUpstream}' first${upstreamReason ? `: ${upstreamReason}` : ""}`
          : (d.suggestion ?? null);
      diagnostics.push({
        severity: d.severity,
        code: d.code,
        message: d.message,
        model: m.name,
        span: d.offset === undefined ? null : { file: m.relPath, ...lineCol(m.sql, d.offset) },
        suggestion,
      });
    }
    let unavailable: string | undefined;
    if (a.columns === undefined) {
      const why = a.diagnostics.find((d) => d.severity === "Error") ?? a.diagnostics[0];
      unavailable = why ? why.message : "the model could not be analysed";
    }
    if (inCycle.has(name)) unavailable = `part of the dependency cycle ${inCycle.get(name)}`;
    byName.set(name, {
      name,
      analysis: a,
      refs: refsOf.get(name)!,
      columns: inCycle.has(name) ? undefined : a.columns?.map((c) => c.name),
      sqlHash: hashes[i]!,
      dependsOn: dag.upstream.get(name) ?? [],
      ...(unavailable !== undefined ? { unavailable } : {}),
    });
  }
  return byName;
}
