import * as v from "valibot";

/** Fields every JSON payload starts with. */
export const envelopeFields = {
  version: v.string(),
  command: v.string(),
};

export const LineageEdgeSchema = v.object({
  source: v.object({ model: v.string(), column: v.string() }),
  target: v.object({ model: v.string(), column: v.string() }),
  transform: v.string(),
});

export const DiagnosticSchema = v.object({
  severity: v.picklist(["Error", "Warning", "Info"]),
  code: v.string(),
  message: v.string(),
  span: v.nullable(v.object({ file: v.string(), line: v.number(), col: v.number() })),
  model: v.string(),
  suggestion: v.nullable(v.string()),
});

export const TargetSchema = v.object({ catalog: v.string(), schema: v.string(), table: v.string() });

/**
 * What a payload builder returns for schema `S`: the schema's fields less the envelope
 * (`envelope()` adds those). Builders end in `satisfies Payload<typeof XOutput>`, so a
 * field the schema lacks, or one of the wrong type, is a compile error, not a failing test.
 */
export type Payload<S extends v.GenericSchema> = Omit<v.InferInput<S>, "version" | "command">;
