import { describe, expect, test } from "bun:test";
import { topLevelAggregation } from "../../src/compile/strategy-checks.ts";

describe("the outermost query's aggregation (for the E040 check)", () => {
  test("GROUP BY and SELECT DISTINCT at the top level only", () => {
    expect(topLevelAggregation("SELECT a, count(*) FROM t GROUP /* by what */ BY a")).toBe("GROUP BY");
    expect(topLevelAggregation("SELECT DISTINCT a FROM t")).toBe("DISTINCT");
    expect(topLevelAggregation("SELECT DISTINCT a FROM (SELECT a FROM t GROUP BY a)")).toBe("DISTINCT");
    expect(topLevelAggregation("SELECT * FROM (SELECT a FROM t GROUP BY a) s")).toBeUndefined();
  });

  test("not in strings or comments, in the model's dialect", () => {
    expect(topLevelAggregation("SELECT 'GROUP BY' AS s -- GROUP BY\nFROM t")).toBeUndefined();
    expect(topLevelAggregation("SELECT 1 /* a /* b */ GROUP BY x */ FROM t")).toBeUndefined();
    expect(topLevelAggregation("SELECT 'it\\'s GROUP BY' FROM t", "snowflake")).toBeUndefined();
    expect(topLevelAggregation("SELECT 1 # GROUP BY\nFROM t", "bigquery")).toBeUndefined();
  });
});
