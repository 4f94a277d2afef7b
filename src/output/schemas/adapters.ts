import * as v from "valibot";
import { envelopeFields } from "../common.ts";

const Capabilities = v.object({
  transactions: v.boolean(),
  clone: v.boolean(),
  fingerprint: v.boolean(),
  default_threads: v.number(),
});

/** `rocky adapters`: built-in and project adapter plugins. */
export const AdaptersOutput = v.object({
  ...envelopeFields,
  adapters: v.array(
    v.object({
      type: v.string(),
      source: v.picklist(["builtin", "project"]),
      /** Plugin file for project adapters. */
      file: v.optional(v.string()),
      description: v.nullable(v.string()),
      /** False when the plugin failed to load (see `error`) or is not part of this build. */
      available: v.boolean(),
      error: v.optional(v.string()),
      dialect: v.nullable(v.string()),
      /** Null when they cannot be known without configuration. */
      capabilities: v.nullable(Capabilities),
      /** Adapter blocks in rocky.toml using this type. */
      configured_as: v.array(v.string()),
    }),
  ),
});

/** `rocky test-adapter`: the conformance suite's outcome. */
export const TestAdapterOutput = v.object({
  ...envelopeFields,
  adapter: v.string(),
  adapter_type: v.string(),
  schema: v.string(),
  success: v.boolean(),
  passed: v.number(),
  failed: v.number(),
  skipped: v.number(),
  checks: v.array(
    v.object({
      name: v.string(),
      category: v.string(),
      status: v.picklist(["pass", "fail", "skip"]),
      duration_ms: v.number(),
      message: v.optional(v.string()),
    }),
  ),
});

export const schemas = {
  adapters: AdaptersOutput,
  test_adapter: TestAdapterOutput,
};
