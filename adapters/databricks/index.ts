/** Built-in Databricks adapter plugin (@databricks/sql, Thrift over HTTP). */
import type { AdapterPlugin } from "../../src/adapter/sdk.ts";
import { DatabricksAdapter } from "./adapter.ts";
import { type DatabricksConfig, DatabricksConfigSchema } from "./config.ts";
import { DatabricksDialect } from "./dialect.ts";

const str = (x: unknown): string | undefined => (typeof x === "string" && x !== "" ? x : undefined);

const plugin: AdapterPlugin<DatabricksConfig> = {
  type: "databricks",
  description: "Databricks SQL warehouse via @databricks/sql (personal access token or OAuth M2M)",
  configSchema: DatabricksConfigSchema,
  dialect: new DatabricksDialect(),
  dialectFor: (block) => new DatabricksDialect({ catalog: str(block.catalog), schema: str(block.schema) }),
  create: (config, ctx) => new DatabricksAdapter(config, ctx),
};

export default plugin;
export { DatabricksAdapter, DatabricksDialect };
