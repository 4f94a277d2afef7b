/** Built-in Snowflake adapter plugin (snowflake-sdk). */
import type { AdapterPlugin } from "../../src/adapter/sdk.ts";
import { SnowflakeAdapter } from "./adapter.ts";
import { type SnowflakeConfig, SnowflakeConfigSchema } from "./config.ts";
import { SnowflakeDialect } from "./dialect.ts";

const str = (x: unknown): string | undefined => (typeof x === "string" && x !== "" ? x : undefined);

const plugin: AdapterPlugin<SnowflakeConfig> = {
  type: "snowflake",
  description: "Snowflake via snowflake-sdk (password, key-pair or OAuth)",
  configSchema: SnowflakeConfigSchema,
  dialect: new SnowflakeDialect(),
  dialectFor: (block) => new SnowflakeDialect({ database: str(block.database), schema: str(block.schema) }),
  create: (config, ctx) => new SnowflakeAdapter(config, ctx),
};

export default plugin;
export { SnowflakeAdapter, SnowflakeDialect };
