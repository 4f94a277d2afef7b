/**
 * Command help, in place of citty's renderer: the program name in USAGE, examples under
 * their own heading (taken from the `Example:` block of a command's description),
 * left-aligned option tables wrapped to 100 columns, the global options, and a
 * sub-command list with one line of description each (no examples folded in).
 */
import type { ArgDef, ArgsDef, CommandDef } from "citty";
import { padVisible } from "../../format.ts";
import { bold } from "../style.ts";

export const HELP_WIDTH = 100;

/** The options every command accepts (SPEC section 2). */
export const GLOBAL_OPTIONS: [string, string][] = [
  ["-c, --config PATH", "project file (default: rocky.toml, searched upward)"],
  ["-o, --output FORMAT", "json | table (default: table on a terminal, json otherwise)"],
  ["--state-path PATH", "state file (default: [state] path, else .rocky-state.db beside rocky.toml)"],
  ["--version", "print the version"],
  ["-h, --help", "help for rocky or a command"],
];

/** Wrap `text` to `width` columns at spaces; each line keeps its own breaks. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    let line = raw;
    const indent = /^\s*/.exec(line)![0];
    while (line.length > width) {
      const cut = line.lastIndexOf(" ", width);
      if (cut <= indent.length) break;
      out.push(line.slice(0, cut).trimEnd());
      line = indent + line.slice(cut + 1).trimStart();
    }
    out.push(line);
  }
  return out;
}

/** The left column's width for these rows: the widest label, at most 30. */
export function columnWidth(...tables: [string, string][][]): number {
  return Math.min(30, Math.max(0, ...tables.flat().map(([l]) => l.length)));
}

/** Two columns, the left one padded (at most 30 wide), the right one wrapped under itself. */
export function table(rows: [string, string][], indent = "  ", width?: number): string[] {
  const col = width ?? columnWidth(rows);
  const lines: string[] = [];
  for (const [left, right] of rows) {
    const pad = indent.length + col + 2;
    const body = wrap(right, HELP_WIDTH - pad);
    if (left.length > col) {
      lines.push(`${indent}${left}`);
      for (const b of body) lines.push(`${" ".repeat(pad)}${b}`);
    } else {
      lines.push(`${indent}${padVisible(left, col)}  ${body[0] ?? ""}`);
      for (const b of body.slice(1)) lines.push(`${" ".repeat(pad)}${b}`);
    }
  }
  return lines;
}

/** A description split into its prose and its `Example:` lines. */
export function splitDescription(description: string): { text: string; examples: string[] } {
  const m = /(^|\n)\s*Examples?:[ \t]*\n/.exec(description);
  if (!m) return { text: description.trim(), examples: [] };
  const examples = description
    .slice(m.index + m[0].length)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return { text: description.slice(0, m.index).trim(), examples };
}

/** The first sentence of a description, for a sub-command list. */
function summary(description: string): string {
  const first = splitDescription(description)
    .text.split(/\n\s*\n/)[0]!
    .replace(/\s*\n\s*/g, " ");
  const dot = first.search(/\.(\s|$)/);
  return dot > 0 ? first.slice(0, dot + 1) : first;
}

const metavar = (name: string, def: ArgDef): string =>
  ("valueHint" in def && def.valueHint ? def.valueHint : name.split("-").pop()!).toUpperCase();

function optionRows(args: ArgsDef): {
  positional: [string, string][];
  options: [string, string][];
  usage: string[];
} {
  const positional: [string, string][] = [];
  const options: [string, string][] = [];
  const usage: string[] = [];
  for (const [name, def] of Object.entries(args)) {
    const description = def.description ?? "";
    if (def.type === "positional") {
      const required = def.required !== false && def.default === undefined;
      const upper = name.toUpperCase();
      usage.push(required ? `<${upper}>` : `[${upper}]`);
      const dflt = def.default !== undefined ? ` (default: ${String(def.default)})` : "";
      positional.push([upper, `${description}${required ? " (required)" : dflt}`]);
      continue;
    }
    const aliases = ("alias" in def && def.alias ? [def.alias].flat() : []).map((a) => `-${a}`);
    if (def.type === "boolean") {
      const label = [...aliases, `--${name}`, ...(def.default === true ? [`--no-${name}`] : [])].join(", ");
      options.push([label, description]);
    } else {
      const label = `${[...aliases, `--${name}`].join(", ")} ${metavar(name, def)}`;
      const dflt =
        def.default !== undefined && !description.includes("default")
          ? ` (default: ${String(def.default)})`
          : "";
      options.push([label, `${description}${dflt}${def.required === true ? " (required)" : ""}`]);
    }
  }
  return { positional, options, usage };
}

const heading = (s: string) => bold(s);

/** Help for `rocky <path>` (e.g. `branch create`), from its citty definition. */
export async function renderHelp(cmd: CommandDef, path: string): Promise<string> {
  const resolve = async <T>(
    v: T | Promise<T> | (() => T | Promise<T>) | undefined,
  ): Promise<T | undefined> => (typeof v === "function" ? await (v as () => T | Promise<T>)() : await v);
  const meta = (await resolve(cmd.meta)) ?? {};
  const args = ((await resolve(cmd.args)) ?? {}) as ArgsDef;
  const subs = (await resolve(cmd.subCommands)) as Record<string, unknown> | undefined;
  const { text, examples } = splitDescription(meta.description ?? "");
  const { positional, options, usage } = optionRows(args);
  const out: string[] = [...wrap(text, HELP_WIDTH), ""];
  // One left column for every table of the page, so they line up.
  const col = columnWidth(positional, options, GLOBAL_OPTIONS);
  const program = `rocky ${path}`;
  if (subs && Object.keys(subs).length > 0) {
    out.push(heading("USAGE"), `  ${program} <COMMAND> [OPTIONS]`, "");
    const rows: [string, string][] = [];
    for (const [name, sub] of Object.entries(subs)) {
      const def = (await resolve(sub as CommandDef | (() => Promise<CommandDef>))) as CommandDef;
      const m = (await resolve(def.meta)) ?? {};
      if (m.hidden) continue;
      rows.push([name, summary(m.description ?? "")]);
    }
    out.push(heading("COMMANDS"), ...table(rows), "");
  } else {
    out.push(
      heading("USAGE"),
      `  ${[program, options.length > 0 ? "[OPTIONS]" : "", ...usage].filter(Boolean).join(" ")}`,
      "",
    );
    if (positional.length > 0) out.push(heading("ARGUMENTS"), ...table(positional, "  ", col), "");
    if (options.length > 0) out.push(heading("OPTIONS"), ...table(options, "  ", col), "");
  }
  const globalCol = subs && Object.keys(subs).length > 0 ? undefined : col;
  out.push(heading("GLOBAL OPTIONS"), ...table(GLOBAL_OPTIONS, "  ", globalCol), "");
  if (examples.length > 0)
    out.push(heading(examples.length === 1 ? "EXAMPLE" : "EXAMPLES"), ...examples.map((e) => `  ${e}`), "");
  if (subs && Object.keys(subs).length > 0)
    out.push(`Run '${program} <command> --help' for a command's options and an example.`);
  while (out.at(-1) === "") out.pop();
  return out.join("\n");
}
