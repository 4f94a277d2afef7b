/**
 * What `compileProject` returns: the one structure compile, lineage, dag, run,
 * branch and replay all start from. Built by src/compile/compile.ts (its steps in the modules it imports).
 */
import type { Dag } from "../graph/dag.ts";
import type { SemanticGraph } from "../graph/semantic.ts";
import type { Project } from "../project/types.ts";
import type { ModelAnalysis, TableRefSpan } from "../sql/types.ts";

export interface Diagnostic {
  severity: "Error" | "Warning" | "Info";
  code: string;
  message: string;
  model: string;
  span: { file: string; line: number; col: number } | null;
  suggestion: string | null;
}

/** A table reference of a model, resolved: to another model, or an external source. */
export interface ResolvedRef extends TableRefSpan {
  /** Set when the reference names a model of the project. */
  model?: string;
}

export interface CompiledModel {
  name: string;
  analysis: ModelAnalysis;
  refs: ResolvedRef[];
  /** Output column names, or undefined when unavailable (see diagnostics). */
  columns: string[] | undefined;
  /** Why the model's columns are unknown (parse error, unexpandable `*`, dependency cycle). */
  unavailable?: string;
  /** SHA-256 of the model's SQL text. */
  sqlHash: string;
  /** Models this one reads (SQL references merged with depends_on), sorted. */
  dependsOn: string[];
}

export interface CompileResult {
  project: Project;
  dag: Dag;
  models: Map<string, CompiledModel>;
  graph: SemanticGraph;
  diagnostics: Diagnostic[];
  hasErrors: boolean;
  /** Analysis cache use: models answered from `.rocky-cache/compile.cache` vs parsed. */
  cache: { hits: number; misses: number };
  timings: {
    project_load_ms: number;
    /** Parser time (DuckDB), and analysis time (both passes, cache checks). */
    parse_ms: number;
    analysis_ms: number;
    semantic_graph_ms: number;
    total_ms: number;
  };
}
