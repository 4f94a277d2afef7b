import { existsSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_TYPES } from "../adapter/loader.ts";
import { type LoadedConfig, loadConfig } from "../config/load.ts";
import { RockyError } from "../errors.ts";
import { loadProject } from "./load.ts";

export interface ValidateMessage {
  severity: "ok" | "warn" | "error" | "lint";
  code: string;
  message: string;
  file?: string;
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
 * Check a project without contacting a warehouse: the config parses and validates,
 * every adapter type resolves, models load, references resolve and the DAG has no cycle.
 * Codes follow Rocky 1.10 where it has one (V001, V010, V017, V030, V031).
 */
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
      message: `failed to load config: ${message(e)}`,
      file: configFile,
    });
    return report;
  }
  if (config.adapters.size === 0) {
    add({ severity: "warn", code: "V010", message: 'no adapter defined: add [adapter] type = "duckdb"' });
  }
  for (const [name, a] of config.adapters) {
    const builtin = (BUILTIN_TYPES as readonly string[]).includes(a.type);
    const plugin =
      ["ts", "js"].some((ext) => existsSync(join(config.root, "adapters", `${a.type}.${ext}`))) ||
      existsSync(join(config.root, "adapters", a.type, "index.ts"));
    const ok = builtin || plugin;
    report.adapters.push({ name, adapter_type: a.type, ok });
    add(
      ok
        ? {
            severity: "ok",
            code: "V010",
            message: `adapter.${name}: ${a.type}${plugin && !builtin ? " (project plugin)" : ""}`,
          }
        : {
            severity: "error",
            code: "V017",
            message: `adapter.${name}: unknown type '${a.type}' (built-in: ${BUILTIN_TYPES.join(", ")}; or add adapters/${a.type}.ts)`,
            field: `adapter.${name}.type`,
          },
    );
  }
  try {
    const project = await loadProject(config);
    report.models = { found: project.models.length > 0, count: project.models.length, dag_valid: false };
    add({
      severity: project.models.length > 0 ? "ok" : "warn",
      code: "V030",
      message: `${project.models.length} models loaded`,
    });
    const { compileProject } = await import("../compile/compile.ts");
    const result = await compileProject(project);
    report.models.dag_valid = true;
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
      message: e instanceof RockyError ? e.message : `model loading failed: ${message(e)}`,
    });
  }
  return report;
}
