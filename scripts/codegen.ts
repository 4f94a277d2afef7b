/** Regenerate schemas/*.schema.json from the valibot output schemas (`bun run codegen`). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderJsonSchemas } from "../src/output/jsonschema.ts";

const dir = join(import.meta.dir, "..", "schemas");
mkdirSync(dir, { recursive: true });
const files = await renderJsonSchemas();
for (const f of readdirSync(dir)) if (f.endsWith(".schema.json") && !files.has(f)) rmSync(join(dir, f));
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`wrote ${files.size} schemas to ${dir}`);
