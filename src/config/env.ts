import { RockyError } from "../errors.ts";

/**
 * Expand `${VAR}` and `${VAR:-default}` in the raw text of a TOML file, before parsing.
 * Comment lines are left alone so a commented-out secret reference does not demand a variable.
 */
export function expandEnv(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const { text: out, unset } = expandEnvLazily(text, env);
  if (unset[0]) throw unsetVariableError(unset[0], file);
  return out;
}

/** A `${VAR}` with no value and no default: left as written until a command needs it. */
export interface UnsetVariable {
  name: string;
  /** 1-based line in the config file. */
  line: number;
}

/**
 * Like `expandEnv`, but an unset variable without a default is left as written (`${NAME}`)
 * and reported, so commands that never read that key (compile, lineage, history…) work
 * without a warehouse's secrets. See `checkAdapterEnv` in load.ts for where it is demanded.
 */
export function expandEnvLazily(
  text: string,
  env: Record<string, string | undefined> = process.env,
): { text: string; unset: UnsetVariable[] } {
  const unset: UnsetVariable[] = [];
  const out = text
    .split("\n")
    .map((line, i) => {
      if (line.trimStart().startsWith("#")) return line;
      return line.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
        (whole, name: string, def: string | undefined) => {
          const value = env[name];
          if (value !== undefined && value !== "") return escapeForToml(value);
          if (def !== undefined) return escapeForToml(def);
          unset.push({ name, line: i + 1 });
          return whole;
        },
      );
    })
    .join("\n");
  return { text: out, unset };
}

/** The command being run (`rocky run`), named when a variable it needs is unset. Set by the CLI. */
let activeCommand: string | undefined;
export function setActiveCommand(name: string | undefined): void {
  activeCommand = name;
}

export function unsetVariableError(v: UnsetVariable, file: string, neededFor?: string): RockyError {
  const who =
    neededFor && activeCommand
      ? `; 'rocky ${activeCommand}' needs it ${neededFor}`
      : neededFor
        ? `; needed ${neededFor}`
        : "";
  return new RockyError(
    `environment variable '${v.name}' is not set (referenced in ${file}:${v.line})${who}`,
    {
      hint: `export ${v.name}=..., or give a default: \${${v.name}:-value}`,
    },
  );
}

/** Values land inside TOML strings: keep quotes and backslashes from breaking the syntax. */
function escapeForToml(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}

const SECRET_KEY =
  /(password|passwd|secret|token|private_key|privatekey|api_key|apikey|credentials|keyfile|key_json)/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A copy of a config object with every secret value replaced, safe to print or log. */
export function redact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(redact) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = isSecretKey(k) && typeof v === "string" ? "***" : redact(v);
    return out as T;
  }
  return value;
}

/** Remove secret values from a message (e.g. an SDK error that echoes a connection string). */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}
