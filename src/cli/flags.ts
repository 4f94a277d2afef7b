/** Flag parsing shared by the commands that run against the warehouse (run, test). */
import { checkBranchFlags } from "../branch/run.ts";
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
