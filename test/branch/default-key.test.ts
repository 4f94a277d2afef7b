/** The default compare key's order: unique_key, then a contract's primary key, then grain. */
import { describe, expect, test } from "bun:test";
import { defaultCompareKey } from "../../src/branch/compare.ts";
import type { Model } from "../../src/project/types.ts";

const model = (over: Partial<Model>): Model => ({
  name: "m",
  file: "/p/models/m.sql",
  relPath: "models/m.sql",
  sql: "SELECT 1 AS id",
  target: { table: "m" },
  strategy: { type: "full_refresh" },
  dependsOn: [],
  tests: [],
  ...over,
});

describe("defaultCompareKey", () => {
  const contract = (m: Model) => (m.name === "m" ? ["pk"] : undefined);

  test("unique_key first", () => {
    const m = model({
      strategy: { type: "merge", unique_key: ["id"] } as Model["strategy"],
      grain: ["g"],
    });
    expect(defaultCompareKey(m, contract)).toEqual({ key: ["id"], source: "unique_key" });
  });

  test("then the contract's primary key, then the grain", () => {
    const m = model({ grain: ["g"] });
    expect(defaultCompareKey(m, contract)).toEqual({ key: ["pk"], source: "contract" });
    expect(defaultCompareKey(m)).toEqual({ key: ["g"], source: "grain" });
    expect(defaultCompareKey(m, () => [])).toEqual({ key: ["g"], source: "grain" });
  });

  test("none: unkeyed", () => {
    expect(defaultCompareKey(model({}))).toBeUndefined();
  });
});
