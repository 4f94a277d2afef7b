/** `--select`/`--exclude` with dbt's selector grammar (https://docs.getdbt.com/reference/node-selection/syntax). */
import { describe, expect, test } from "bun:test";
import { buildDag } from "../../src/graph/dag.ts";
import type { RockyError } from "../../src/errors.ts";
import { changedBases, selectModels } from "../../src/graph/selection.ts";

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
const tags = new Map<string, string[]>([
  ["stg_a", ["nightly"]],
  ["int_x", ["finance", "nightly"]],
  ["fct_1", ["finance"]],
  ["fct_2", []],
]);
const changed = new Map([
  ["", new Set(["stg_b"])],
  ["main", new Set(["fct_2"])],
]);
const sel = (...select: string[]) => selectModels(dag, { select, paths, tags, changed }).sort();
const excl = (select: string[], exclude: string[]) =>
  selectModels(dag, { select, exclude, paths, tags, changed }).sort();

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

  // Each row: selector(s) -> expected models, with what dbt's docs say the form means.
  const table: [string, string[], string][] = [
    ["tag:finance", ["fct_1", "int_x"], "models with the tag"],
    ["tag:night*", ["int_x", "stg_a"], "tag globs, as dbt's fnmatch"],
    ["+tag:finance", ["fct_1", "int_x", "stg_a", "stg_b"], "graph operators apply to every tagged model"],
    ["tag:finance,tag:nightly", ["int_x"], "intersection of two tags"],
    ["tag:nightly tag:finance", ["fct_1", "int_x", "stg_a"], "union of two tags"],
    ["tag:finance,models/marts", ["fct_1"], "tag intersected with a folder"],
    ["changed", ["stg_b"], "models changed against the default base"],
    ["changed+", ["fct_1", "fct_2", "int_x", "stg_b"], "changed and every descendant (dbt state:modified+)"],
    ["changed:main", ["fct_2"], "changed against another base"],
    ["+changed:main", ["fct_2", "int_x", "stg_a", "stg_b"], "changed with its ancestors"],
    ["@int_x", ["fct_1", "fct_2", "int_x", "stg_a", "stg_b"], "@: descendants and their ancestors"],
    ["1+int_x+1", ["fct_1", "fct_2", "int_x", "stg_a", "stg_b"], "hops on both sides"],
    ["0+fct_1", ["fct_1"], "zero hops is the model alone"],
    ["path:models/staging/other", ["stg_c"], "a subfolder"],
    ["models/staging/", ["stg_a", "stg_b", "stg_c"], "a trailing slash"],
  ];
  test.each(table)("%p selects %p (%s)", (selector, expected) => {
    expect(sel(selector)).toEqual(expected);
  });

  test("--exclude removes what its selectors pick, with the same grammar", () => {
    expect(excl(["models/staging"], ["stg_c"])).toEqual(["stg_a", "stg_b"]);
    expect(excl(["int_x+"], ["fct_1"])).toEqual(["fct_2", "int_x"]);
    expect(excl(["+fct_1"], ["tag:nightly"])).toEqual(["fct_1", "stg_b"]);
    // Without --select, --exclude removes from every model.
    expect(excl([], ["int_x+"])).toEqual(["stg_a", "stg_b", "stg_c"]);
    expect(() => excl([], ["models/staging", "int_x+"])).toThrow("the selection is empty");
  });

  test("--model unites with --select and --exclude applies to both", () => {
    expect(
      selectModels(dag, { models: ["stg_c"], select: ["fct_1"], exclude: ["fct_*"], paths }).sort(),
    ).toEqual(["stg_c"]);
  });

  test("bad selectors: unknown method, @ with a + suffix, a tag nobody has (did-you-mean)", () => {
    expect(() => sel("tags:finance")).toThrow("unknown selector method 'tags:'");
    expect(() => sel("@int_x+")).toThrow("mixes @ with a + suffix");
    expect(() => sel("tag:")).toThrow("'tag:' names no tag");
    let hint = "";
    try {
      sel("tag:finanse");
    } catch (e) {
      hint = (e as RockyError).hint ?? "";
      expect((e as Error).message).toBe("--select: no model has the tag 'finanse'");
    }
    expect(hint).toBe("did you mean 'finance'?");
    try {
      sel("int_y");
    } catch (e) {
      hint = (e as RockyError).hint ?? "";
    }
    expect(hint).toBe("did you mean 'int_x'?");
    expect(() => excl(["stg_a"], ["stg_z"])).toThrow("--exclude: no model named 'stg_z'");
  });

  test("an empty result says which flags led there", () => {
    expect(() => excl(["stg_a"], ["stg_a"])).toThrow(
      "--select stg_a --exclude stg_a: the selection is empty",
    );
    expect(() => excl(["changed:main,models/staging"], [])).toThrow("the selection is empty");
  });

  test("changedBases lists the bases the changed selectors compare with", () => {
    expect(changedBases(["changed+ stg_a", "fct_1,changed:main"], ["changed:HEAD~1"])).toEqual([
      "",
      "main",
      "HEAD~1",
    ]);
    expect(changedBases(["tag:changed", "models/changed"])).toEqual([]);
  });

  test("a selection that selects nothing is an error that says so", () => {
    expect(() => sel("nope_*")).toThrow("--select: 'nope_*' matches no model");
    expect(() => sel("models/nowhere")).toThrow("--select: 'models/nowhere' selects no model");
    expect(() => sel("stg_c,fct_1")).toThrow("the selection is empty");
    expect(() => sel("stg_x")).toThrow("--select: no model named 'stg_x'");
  });
});
