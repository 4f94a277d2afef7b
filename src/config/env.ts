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
  const lines = text.split("\n");
  return lines
    .map((line, i) => {
      if (line.trimStart().startsWith("#")) return line;
      return line.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
        (_m, name: string, def: string | undefined) => {
          const value = env[name];
          if (value !== undefined && value !== "") return escapeForToml(value);
          if (def !== undefined) return escapeForToml(def);
          throw new RockyError(`environment variable '${name}' is not set (referenced in ${file}:${i + 1})`, {
            hint: `export ${name}=..., or give a default: \${${name}:-value}`,
          });
        },
      );
    })
    .join("\n");
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
