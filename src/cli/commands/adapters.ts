import { defineCommand } from "citty";
import type { Payload } from "../../output/common.ts";
import type { AdaptersOutput } from "../../output/schemas/adapters.ts";
import * as v from "valibot";
import { textTable } from "../../format.ts";
import { BUILTIN_TYPES, isBuiltin, listProjectPlugins, loadAdapterPlugin } from "../../adapter/loader.ts";
import type { AdapterCapabilities, AdapterPlugin } from "../../adapter/types.ts";
import { findConfig, type LoadedConfig, loadConfig } from "../../config/load.ts";
import { RockyError } from "../../errors.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";

interface Entry {
  type: string;
  source: "builtin" | "project";
  file?: string;
  description: string | null;
  available: boolean;
  error?: string;
  dialect: string | null;
  capabilities: {
    transactions: boolean;
    clone: boolean;
    fingerprint: boolean;
    default_threads: number;
  } | null;
  configured_as: string[];
}

const caps = (c: AdapterCapabilities) => ({
  transactions: c.transactions,
  clone: c.clone,
  fingerprint: c.fingerprint,
  default_threads: c.defaultThreads,
});

/**
 * Capabilities live on an adapter instance. `create()` does not connect, so we
 * build one from the project's own block for that type, else from an empty
 * config when the plugin's schema accepts one (DuckDB in memory, SQLite); a
 * cloud adapter without configuration reports null rather than a guess.
 */
function capabilitiesOf(
  plugin: AdapterPlugin,
  type: string,
  config: LoadedConfig | undefined,
): Entry["capabilities"] {
  const root = config?.root ?? process.cwd();
  const blocks = config ? [...config.adapters.entries()].filter(([, b]) => b.type === type) : [];
  const candidates: [string, Record<string, unknown>][] = blocks.map(([name, { type: _t, ...rest }]) => [
    name,
    rest,
  ]);
  candidates.push(["default", {}]);
  for (const [name, raw] of candidates) {
    const parsed = v.safeParse(plugin.configSchema, raw);
    if (!parsed.success) continue;
    try {
      return caps(
        plugin.create(parsed.output as Record<string, unknown>, { projectRoot: root, name }).capabilities,
      );
    } catch {
      // e.g. an unset credential: try the next candidate
    }
  }
  return null;
}

async function describe(
  type: string,
  source: Entry["source"],
  file: string | undefined,
  config: LoadedConfig | undefined,
): Promise<Entry> {
  const configured_as = config
    ? [...config.adapters.entries()].filter(([, b]) => b.type === type).map(([n]) => n)
    : [];
  const base = { type, source, ...(file ? { file } : {}), configured_as };
  if (source === "builtin" && !isBuiltin(type)) {
    return {
      ...base,
      description: null,
      available: false,
      error: "not included in this build",
      dialect: null,
      capabilities: null,
    };
  }
  try {
    const plugin = await loadAdapterPlugin(type, config?.root ?? process.cwd());
    return {
      ...base,
      description: plugin.description ?? null,
      available: true,
      dialect: plugin.dialect.name,
      capabilities: capabilitiesOf(plugin, type, config),
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0]! : String(e);
    return { ...base, description: null, available: false, error: msg, dialect: null, capabilities: null };
  }
}

function capText(e: Entry): string {
  const c = e.capabilities;
  if (!e.available) return `unavailable: ${e.error ?? "unknown"}`;
  if (!c) return "(configure it to see capabilities)";
  const flags = [c.transactions && "transactions", c.clone && "clone", c.fingerprint && "fingerprint"].filter(
    Boolean,
  );
  return [...flags, `threads=${c.default_threads}`].join(", ");
}

function renderText(entries: Entry[]): string {
  const rows = entries.map((e) => [
    e.type,
    e.source === "builtin" ? "built-in" : "project",
    e.configured_as.join(", ") || "-",
    capText(e),
  ]);
  const head = ["TYPE", "SOURCE", "CONFIGURED AS", "CAPABILITIES"];
  const out = [textTable(head, rows)];
  const notes = entries.filter((e) => e.description || e.file);
  if (notes.length > 0) {
    out.push("");
    for (const e of notes) out.push(`${e.type}: ${[e.description, e.file].filter(Boolean).join(" — ")}`);
  }
  return out.join("\n");
}

export default defineCommand({
  meta: {
    name: "adapters",
    description: `List the built-in adapters and the project's own plugins (adapters/<type>.ts|.js)
with their capabilities. Outside a project only the built-in ones are listed.

Example:
  rocky adapters
  rocky adapters -o json`,
  },
  args: {},
  async run() {
    const g = globals();
    // Outside a project only the built-ins are listed; a broken rocky.toml or a bad -c is still an error.
    let file: string | undefined;
    try {
      file = findConfig(g.config);
    } catch (e) {
      if (g.config !== undefined || !(e instanceof RockyError)) throw e;
    }
    const config: LoadedConfig | undefined = file ? await loadConfig(file, g.statePath) : undefined;
    const builtins: string[] = [...BUILTIN_TYPES];
    const entries: Entry[] = [];
    for (const type of builtins) entries.push(await describe(type, "builtin", undefined, config));
    for (const p of config ? listProjectPlugins(config.root) : []) {
      if (builtins.includes(p.type)) continue; // a built-in name always resolves to the built-in
      entries.push(await describe(p.type, "project", p.file, config));
    }
    emit(envelope("adapters", { adapters: entries } satisfies Payload<typeof AdaptersOutput>), () =>
      renderText(entries),
    );
  },
});
