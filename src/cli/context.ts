import { isTerminal } from "../runtime/stdio.ts";
/** Global options, parsed once by the dispatcher and read by every command. */
export type OutputMode = "json" | "table";

export interface GlobalOptions {
  /** `-c/--config`: explicit project file; otherwise rocky.toml searched upward. */
  config: string | undefined;
  output: OutputMode;
  /** True when `-o` was given explicitly (some commands, e.g. playground, only print text). */
  outputExplicit: boolean;
  statePath: string | undefined;
}

/** `-o` when given, else table on a terminal: looked at only when a command asks (`--version` never does). */
export function defaultOutput(explicit: OutputMode | undefined): () => OutputMode {
  let mode = explicit;
  return () => {
    mode ??= isTerminal(1) ? "table" : "json";
    return mode;
  };
}

const initialOutput = defaultOutput(undefined);
let current: GlobalOptions = {
  config: undefined,
  get output() {
    return initialOutput();
  },
  outputExplicit: false,
  statePath: undefined,
};

export function globals(): GlobalOptions {
  return current;
}

export function setGlobals(g: GlobalOptions): void {
  current = g;
}
