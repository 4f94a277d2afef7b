/** `rocky run --changed [BASE]`: the rebuild set of `rocky diff BASE` as the run's model selection. */
import { UsageError } from "../errors.ts";
import { runDiff } from "./run-diff.ts";

/** BASE after `--changed` (`--changed main`, `--changed=main`); undefined: the default base. */
export function changedBase(rawArgs: string[]): string | undefined {
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a.startsWith("--changed=")) return a.slice("--changed=".length) || undefined;
    if (a === "--changed") {
      const next = rawArgs[i + 1];
      return next !== undefined && !next.startsWith("-") ? next : undefined;
    }
  }
  return undefined;
}

/**
 * The models to run, in DAG order; undefined (after saying so on stderr) when nothing
 * needs rebuilding, so the caller runs nothing.
 */
export async function changedSelection(
  rawArgs: string[],
  config: string | undefined,
  otherSelection: boolean,
  /** Where the "what --changed chose" line goes (stderr, from the CLI). */
  log: (line: string) => void,
): Promise<string[] | undefined> {
  if (otherSelection)
    throw new UsageError(
      "--changed cannot be combined with --model or --select",
      "use one way of choosing models",
    );
  const base = changedBase(rawArgs);
  const { report } = await runDiff({ config, ...(base !== undefined ? { base } : {}) });
  if (report.rebuild.length === 0) {
    log(`nothing to rebuild: no model changed against ${report.base_ref} (cosmetic edits excluded)`);
    return undefined;
  }
  log(
    `--changed against ${report.base_ref}: ${report.rebuild.length} models to rebuild: ${report.rebuild.join(", ")}`,
  );
  return report.rebuild;
}

/**
 * For `--select changed` / `changed:REV`: per base ("" = the default), the models that
 * differ from it themselves (added or modified, cosmetic edits excluded). Graph operators
 * then widen it the dbt way: `changed+` is every descendant, where `--changed` keeps only
 * the ones reading a changed column.
 */
export async function changedSets(
  bases: readonly string[],
  config: string | undefined,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const base of bases) {
    const { report } = await runDiff({ config, ...(base !== "" ? { base } : {}) });
    out.set(
      base,
      new Set(
        report.models
          .filter(
            (m) =>
              m.status !== "removed" &&
              m.classification !== "cosmetic" &&
              m.changes.some((c) => c !== "columns"),
          )
          .map((m) => m.model_name),
      ),
    );
  }
  return out;
}
