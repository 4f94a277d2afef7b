import { mkdirSync, writeFileSync } from "node:fs";
import type { Payload } from "../../output/common.ts";
import type { ExportSchemasOutput } from "../../output/schemas/project.ts";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { renderJsonSchemas } from "../../output/jsonschema.ts";
import { emit, envelope } from "../output.ts";

export default defineCommand({
  meta: {
    name: "export-schemas",
    description:
      "Write the JSON Schema of every JSON output to DIR (default: schemas).\n\nExample:\n  rocky export-schemas ./schemas",
  },
  args: { dir: { type: "positional", required: false, default: "schemas", description: "output folder" } },
  async run({ args }) {
    const dir = resolve(String(args.dir));
    mkdirSync(dir, { recursive: true });
    const files = await renderJsonSchemas();
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    const names = [...files.keys()];
    emit(
      envelope("export-schemas", { output_dir: dir, files: names } satisfies Payload<
        typeof ExportSchemasOutput
      >),
      () => `Wrote ${names.length} schemas to ${dir}`,
    );
  },
});
