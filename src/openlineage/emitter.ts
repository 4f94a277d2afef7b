/**
 * OpenLineage run events for `rocky run --openlineage FILE|URL`: START when a model
 * starts, COMPLETE or FAIL when it ends, with its input and output datasets and the
 * columnLineage dataset facet from the semantic graph. Shapes follow the OpenLineage
 * 2-0-2 spec (https://openlineage.io/spec/2-0-2/OpenLineage.json) and its
 * ColumnLineageDatasetFacet 1-2-0 and ErrorMessageRunFacet 1-0-1 facets.
 * A file receives one event per line (NDJSON); a URL receives each event as a POST.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { defaultLocation, resolvedTarget } from "../compile/location.ts";
import type { CompileResult } from "../compile/types.ts";
import { RockyError } from "../errors.ts";
import type { RunEvent } from "../run/engine.ts";
import { VERSION } from "../version.ts";

export const PRODUCER = `https://github.com/rocky-data/rocky-ts/tree/v${VERSION}`;
const SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const COLUMN_FACET =
  "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
const ERROR_FACET =
  "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

interface Dataset {
  namespace: string;
  name: string;
  facets?: Record<string, unknown>;
}

export interface OpenLineageEmitter {
  onEvent(e: RunEvent): void;
  /** Waits for HTTP deliveries; throws naming the endpoint when one failed. */
  flush(): Promise<void>;
}

export function openLineageEmitter(
  destination: string,
  compiled: CompileResult,
  adapterType: string,
): OpenLineageEmitter {
  const config = compiled.project.config;
  const defaults = defaultLocation(config);
  const namespace = `${adapterType}://${defaults.catalog ?? config.projectName}`;
  const modelDataset = (name: string): { namespace: string; name: string } | undefined => {
    const m = compiled.project.byName.get(name);
    if (!m) return undefined;
    const t = resolvedTarget(m, defaults);
    return { namespace: `${adapterType}://${t.catalog}`, name: `${t.schema}.${t.table}` };
  };
  const datasetOf = (table: string) => modelDataset(table) ?? { namespace, name: table };
  const runIds = new Map<string, string>();
  const http = /^https?:\/\//.test(destination);
  const pending: Promise<void>[] = [];
  if (!http) writeFileSync(destination, "");

  const send = (event: unknown) => {
    if (!http) {
      appendFileSync(destination, `${JSON.stringify(event)}\n`);
      return;
    }
    pending.push(
      fetch(destination, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(event),
      }).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
      }),
    );
  };

  const event = (type: "START" | "COMPLETE" | "FAIL", model: string, error?: string) => {
    const runId = runIds.get(model) ?? crypto.randomUUID();
    runIds.set(model, runId);
    const upstream = compiled.graph.allTables().find((t) => t.name === model)?.upstream ?? [];
    const out = modelDataset(model)!;
    const fields: Record<string, { inputFields: { namespace: string; name: string; field: string }[] }> = {};
    for (const e of compiled.graph.edges()) {
      if (e.target.model !== model) continue;
      const src = datasetOf(e.source.model);
      (fields[e.target.column] ??= { inputFields: [] }).inputFields.push({ ...src, field: e.source.column });
    }
    const output: Dataset = {
      ...out,
      facets: { columnLineage: { _producer: PRODUCER, _schemaURL: COLUMN_FACET, fields } },
    };
    return {
      eventType: type,
      eventTime: new Date().toISOString(),
      producer: PRODUCER,
      schemaURL: SPEC,
      run: {
        runId,
        facets:
          error !== undefined
            ? {
                errorMessage: {
                  _producer: PRODUCER,
                  _schemaURL: ERROR_FACET,
                  message: error,
                  programmingLanguage: "SQL",
                },
              }
            : {},
      },
      job: { namespace: `rocky://${config.projectName}`, name: model },
      inputs: upstream.map(datasetOf),
      outputs: [output],
    };
  };

  return {
    onEvent(e) {
      if (e.type === "start") send(event("START", e.model));
      else if (e.result.status === "success") send(event("COMPLETE", e.result.name));
      else if (e.result.status === "failed") send(event("FAIL", e.result.name, e.result.error ?? "failed"));
      // Skipped models never started: no run, no events.
    },
    async flush() {
      const results = await Promise.allSettled(pending);
      const bad = results.find((r) => r.status === "rejected");
      if (bad)
        throw new RockyError(
          `OpenLineage events could not be delivered to ${destination}: ${(bad as PromiseRejectedResult).reason instanceof Error ? (bad as PromiseRejectedResult).reason.message : String((bad as PromiseRejectedResult).reason)}`,
          { hint: "check the endpoint is up and accepts POSTs of OpenLineage events" },
        );
    },
  };
}
