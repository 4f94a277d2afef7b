/** Branch commands build the dialect from rocky.toml, without connecting or needing secrets. */
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDialect } from "../../src/branch/context.ts";
import { loadConfig } from "../../src/config/load.ts";
import { tempDir } from "../helpers/cli.ts";

const BLOCKS: [string, string, { catalog: string; schema: string }][] = [
  [
    "snowflake",
    'account = "acme-xy"\nuser = "u"\npassword = "p"\nwarehouse = "wh"\ndatabase = "ANALYTICS"\nschema = "MARTS"',
    { catalog: "ANALYTICS", schema: "MARTS" },
  ],
  ["bigquery", 'project_id = "acme-prod"\ndataset = "marts"', { catalog: "acme-prod", schema: "marts" }],
  [
    "databricks",
    'host = "acme.cloud.databricks.com"\nhttp_path = "/sql/1.0/warehouses/x"\ntoken = "t"\ncatalog = "main"\nschema = "marts"',
    { catalog: "main", schema: "marts" },
  ],
];

for (const [type, keys, want] of BLOCKS) {
  test(`${type}: the dialect's default catalog and schema come from rocky.toml`, async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "models"));
    writeFileSync(join(dir, "rocky.toml"), `[adapter]\ntype = "${type}"\n${keys}\n`);
    const d = await loadDialect(await loadConfig(join(dir, "rocky.toml")));
    expect({ catalog: d.defaultCatalog, schema: d.defaultSchema }).toEqual(want);
  });
}
