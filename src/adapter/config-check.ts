/**
 * Checking an adapter block of rocky.toml against its plugin's own config schema. One
 * function for `rocky run` (createAdapter) and `rocky validate`, so validate accepts
 * exactly what run accepts. Each problem names `file:line`, the key, and for an unknown
 * key the closest known one.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import type { AdapterConfig } from "../config/schema.ts";
import { tomlLine } from "../config/toml-lines.ts";
import { closeMatches, RockyError } from "../errors.ts";

export interface BlockProblem {
  /** `adapter.threds` (bare [adapter]) or `adapter.prod.threds`. */
  field: string;
  message: string;
  /** Where it is in rocky.toml, when known. */
  line?: number;
}

/** Where the block is: its name in rocky.toml and, when known, the rocky.toml file. */
export interface BlockSource {
  name: string;
  file?: string;
}

/** The keys of an object schema, looking through `v.pipe(object, check...)`. */
function knownKeys(schema: unknown): string[] {
  const s = schema as { entries?: Record<string, unknown>; pipe?: unknown[] };
  if (s.entries) return Object.keys(s.entries);
  const inner = s.pipe?.find((p) => (p as { entries?: unknown }).entries !== undefined);
  return inner ? knownKeys(inner) : [];
}

function tableOf(name: string, text: string): string[] {
  // A bare [adapter] is named "default"; so is an explicit [adapter.default].
  if (name !== "default") return ["adapter", name];
  return tomlLine(text, ["adapter", "default"]) !== undefined ? ["adapter", "default"] : ["adapter"];
}

/** Validate `block` (with its `type`) against `schema`: the parsed config, or the problems. */
export function checkAdapterBlock(
  schema: v.GenericSchema,
  block: AdapterConfig,
  source: BlockSource,
): { ok: true; config: Record<string, unknown> } | { ok: false; problems: BlockProblem[] } {
  const { type: _type, ...rest } = block;
  const parsed = v.safeParse(schema, rest);
  if (parsed.success) return { ok: true, config: parsed.output as Record<string, unknown> };
  let text = "";
  if (source.file) {
    try {
      text = readFileSync(source.file, "utf8");
    } catch {
      // Positions are a courtesy: the problems are reported without them.
    }
  }
  const table = tableOf(source.name, text);
  const keys = knownKeys(schema);
  const problems = parsed.issues.slice(0, 5).map((i): BlockProblem => {
    const path = (i.path ?? []).map((p) => String(p.key));
    const field = [...table, ...path].join(".");
    const top = path[0];
    const line = text ? tomlLine(text, table, top) : undefined;
    let message = i.message;
    if (i.kind === "schema" && /object$/.test(i.type) && i.expected === "never") {
      const near = closeMatches(top ?? "", keys, 1);
      message = `unknown key${near.length > 0 ? ` (did you mean '${near[0]}'?)` : ""}`;
    } else if (i.kind === "schema" && /object$/.test(i.type) && i.received === "undefined") {
      message = i.message.startsWith("Invalid key") ? "required key is missing" : i.message;
    }
    return { field, message, ...(line !== undefined ? { line } : {}) };
  });
  return { ok: false, problems };
}

/** One line per problem: `<file>:<line>: adapter.threds: unknown key (did you mean 'threads'?)`. */
export function problemLine(p: BlockProblem, source: BlockSource): string {
  const where = source.file ? `${source.file}${p.line !== undefined ? `:${p.line}` : ""}: ` : "";
  return `${where}${p.field}: ${p.message}`;
}

export function blockError(problems: BlockProblem[], source: BlockSource): RockyError {
  const label = source.name === "default" ? "[adapter]" : `[adapter.${source.name}]`;
  return new RockyError(
    `invalid ${label} in rocky.toml:\n${problems.map((p) => problemLine(p, source)).join("\n")}`,
    {
      code: "config_invalid",
      hint: "fix the block in rocky.toml; 'rocky validate' checks it without connecting",
    },
  );
}
