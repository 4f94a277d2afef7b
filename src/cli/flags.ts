/** Flag parsing shared by the commands that run against the warehouse (run, test). */
import { UsageError } from "../errors.ts";

/** `--threads N`: a whole number of at least 1, or undefined for the adapter's default. */
export function threadsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1)
    throw new UsageError(`invalid value '${value}' for --threads`, "use a whole number of at least 1");
  return threads;
}

export interface IsolationFlags {
  shadow?: boolean;
  "shadow-suffix"?: string;
  "shadow-schema"?: string;
  branch?: string;
}

/**
 * `--shadow`, `--shadow-suffix`, `--shadow-schema`, `--branch`: the conflicts refused as
 * usage errors, and the shadow options when a shadow scope was asked for.
 */
export function shadowFlags(args: IsolationFlags): { suffix?: string; schema?: string } | undefined {
  const suffix = args["shadow-suffix"];
  const schema = args["shadow-schema"];
  checkBranchFlags({
    ...(args.branch !== undefined ? { branch: args.branch } : {}),
    shadow: args.shadow === true || suffix !== undefined,
    ...(schema !== undefined ? { shadowSchema: schema } : {}),
  });
  if (suffix !== undefined && schema !== undefined)
    throw new UsageError(
      "--shadow-suffix and --shadow-schema conflict",
      "a shadow run either suffixes tables or moves them to another schema",
    );
  if (args.shadow !== true && suffix === undefined && schema === undefined) return undefined;
  return { ...(suffix !== undefined ? { suffix } : {}), ...(schema !== undefined ? { schema } : {}) };
}

/** citty keeps only the last value of a repeated flag; `--model a --model b` must keep both. */
export function repeated(rawArgs: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === `--${flag}` && rawArgs[i + 1] !== undefined) out.push(rawArgs[++i]!);
    else if (a.startsWith(`--${flag}=`)) out.push(a.slice(flag.length + 3));
  }
  return out;
}

/** --branch is already isolated: it does not combine with the shadow flags. Here, not in src/branch, so flag parsing does not load the branch run code (start-up). */
function checkBranchFlags(flags: { branch?: string; shadow?: boolean; shadowSchema?: string }): void {
  if (flags.branch === undefined) return;
  const other = flags.shadow ? "--shadow" : flags.shadowSchema !== undefined ? "--shadow-schema" : undefined;
  if (other) {
    throw new UsageError(
      `--branch cannot be used with ${other}`,
      "a branch run is already isolated in the branch's schemas; drop one of the flags",
    );
  }
}
