import * as v from "valibot";
import { envelopeFields } from "../common.ts";

export const ExportSchemasOutput = v.object({
  ...envelopeFields,
  output_dir: v.string(),
  files: v.array(v.string()),
});

export const InitOutput = v.object({
  ...envelopeFields,
  path: v.string(),
  files: v.array(v.string()),
});

export const ValidateMessage = v.object({
  severity: v.picklist(["ok", "warn", "error", "lint"]),
  code: v.string(),
  message: v.string(),
  file: v.optional(v.string()),
  /** 1-based line in `file`, when known. */
  line: v.optional(v.number()),
  field: v.optional(v.string()),
});

export const ValidateOutput = v.object({
  ...envelopeFields,
  valid: v.boolean(),
  adapters: v.array(v.object({ name: v.string(), adapter_type: v.string(), ok: v.boolean() })),
  pipelines: v.array(
    v.object({
      name: v.string(),
      pipeline_type: v.string(),
      strategy: v.string(),
      catalog_template: v.string(),
      schema_template: v.string(),
      ok: v.boolean(),
    }),
  ),
  models: v.object({ found: v.boolean(), count: v.number(), dag_valid: v.boolean() }),
  messages: v.array(ValidateMessage),
});

export const schemas = {
  export_schemas: ExportSchemasOutput,
  init: InitOutput,
  playground: InitOutput,
  validate: ValidateOutput,
};
