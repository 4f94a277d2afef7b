#!/usr/bin/env bun
import { type ArgsDef, type CommandDef, runCommand } from "citty";
import { setActiveCommand } from "../config/env.ts";
import { padVisible } from "../format.ts";
import type { ErrorOutput } from "../output/schemas/error.ts";
import type { InferInput } from "valibot";
import { type ErrorCode, ExitCode, RockyError, UsageError, didYouMean } from "../errors.ts";
import { explainSqliteError } from "../state/sqlite-errors.ts";
import { BUILD_COMMIT, VERSION } from "../version.ts";
import { flushStdio, isTerminal, stdoutWritten, writeStderr, writeStdout } from "../runtime/stdio.ts";
import { commands } from "./commands/index.ts";
import { defaultOutput, type GlobalOptions, globals, type OutputMode, setGlobals } from "./context.ts";
import { GLOBAL_OPTIONS, renderHelp, table } from "./render/help.ts";

/** Built on demand: wrapping the option table costs start-up for every other command. */
const globalHelp = () => `rocky ${VERSION}: check a whole SQL pipeline before it runs

Usage: rocky [global options] <command> [args]

Global options (before or after the command):
${table(GLOBAL_OPTIONS).join("\n")}

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${padVisible(name, 16)} ${c.description}`)
  .join("\n")}

Example:
  rocky playground demo && cd demo && rocky compile && rocky run

Run 'rocky <command> --help' for a command's options and an example.`;

interface Extracted {
  globals: GlobalOptions;
  rest: string[];
  version: boolean;
  help: boolean;
}

/** Pull global options out of argv wherever they stand; everything else goes to the command. */
export function extractGlobals(argv: string[]): Extracted {
  const rest: string[] = [];
  let config: string | undefined;
  let output: OutputMode | undefined;
  let statePath: string | undefined;
  let version = false;
  let help = false;
  const takeValue = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || (v.startsWith("-") && v.length > 1)) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = takeValue(i, flag);
      i++;
      return v;
    };
    if (flag === "-c" || flag === "--config") config = value();
    else if (flag === "--state-path") statePath = value();
    else if (flag === "-o" || flag === "--output") {
      const v = value();
      if (v !== "json" && v !== "table")
        throw new UsageError(`invalid value '${v}' for --output`, "use -o json or -o table");
      output = v;
    } else if (/^-o(json|table)$/.test(a)) output = a.slice(2) as OutputMode;
    else if (a === "--version" || a === "-V") version = true;
    else if (a === "--help" || a === "-h") help = true;
    else rest.push(a);
  }
  const outputOf = defaultOutput(output);
  return {
    globals: {
      config,
      get output() {
        return outputOf();
      },
      outputExplicit: output !== undefined,
      statePath,
    },
    rest,
    version,
    help,
  };
}

function flagNames(args: ArgsDef): Set<string> {
  const names = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const all = [
      name,
      ...("alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : []),
    ];
    for (const n of all) {
      names.add(n);
      if (def.type === "boolean") names.add(`no-${n}`);
    }
  }
  return names;
}

/** citty accepts any flag; a data tool must not silently ignore a typo like `--modle`. */
function checkFlags(cmdName: string, args: ArgsDef, rawArgs: string[]): void {
  const known = flagNames(args);
  const positionals = Object.values(args).filter((d) => d.type === "positional").length;
  let seenPositionals = 0;
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (!a.startsWith("-") || a === "-") {
      seenPositionals++;
      continue;
    }
    const name = a.replace(/^--?/, "").split("=")[0]!;
    if (!known.has(name)) {
      const hint = didYouMean(
        `--${name}`,
        [...known].map((k) => (k.length === 1 ? `-${k}` : `--${k}`)),
      );
      throw new UsageError(
        `unknown option '${a}' for 'rocky ${cmdName}'`,
        hint ?? `see 'rocky ${cmdName} --help'`,
      );
    }
    const def =
      args[name] ?? Object.values(args).find((d) => "alias" in d && [d.alias].flat().includes(name));
    if (def && def.type !== "boolean" && !a.includes("=")) i++; // skip the option's value
  }
  if (positionals === 0 && seenPositionals > 0) {
    const extra = rawArgs.find((a) => !a.startsWith("-"));
    throw new UsageError(
      `unexpected argument '${extra}' for 'rocky ${cmdName}'`,
      `see 'rocky ${cmdName} --help'`,
    );
  }
}

/** citty colours its usage text; keep colour for terminals only (and never with NO_COLOR). */
function plain(text: string): string {
  return isTerminal(1) && process.env.NO_COLOR === undefined ? text : text.replace(/\u001b\[[0-9;]*m/g, "");
}

async function resolve<T>(
  v: T | Promise<T> | (() => T) | (() => Promise<T>) | undefined,
): Promise<T | undefined> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

/** The command being run (`branch delete`), as named in JSON payloads; "rocky" before one is known. */
let commandPath = "rocky";

async function dispatch(argv: string[]): Promise<number> {
  const ex = extractGlobals(argv);
  setGlobals(ex.globals);
  const [name, ...rest] = ex.rest;
  if (name !== undefined) commandPath = name;
  if (name === undefined) {
    if (ex.version) {
      writeStdout(`rocky ${VERSION} (${BUILD_COMMIT})\n`);
      return 0;
    }
    writeStdout(`${globalHelp()}\n`);
    return ex.help ? 0 : 2;
  }
  if (name === "help") {
    // `rocky help run` (or `rocky help branch create`) is `rocky run --help`.
    const topic = rest.filter((a) => !a.startsWith("-"));
    if (topic.length > 0) return dispatch([...topic, "--help"]);
    writeStdout(`${globalHelp()}\n`);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    throw new UsageError(
      `unknown command '${name}'`,
      didYouMean(name, Object.keys(commands)) ?? "see 'rocky --help'",
    );
  }
  // Walk down to the leaf sub-command (e.g. `branch create`).
  let cmd: CommandDef = await entry.load();
  let path = name;
  let args = rest;
  for (;;) {
    const subs = await resolve(cmd.subCommands);
    if (!subs || Object.keys(subs).length === 0) break;
    const [sub, ...subRest] = args;
    if (sub === undefined || sub.startsWith("-")) {
      writeStdout(`${plain(await renderHelp(cmd, path))}\n`);
      return ex.help ? 0 : 2;
    }
    const next = subs[sub];
    if (!next)
      throw new UsageError(
        `unknown command '${path} ${sub}'`,
        didYouMean(sub, Object.keys(subs)) ?? `see 'rocky ${path} --help'`,
      );
    cmd = (await resolve(next)) as CommandDef;
    path = `${path} ${sub}`;
    commandPath = path;
    args = subRest;
  }
  if (ex.help) {
    writeStdout(`${plain(await renderHelp(cmd, path))}\n`);
    return 0;
  }
  checkFlags(path, ((await resolve(cmd.args)) ?? {}) as ArgsDef, args);
  setActiveCommand(path);
  try {
    const { result } = await runCommand(cmd, { rawArgs: args });
    return typeof result === "number" ? result : 0;
  } catch (e) {
    // citty reports missing/invalid arguments as CLIError: those are usage errors.
    if (e instanceof Error && e.name === "CLIError")
      throw new UsageError(e.message.replace(/\u001b\[[0-9;]*m/g, ""), `see 'rocky ${path} --help'`);
    throw e;
  }
}

const UNEXPECTED_HINT = "this is unexpected; re-run with ROCKY_DEBUG=1 for details and report it";

/**
 * In JSON mode a failure also prints a JSON error object on stdout, so a tool reading
 * stdout always gets one JSON document. Not when the command already printed its result
 * (it then exits non-zero through ExitCode, or failed after printing).
 */
function writeJsonError(message: string, hint: string | undefined, code: ErrorCode): void {
  if (globals().output !== "json" || stdoutWritten()) return;
  const payload = {
    version: VERSION,
    command: commandPath,
    error: { message, hint: hint ?? null, code },
  } satisfies InferInput<typeof ErrorOutput>;
  writeStdout(`${JSON.stringify(payload, null, 2)}\n`);
}

export function reportError(e: unknown): number {
  if (e instanceof ExitCode) return e.code;
  const debug = process.env.ROCKY_DEBUG === "1";
  const known = e instanceof RockyError ? e : explainSqliteError(e);
  if (known) {
    writeStderr(`Error: ${known.message}\n`);
    if (known.hint) writeStderr(`hint: ${known.hint}\n`);
    if (debug && e instanceof Error && e.stack) writeStderr(`${e.stack}\n`);
    writeJsonError(known.message, known.hint, known.code);
    return known.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  writeStderr(`Error: ${msg}\n`);
  if (debug && e instanceof Error && e.stack) writeStderr(`${e.stack}\n`);
  else writeStderr(`hint: ${UNEXPECTED_HINT}\n`);
  writeJsonError(msg, UNEXPECTED_HINT, "internal");
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (e) {
    return reportError(e);
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // Flush stdout before exiting: a pipe may still hold buffered JSON.
  await flushStdio();
  process.exit(code);
}
