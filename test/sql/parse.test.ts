import { describe, expect, test } from "bun:test";
import { useParser } from "./helpers.ts";

const parser = useParser();

describe("parseMany", () => {
  test("results come back in input order across batches and connections", async () => {
    const sqls = Array.from({ length: 1234 }, (_, i) =>
      i % 97 === 5 ? `SELEC ${i}` : `SELECT ${i} AS v${i}`,
    );
    const parsed = await parser().parseMany(sqls);
    expect(parsed).toHaveLength(sqls.length);
    parsed.forEach((result, i) => {
      if (i % 97 === 5) {
        expect(result.ok).toBe(false);
        return;
      }
      if (!result.ok) throw new Error(`model ${i} failed: ${result.error}`);
      const statement = result.statements[0] as { node: { select_list: Array<{ alias: string }> } };
      expect(statement.node.select_list[0]?.alias).toBe(`v${i}`);
    });
  });

  test("an empty list", async () => {
    expect(await parser().parseMany([])).toEqual([]);
  });

  test("errors carry DuckDB's message and a character offset", async () => {
    const [atStart, atEnd, afterEmoji] = await parser().parseMany([
      "SELEC x",
      "SELECT a FROM t WHERE",
      "SELECT '😀é' AS x FROM t WHERE x = = 1",
    ]);
    expect(atStart).toEqual({ ok: false, error: 'syntax error at or near "SELEC"', offset: 0 });
    expect(atEnd).toEqual({ ok: false, error: "syntax error at end of input", offset: 21 });
    // The second "=": DuckDB counts code points, the offset counts UTF-16 units.
    expect(afterEmoji).toMatchObject({ ok: false, offset: "SELECT '😀é' AS x FROM t WHERE x = ".length });
  });

  test("statements other than SELECT are errors without offset", async () => {
    const [create] = await parser().parseMany(["CREATE TABLE t (a INT)"]);
    expect(create).toEqual({
      ok: false,
      error: "only SELECT queries can be analysed (Only SELECT statements can be serialized to json)",
    });
  });

  test("unaliased expressions are named as DuckDB names them; names of later UNION branches are not needed", async () => {
    // Printed here (a + 1, sum) and by DuckDB (CAST, COALESCE) within one model.
    const [result] = await parser().parseMany([
      "SELECT a + 1, CAST(b AS INT), sum(b), coalesce(a, b) FROM t UNION ALL SELECT 1, 2, 3, 4",
    ]);
    if (!result?.ok) throw new Error("parse failed");
    const names: unknown[] = [];
    JSON.stringify(result.statements, (key, value) => {
      if (key === "rocky_default_name") names.push(value);
      return value;
    });
    expect(names).toEqual(["(a + 1)", "CAST(b AS INTEGER)", "sum(b)", "COALESCE(a, b)"]);
  });
});
