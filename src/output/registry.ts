import type { GenericSchema } from "valibot";

/**
 * Every JSON output schema, by file name (`schemas/<name>.schema.json`). Each
 * module under `src/output/schemas/` exports `schemas: Record<string, GenericSchema>`;
 * they are listed here explicitly so the compiled binary bundles them.
 */
export async function allOutputSchemas(): Promise<Record<string, GenericSchema>> {
  const modules = await Promise.all([
    import("./schemas/project.ts"),
    import("./schemas/compile.ts"),
    import("./schemas/branch.ts"),
    import("./schemas/run.ts"),
    import("./schemas/adapters.ts"),
    import("./schemas/error.ts"),
    import("./schemas/diff.ts"),
    import("./schemas/test.ts"),
    import("./schemas/doctor.ts"),
    import("./schemas/catalog.ts"),
    // Further modules are added here, one line each.
  ]);
  const out: Record<string, GenericSchema> = {};
  for (const m of modules) {
    for (const [name, schema] of Object.entries(m.schemas)) {
      if (out[name]) throw new Error(`output schema '${name}' is defined twice`);
      out[name] = schema;
    }
  }
  return out;
}
