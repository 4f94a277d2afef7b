import { checkAdapterBlock, problemLine } from "../adapter/config-check.ts";
import { adapterConfigSchema, BUILTIN_TYPES, findPluginFile } from "../adapter/loader.ts";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import type { AdapterConfig } from "../config/schema.ts";
import { RockyError } from "../errors.ts";
import { loadProject } from "./load.ts";

export interface ValidateMessage {
  severity: "ok" | "warn" | "error" | "lint";
  code: string;
  message: string;
  file?: string;
  /** 1-based line in `file`, when known. */
  line?: number;
  field?: string;
}

export interface ValidateReport {
  valid: boolean;
  adapters: { name: string; adapter_type: string; ok: boolean }[];
  pipelines: {
    name: string;
    pipeline_type: string;
    strategy: string;
    catalog_template: string;
    schema_template: string;
    ok: boolean;
  }[];
  models: { found: boolean; count: number; dag_valid: boolean };
  messages: ValidateMessage[];
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * One adapter block: its type resolves, and the block passes the plugin's own config
 * schema, the same check `rocky run` makes before connecting (nothing is connected or
 * created here, and a built-in's cloud SDK is not imported).
 */
async function validateAdapter(
  config: LoadedConfig,
  name: string,
  block: AdapterConfig,
  add: (m: ValidateMessage) => void,
): Promise<boolean> {
  const builtin = (BUILTIN_TYPES as readonly string[]).includes(block.type);
  const pluginFile = builtin ? undefined : findPluginFile(block.type, config.root);
  if (!builtin && !pluginFile) {
    add({
      severity: "error",
      code: "V017",
      message: `adapter.${name}: unknown type '${block.type}' (built-in: ${BUILTIN_TYPES.join(", ")}; or add adapters/${block.type}.ts)`,
      field: `adapter.${name}.type`,
    });
    return false;
  }
  let schema: Awaited<ReturnType<typeof adapterConfigSchema>>;
  try {
    schema = await adapterConfigSchema(block.type, config.root);
  } catch (e) {
    add({
      severity: "error",
      code: "V019",
      message: `adapter.${name}: ${message(e)}`,
      ...(pluginFile ? { file: pluginFile } : {}),
      field: `adapter.${name}.type`,
    });
    return false;
  }
  const source = { name, file: config.file };
  const checked = checkAdapterBlock(schema, block, source);
  if (!checked.ok) {
    for (const p of checked.problems)
      add({
        severity: "error",
        code: "V018",
        message: problemLine(p, source),
        file: config.file,
        ...(p.line !== undefined ? { line: p.line } : {}),
        field: p.field,
      });
    return false;
  }
  add({
    severity: "ok",
    code: "V010",
    message: `adapter.${name}: ${block.type}${pluginFile ? " (project plugin)" : ""}`,
  });
  return true;
}

/**
 * Check a project without contacting a warehouse: the config parses and validates,
 * every adapter type resolves, models load, references resolve and the DAG has no cycle.
 * Codes follow Rocky 1.10 where it has one (V001, V010, V017, V030, V031); rocky's own:
 * V018 an adapter block its plugin's config schema rejects (what `run` would refuse),
 * V019 a project adapter plugin that fails to load or is not a valid adapter,
 * V020 (warning) an adapter block's `${VAR}` that is unset: only connecting commands need it.
 */
/** A config problem's message and, when it says what to write, its hint (validate has no hint field). */
function withHint(e: unknown): string {
  if (!(e instanceof RockyError) || e.code !== "config_invalid" || e.hint === undefined) return message(e);
  return `${e.message}\n      hint: ${e.hint.replace(/\n/g, "\n        ")}`;
}

export async function validateProject(configFile: string): Promise<ValidateReport> {
  const report: ValidateReport = {
    valid: true,
    adapters: [],
    pipelines: [],
    models: { found: false, count: 0, dag_valid: false },
    messages: [],
  };
  const add = (m: ValidateMessage) => {
    report.messages.push(m);
    if (m.severity === "error") report.valid = false;
  };
  let config: LoadedConfig;
  try {
    config = await loadConfig(configFile);
    add({ severity: "ok", code: "V001", message: "config parsed", file: configFile });
  } catch (e) {
    add({
      severity: "error",
      code: "V001",
      message: `failed to load config: ${withHint(e)}`,
      file: configFile,
    });
    return report;
  }
  if (config.adapters.size === 0) {
    add({ severity: "warn", code: "V010", message: 'no adapter defined: add [adapter] type = "duckdb"' });
  }
  for (const [name, a] of config.adapters) {
    const ok = await validateAdapter(config, name, a, add);
    report.adapters.push({ name, adapter_type: a.type, ok });
    // Not an error: validate needs no secrets (a CI lint job), but say what a run will need.
    for (const v of config.unsetEnv?.get(name) ?? []) {
      add({
        severity: "warn",
        code: "V020",
        message: `adapter.${name}: environment variable '${v.name}' is not set; commands that connect to the ${a.type} warehouse (run, test-adapter, branch create --clone, replay --execute) need it`,
        file: configFile,
        line: v.line,
      });
    }
  }
  try {
    const project = await loadProject(config);
    report.models = { found: project.models.length > 0, count: project.models.length, dag_valid: false };
    add({
      severity: project.models.length > 0 ? "ok" : "warn",
      code: "V030",
      message: `${project.models.length} models loaded`,
    });
    const { compileProject, DAG_CODES } = await import("../compile/compile.ts");
    const result = await compileProject(project);
    // Compile reports a cycle or an unknown depends_on as a diagnostic, not a throw:
    // the DAG is valid only without them.
    const dagProblems = result.diagnostics.filter(
      (d) => d.code === DAG_CODES.cycle || d.code === DAG_CODES.unknownDependency,
    );
    report.models.dag_valid = dagProblems.length === 0;
    if (dagProblems.length === 0)
      add({
        severity: "ok",
        code: "V031",
        message: `DAG valid (${project.models.length} nodes, ${result.dag.layers.length} layers, no cycles)`,
      });
    const errors = result.diagnostics.filter((d) => d.severity === "Error");
    if (errors.length > 0) {
      for (const d of errors.slice(0, 20)) {
        add({
          severity: "error",
          code: d.code,
          message: `${d.model}: ${d.message}`,
          ...(d.span ? { file: d.span.file } : {}),
        });
      }
    }
  } catch (e) {
    const code = report.models.found ? "V031" : "V030";
    add({
      severity: "error",
      code,
      message: e instanceof RockyError ? withHint(e) : `model loading failed: ${message(e)}`,
    });
  }
  return report;
}
