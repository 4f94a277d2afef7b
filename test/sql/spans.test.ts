import { describe, expect, test } from "bun:test";
import { analyze, useParser } from "./helpers.ts";

const parser = useParser();

/** Each table ref as `parts@text`, where text is the SQL the span covers. */
async function refs(sql: string): Promise<string[]> {
  const analysis = await analyze(parser(), sql);
  return analysis.tableRefs.map((r) => `${r.parts.join("|")}@${sql.slice(r.start, r.end)}`);
}

describe("table refs: spans for rewriting", () => {
  test("every base table read, in order of appearance, CTE names excluded", async () => {
    const sql = `WITH recent AS (SELECT * FROM raw.orders WHERE ts > (SELECT max(ts) - 7 FROM raw.watermarks))
SELECT r.id, (SELECT name FROM raw.customers c WHERE c.id = r.customer_id) AS name
FROM recent r JOIN stg_payments p ON p.order_id = r.id
WHERE r.status IN (SELECT status FROM ref.statuses) AND EXISTS (SELECT 1 FROM raw.flags f WHERE f.id = r.id)
UNION ALL SELECT id, name FROM (SELECT id, name FROM archive.orders) a`;
    expect(await refs(sql)).toEqual([
      "raw|orders@raw.orders",
      "raw|watermarks@raw.watermarks",
      "raw|customers@raw.customers",
      "stg_payments@stg_payments",
      "ref|statuses@ref.statuses",
      "raw|flags@raw.flags",
      "archive|orders@archive.orders",
    ]);
  });

  test("quoted identifiers, comments and whitespace inside the dotted name", async () => {
    expect(await refs('SELECT 1 FROM "My Schema"."t" AS x JOIN raw . /* c */ "Or""ders" o ON true')).toEqual([
      'My Schema|t@"My Schema"."t"',
      'raw|Or"ders@raw . /* c */ "Or""ders"',
    ]);
    expect(await refs("SELECT 1 FROM -- lead\n  db.raw.orders\n-- tail")).toEqual([
      "db|raw|orders@db.raw.orders",
    ]);
  });

  test("the same table twice gives two spans; an unused CTE's tables are still read", async () => {
    expect(
      await refs(
        "WITH unused AS (SELECT * FROM raw.a) SELECT * FROM raw.orders o1 JOIN raw.orders o2 USING (id)",
      ),
    ).toEqual(["raw|a@raw.a", "raw|orders@raw.orders", "raw|orders@raw.orders"]);
  });

  test("offsets count UTF-16 code units after non-ASCII text", async () => {
    const sql = "SELECT 'é€😀' AS x, b /* ü */ FROM \"Schéma\".t";
    const analysis = await analyze(parser(), sql);
    const ref = analysis.tableRefs[0];
    expect(ref?.parts).toEqual(["Schéma", "t"]);
    expect(sql.slice(ref?.start, ref?.end)).toBe('"Schéma".t');
  });

  test("tables inside FROM items the walker does not model (DESCRIBE)", async () => {
    expect(await refs("SELECT * FROM (DESCRIBE raw.t)")).toEqual(["raw|t@raw.t"]);
  });

  test("tables inside a FROM-subquery of a set operation branch and in JOIN ON subqueries", async () => {
    expect(
      await refs(
        "SELECT a.id FROM a JOIN b ON b.id IN (SELECT id FROM c) WHERE a.x = 1 INTERSECT SELECT id FROM d",
      ),
    ).toEqual(["a@a", "b@b", "c@c", "d@d"]);
  });
});
