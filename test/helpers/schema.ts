import { test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { REPO } from "./cli.ts";

/** Rocky 1.10's published schemas; present in the development workspace, absent in a user's clone. */
export const ROCKY_SCHEMAS = join(REPO, "..", "shared", "reference", "rocky-1.10", "schemas");
/** `ROCKY_TEST_NO_SHARED=1` runs the suite as a user's clone would (no ../shared). */
const absentWhy = process.env.ROCKY_TEST_NO_SHARED
  ? "ROCKY_TEST_NO_SHARED is set"
  : existsSync(ROCKY_SCHEMAS)
    ? undefined
    : `${ROCKY_SCHEMAS} is absent (only the dev workspace has it)`;
export const hasRockySchemas = absentWhy === undefined;
if (!hasRockySchemas) {
  console.warn(`[compat] skipping Rocky 1.10 schema checks: ${absentWhy}`);
  // A visible skip in every file that would have checked Rocky's schemas, so a report
  // never counts an unchecked compatibility as passed.
  test.skip(`Rocky 1.10 JSON schema compatibility (${absentWhy})`, () => {});
}

const cache = new Map<string, ValidateFunction>();

function compile(file: string): ValidateFunction {
  let fn = cache.get(file);
  if (!fn) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    // Rocky's schemas (schemars) use numeric formats ajv does not know; check them for real.
    for (const f of ["uint", "uint8", "uint16", "uint32", "uint64"]) {
      ajv.addFormat(f, { type: "number", validate: (x: number) => Number.isInteger(x) && x >= 0 });
    }
    for (const f of ["int", "int8", "int16", "int32", "int64"]) {
      ajv.addFormat(f, { type: "number", validate: (x: number) => Number.isInteger(x) });
    }
    for (const f of ["double", "float"]) ajv.addFormat(f, { type: "number", validate: () => true });
    fn = ajv.compile(JSON.parse(readFileSync(file, "utf8")));
    cache.set(file, fn);
  }
  return fn;
}

function check(file: string, payload: unknown): void {
  const fn = compile(file);
  if (!fn(payload)) {
    throw new Error(
      `${file} rejects the payload:\n${JSON.stringify(fn.errors, null, 2)}\npayload: ${JSON.stringify(payload).slice(0, 2000)}`,
    );
  }
}

/** Validate against our generated schema `schemas/<name>.schema.json` (must exist). */
export function expectOurSchema(name: string, payload: unknown): void {
  const file = join(REPO, "schemas", `${name}.schema.json`);
  if (!existsSync(file)) throw new Error(`schemas/${name}.schema.json is missing: run 'bun run codegen'`);
  check(file, payload);
}

/** Validate against Rocky 1.10's schema when the reference is present. */
export function expectRockySchema(name: string, payload: unknown): void {
  if (!hasRockySchemas) return;
  check(join(ROCKY_SCHEMAS, `${name}.schema.json`), payload);
}

/** Both: ours always, Rocky's when available. */
export function expectSchemas(ours: string, payload: unknown, rocky?: string): void {
  expectOurSchema(ours, payload);
  if (rocky) expectRockySchema(rocky, payload);
}

/**
 * A failed command in JSON mode: stdout is exactly one JSON error object (valid against
 * schemas/error.schema.json) whose message is the `Error:` line of stderr.
 */
export function expectJsonError(
  r: { stdout: string; stderr: string },
  code: string,
  command?: string,
): { message: string; hint: string | null; code: string } {
  const payload = JSON.parse(r.stdout) as {
    command: string;
    error: { message: string; hint: string | null; code: string };
  };
  expectOurSchema("error", payload);
  if (payload.error.code !== code)
    throw new Error(`error.code is '${payload.error.code}', expected '${code}'\nstdout:\n${r.stdout}`);
  if (command !== undefined && payload.command !== command)
    throw new Error(`command is '${payload.command}', expected '${command}'`);
  const first = payload.error.message.split("\n")[0];
  if (!r.stderr.includes(`Error: ${first}`)) throw new Error(`stderr lacks 'Error: ${first}':\n${r.stderr}`);
  return payload.error;
}
