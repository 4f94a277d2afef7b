/**
 * `rocky run --openlineage`: START then COMPLETE/FAIL per model, to a file and to a
 * loopback HTTP receiver. The valibot schema below restates the parts rocky emits from
 * the OpenLineage 2-0-2 spec (https://openlineage.io/spec/2-0-2/OpenLineage.json:
 * RunEvent, Run, Job, Dataset; required fields eventTime, producer, schemaURL, run.runId
 * as a UUID, job.namespace/name) and the ColumnLineageDatasetFacet 1-2-0 and
 * ErrorMessageRunFacet 1-0-1 facets (_producer, _schemaURL, fields.*.inputFields[] of
 * namespace/name/field; message, programmingLanguage).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import * as v from "valibot";
import { rocky } from "../helpers/cli.ts";
import { makeProject } from "../run/project.ts";

const Uri = v.pipe(v.string(), v.url());
const Facet = { _producer: Uri, _schemaURL: Uri };
const DatasetId = { namespace: v.string(), name: v.string() };
const RunEvent = v.object({
  eventType: v.picklist(["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]),
  eventTime: v.pipe(v.string(), v.isoTimestamp()),
  producer: Uri,
  schemaURL: v.literal("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"),
  run: v.object({
    runId: v.pipe(v.string(), v.uuid()),
    facets: v.object({
      errorMessage: v.optional(v.object({ ...Facet, message: v.string(), programmingLanguage: v.string() })),
    }),
  }),
  job: v.object({ namespace: v.string(), name: v.string() }),
  inputs: v.array(v.object(DatasetId)),
  outputs: v.array(
    v.object({
      ...DatasetId,
      facets: v.object({
        columnLineage: v.object({
          ...Facet,
          fields: v.record(
            v.string(),
            v.object({ inputFields: v.array(v.object({ ...DatasetId, field: v.string() })) }),
          ),
        }),
      }),
    }),
  ),
});
type Event = v.InferOutput<typeof RunEvent>;

/** The spec's own JSON schemas, vendored (test/fixtures/openlineage/SOURCE.md). */
const SPEC_DIR = join(import.meta.dir, "..", "fixtures", "openlineage");
const specSchema = (name: string) => JSON.parse(readFileSync(join(SPEC_DIR, name), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const core = specSchema("OpenLineage.json");
// The facets reference the core as …/1-0-2/OpenLineage.json#/$defs/…; the stored core keeps
// its definitions under `definitions` (the same objects, so one copy serves both pointers).
ajv.addSchema({
  ...core,
  $id: "https://openlineage.io/spec/1-0-2/OpenLineage.json",
  $defs: core.definitions,
});
const specRunEvent = ajv.compile(core);
const specColumnLineage = ajv.compile(specSchema("ColumnLineageDatasetFacet.json"));
const specErrorMessage = ajv.compile(specSchema("ErrorMessageRunFacet.json"));

/** Each event against the spec's JSON schemas: the RunEvent, each output's facets, the run's facets. */
function checkAgainstSpec(e: unknown): void {
  const fail = (what: string, errors: unknown) => {
    throw new Error(`${what} is not valid OpenLineage: ${JSON.stringify(errors)}\n${JSON.stringify(e)}`);
  };
  if (!specRunEvent(e)) fail("RunEvent", specRunEvent.errors);
  const ev = e as { run: { facets?: object }; outputs?: { facets?: object }[] };
  for (const o of ev.outputs ?? [])
    if (!specColumnLineage(o.facets ?? {})) fail("columnLineage", specColumnLineage.errors);
  if (!specErrorMessage(ev.run.facets ?? {})) fail("errorMessage", specErrorMessage.errors);
}

function parseEvents(lines: unknown[]): Event[] {
  return lines.map((l) => {
    checkAgainstSpec(l);
    const r = v.safeParse(RunEvent, l);
    if (!r.success)
      throw new Error(
        `not an OpenLineage RunEvent: ${JSON.stringify(v.flatten(r.issues))}\n${JSON.stringify(l)}`,
      );
    return r.output;
  });
}

const PROJECT = {
  "models/a.sql": "SELECT 1 AS id, 10 AS amount\n",
  "models/b.sql": "SELECT id, amount * 2 AS doubled FROM a\n",
  "models/bad.sql": "SELECT CAST('x' || id AS INTEGER) AS v FROM a\n",
  "models/after_bad.sql": "SELECT v FROM bad\n",
};

function checkEvents(events: Event[]) {
  const of = (job: string) => events.filter((e) => e.job.name === job);
  expect(of("a").map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
  expect(of("b").map((e) => e.eventType)).toEqual(["START", "COMPLETE"]);
  expect(of("bad").map((e) => e.eventType)).toEqual(["START", "FAIL"]);
  // A skipped model never ran: no events.
  expect(of("after_bad")).toEqual([]);
  // One runId per model run, shared by its START and its end.
  expect(new Set(of("b").map((e) => e.run.runId)).size).toBe(1);
  expect(of("a")[0]!.run.runId).not.toBe(of("b")[0]!.run.runId);
  const b = of("b")[1]!;
  expect(b.job.namespace).toBe("rocky://t");
  expect(b.inputs).toEqual([{ namespace: "duckdb://warehouse", name: "main.a" }]);
  expect(b.outputs[0]).toMatchObject({ namespace: "duckdb://warehouse", name: "main.b" });
  expect(b.outputs[0]!.facets.columnLineage.fields).toEqual({
    id: { inputFields: [{ namespace: "duckdb://warehouse", name: "main.a", field: "id" }] },
    doubled: { inputFields: [{ namespace: "duckdb://warehouse", name: "main.a", field: "amount" }] },
  });
  const fail = of("bad")[1]!;
  expect(fail.run.facets.errorMessage?.message).toContain("Could not convert string 'x1'");
}

test("the vendored spec schemas refuse what the spec forbids (so the checks below can fail)", () => {
  const ok = {
    eventType: "START",
    eventTime: "2026-12-04T01:00:00.000Z",
    producer: "https://example.com/rocky",
    run: { runId: "0b9e3c1a-5f6d-4d8e-9a7b-1c2d3e4f5a6b" },
    job: { namespace: "rocky", name: "m" },
  };
  expect(() => checkAgainstSpec(ok)).not.toThrow();
  expect(() => checkAgainstSpec({ ...ok, producer: undefined })).toThrow(/^RunEvent is not valid/);
  expect(() => checkAgainstSpec({ ...ok, run: { runId: "run-1" } })).toThrow(/^RunEvent is not valid/);
  const facet = { _producer: "https://example.com/rocky", _schemaURL: "https://example.com/s" };
  const noFields = { ...ok, outputs: [{ namespace: "n", name: "t", facets: { columnLineage: facet } }] };
  expect(() => checkAgainstSpec(noFields)).toThrow(/^columnLineage is not valid/);
  expect(() => checkAgainstSpec({ ...ok, run: { ...ok.run, facets: { errorMessage: facet } } })).toThrow(
    /^errorMessage is not valid/,
  );
});

describe("rocky run --openlineage", () => {
  let server: ReturnType<typeof Bun.serve> | undefined;
  afterEach(() => {
    server?.stop(true);
    server = undefined;
  });

  test("FILE: one spec-valid event per line, START and COMPLETE/FAIL per model, column lineage", () => {
    const dir = makeProject(PROJECT);
    const file = join(dir, "ol.ndjson");
    const r = rocky(["run", "--threads", "1", "--openlineage", file, "-o", "json"], { cwd: dir });
    expect(r.code).toBe(1);
    const lines = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    checkEvents(parseEvents(lines));
  });

  test("URL: each event POSTed as JSON to a loopback receiver", async () => {
    const received: unknown[] = [];
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        expect(req.method).toBe("POST");
        expect(req.headers.get("content-type")).toBe("application/json");
        received.push(await req.json());
        return new Response(null, { status: 201 });
      },
    });
    const dir = makeProject(PROJECT);
    const url = `http://127.0.0.1:${server.port}/api/v1/lineage`;
    // Async spawn: the receiver runs on this process's event loop.
    const p = Bun.spawn(
      [
        process.execPath,
        join(import.meta.dir, "..", "..", "src", "cli", "main.ts"),
        "run",
        "--threads",
        "1",
        "--openlineage",
        url,
        "-o",
        "json",
      ],
      { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" },
    );
    expect(await p.exited).toBe(1);
    expect(await new Response(p.stderr).text()).not.toContain("warning");
    expect(received.length).toBe(6);
    checkEvents(parseEvents(received));
  });

  test("an endpoint that refuses: a warning naming it; the run's own exit code stands", () => {
    const dir = makeProject({ "models/a.sql": "SELECT 1 AS id\n" });
    const r = rocky(["run", "--openlineage", "http://127.0.0.1:9/lineage", "-o", "json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "warning: OpenLineage events could not be delivered to http://127.0.0.1:9/lineage",
    );
  });

  test("[openlineage] file in rocky.toml is the default destination; --openlineage overrides it", () => {
    const dir = makeProject(PROJECT, '\n[openlineage]\nfile = "lineage/ol.ndjson"\n');
    mkdirSync(join(dir, "lineage"));
    // From a subfolder: the file is relative to rocky.toml, not the working directory.
    mkdirSync(join(dir, "sub"));
    const r = rocky(["run", "--threads", "1", "-c", "../rocky.toml", "-o", "json"], {
      cwd: join(dir, "sub"),
    });
    expect(r.code).toBe(1);
    const lines = readFileSync(join(dir, "lineage", "ol.ndjson"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    checkEvents(parseEvents(lines));
    const other = join(dir, "other.ndjson");
    rocky(["run", "--threads", "1", "--openlineage", other, "-o", "json"], { cwd: dir });
    expect(readFileSync(other, "utf8").trimEnd().split("\n").length).toBe(6);
  });

  test("[openlineage] with both url and file: a config error saying to write one", () => {
    const dir = makeProject(PROJECT, '\n[openlineage]\nfile = "a.ndjson"\nurl = "http://127.0.0.1:9/x"\n');
    const r = rocky(["run"], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("[openlineage] needs exactly one of url or file");
  });
});
