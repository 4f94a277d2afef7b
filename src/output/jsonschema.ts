import { toJsonSchema } from "@valibot/to-json-schema";
import { allOutputSchemas } from "./registry.ts";

/** Draft-07 JSON Schemas of every output, as file name -> pretty JSON text. */
export async function renderJsonSchemas(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const schemas = await allOutputSchemas();
  for (const name of Object.keys(schemas).sort()) {
    const json = { title: name, ...toJsonSchema(schemas[name]!, { target: "draft-07", errorMode: "throw" }) };
    out.set(`${name}.schema.json`, `${JSON.stringify(json, null, 2)}\n`);
  }
  return out;
}
