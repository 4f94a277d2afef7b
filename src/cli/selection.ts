/** `--model`, `--select`, `--exclude`: read from the command line, `changed` sets computed up front. */
import { changedBases, type SelectionOptions } from "../graph/selection.ts";
import { repeated } from "./flags.ts";

export const SELECT_HELP =
  "dbt selectors: name, glob (stg_*), path (models/marts, path:models/x.sql), tag:NAME, changed[:REV], with +name, name+, N+name, name+N, @name; spaces or repeats unite, commas intersect";
export const EXCLUDE_HELP = "Leave out what these selectors pick (same grammar as --select; repeatable)";

export type SelectionFlags = Pick<SelectionOptions, "models" | "select" | "exclude" | "changed">;

/**
 * The selection flags of a command; `extra` adds selectors given another way (a positional).
 * A `changed` selector runs `rocky diff` against its base first (once per base).
 */
export async function selectionFlags(
  rawArgs: string[],
  config: string | undefined,
  extra: string[] = [],
): Promise<SelectionFlags> {
  const select = [...extra, ...repeated(rawArgs, "select")];
  const exclude = repeated(rawArgs, "exclude");
  const out: SelectionFlags = { models: repeated(rawArgs, "model"), select, exclude };
  const bases = changedBases(select, exclude);
  if (bases.length > 0) {
    const { changedSets } = await import("../diff/changed.ts");
    out.changed = await changedSets(bases, config);
  }
  return out;
}
