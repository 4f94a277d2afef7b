/** The built-in `bigquery` adapter plugin. */
import type { AdapterContext, AdapterPlugin } from "../../src/adapter/sdk.ts";
import { BigQueryAdapter } from "./adapter.ts";
import { type BigQueryConfig, BigQueryConfigSchema } from "./config.ts";
import { BigQueryDialect } from "./dialect.ts";

const str = (x: unknown): string | undefined => (typeof x === "string" && x !== "" ? x : undefined);

export const adapter: AdapterPlugin<BigQueryConfig> = {
  type: "bigquery",
  description: "Google BigQuery (official @google-cloud/bigquery SDK)",
  configSchema: BigQueryConfigSchema,
  // Without a config there is no default project: names are dataset.table until connected.
  dialect: new BigQueryDialect(),
  dialectFor: (block) =>
    new BigQueryDialect({
      project: str(block.project_id),
      dataset: str(block.dataset),
      location: str(block.location),
    }),
  create(config: BigQueryConfig, ctx: AdapterContext) {
    return new BigQueryAdapter(config, ctx);
  },
};

export default adapter;
export { BigQueryAdapter } from "./adapter.ts";
export { BigQueryDialect } from "./dialect.ts";
