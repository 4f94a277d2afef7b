/** `--select` with dbt's selector grammar (https://docs.getdbt.com/reference/node-selection/syntax). */
import { describe, expect, test } from "bun:test";
import { buildDag } from "../../src/graph/dag.ts";
import { selectModels } from "../../src/run/selection.ts";

// stg_a, stg_b -> int_x -> fct_1, fct_2; stg_c alone.
const dag = buildDag(
  new Map([
    ["stg_a", []],
    ["stg_b", []],
    ["stg_c", []],
    ["int_x", ["stg_a", "stg_b"]],
    ["fct_1", ["int_x"]],
    ["fct_2", ["int_x"]],
  ]),
);
const paths = new Map([
  ["stg_a", "models/staging/stg_a.sql"],
  ["stg_b", "models/staging/stg_b.sql"],
  ["stg_c", "models/staging/other/stg_c.sql"],
  ["int_x", "models/intermediate/int_x.sql"],
  ["fct_1", "models/marts/fct_1.sql"],
  ["fct_2", "models/marts/fct_2.sql"],
]);
const sel = (...select: string[]) => selectModels(dag, { select, paths }).sort();

describe("--select", () => {
  test("names, +name (ancestors), name+ (descendants), N+name and name+N (hops)", () => {
    expect(sel("int_x")).toEqual(["int_x"]);
    expect(sel("+int_x")).toEqual(["int_x", "stg_a", "stg_b"]);
    expect(sel("int_x+")).toEqual(["fct_1", "fct_2", "int_x"]);
    expect(sel("1+fct_1")).toEqual(["fct_1", "int_x"]);
    expect(sel("2+fct_1")).toEqual(["fct_1", "int_x", "stg_a", "stg_b"]);
    expect(sel("stg_a+1")).toEqual(["int_x", "stg_a"]);
  });

  test("@name: the model, its descendants and all their ancestors", () => {
    expect(sel("@stg_a")).toEqual(["fct_1", "fct_2", "int_x", "stg_a", "stg_b"]);
  });

  test("globs and paths (folders include subfolders; path: prefix optional when it has a /)", () => {
    expect(sel("stg_*")).toEqual(["stg_a", "stg_b", "stg_c"]);
    expect(sel("fct_?")).toEqual(["fct_1", "fct_2"]);
    expect(sel("path:models/marts")).toEqual(["fct_1", "fct_2"]);
    expect(sel("models/staging")).toEqual(["stg_a", "stg_b", "stg_c"]);
    expect(sel("models/staging/stg_a.sql")).toEqual(["stg_a"]);
    expect(sel("path:models/staging/stg_a")).toEqual(["stg_a"]);
    expect(sel("models/intermediate/+")).toEqual(["fct_1", "fct_2", "int_x"]);
  });

  test("union with spaces or repeated flags; intersection with commas", () => {
    expect(sel("stg_a fct_2")).toEqual(["fct_2", "stg_a"]);
    expect(sel("stg_a", "fct_2")).toEqual(["fct_2", "stg_a"]);
    expect(sel("stg_*,+int_x")).toEqual(["stg_a", "stg_b"]);
    expect(sel("models/staging,stg_c")).toEqual(["stg_c"]);
  });

  test("a selection that selects nothing is an error that says so", () => {
    expect(() => sel("nope_*")).toThrow("--select: 'nope_*' matches no model");
    expect(() => sel("models/nowhere")).toThrow("--select: 'models/nowhere' selects no model");
    expect(() => sel("stg_c,fct_1")).toThrow("the selection is empty");
    expect(() => sel("stg_x")).toThrow("--select: no model named 'stg_x'");
  });
});
