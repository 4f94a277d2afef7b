/**
 * The README's CI example, run as written (origin/main is the fixture's main; `gh` is
 * left out) on a pull request that edits one model, so the example cannot rot.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { REPO, rocky } from "../helpers/cli.ts";
import { git, makeRepo } from "./fixture.ts";

/** The `rocky …` lines of the README's "in CI, on a pull request" block, comments dropped. */
function ciLines(): string[] {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const block = /```sh\n# in CI, on a pull request\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error("README.md has no '# in CI, on a pull request' block");
  return block[1]!
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l.startsWith("rocky "));
}

describe("README CI example", () => {
  test("diff -> branch create -> run --changed --branch -> branch compare, on a real repository", async () => {
    const repo = makeRepo();
    const inst = await DuckDBInstance.create(join(repo.project, "shop.duckdb"));
    const conn = await inst.connect();
    for (const s of [
      "CREATE SCHEMA raw",
      "CREATE TABLE raw.orders AS SELECT 1 AS order_id, 10 AS customer_id, 5.00::DECIMAL(10,2) AS amount, 'paid' AS status",
      "CREATE TABLE raw.customers AS SELECT 10 AS customer_id, 'Ada' AS name, 'ada@example.com' AS email",
    ])
      await conn.run(s);
    conn.closeSync();
    inst.closeSync();
    expect(rocky(["run", "-o", "json"], { cwd: repo.project }).code).toBe(0);
    // The pull request: gross changes; fct_customer reads it, fct_status and fct_emails do not.
    git(repo.top, "checkout", "-q", "-b", "pr-123");
    repo.write(
      "models/intermediate/int_orders.sql",
      `SELECT o.order_id, o.customer_id, c.customer_name, o.amount * 1.25 AS gross, o.status
FROM stg_orders o JOIN stg_customers c ON c.customer_id = o.customer_id
`,
    );
    repo.commit("reprice");

    const lines = ciLines();
    expect(lines.length).toBe(5);
    const files = new Map<string, string>();
    for (const line of lines) {
      // `> file`, `>> file` and `|| echo …` as the shell would treat them.
      const m = /^rocky (.*?)(?:\s+(>>?)\s+(\S+))?(?:\s+\|\|.*)?$/.exec(line)!;
      const args = m[1]!.split(/\s+/).map((a) => (a === "origin/main" ? "main" : a));
      const r = rocky(args, { cwd: repo.project });
      const allowed = line.includes("--fail-on") ? [0, 1] : [0];
      if (!allowed.includes(r.code)) throw new Error(`'${line}' exited ${r.code}:\n${r.stderr}`);
      if (m[3]) files.set(m[3], (m[2] === ">>" ? (files.get(m[3]) ?? "") : "") + r.stdout);
    }
    const impact = files.get("impact.md")!;
    expect(impact).toContain("## rocky diff");
    expect(impact).toContain("```mermaid");
    expect(impact).toContain("`int_orders`");
    // The compare output appended as text, not JSON, and about the rebuilt models.
    expect(impact).not.toContain('"command"');
    expect(impact).toContain("fct_customer");
    const json = JSON.parse(files.get("impact.json")!) as { rebuild: string[]; failed: boolean };
    expect(json.rebuild).toEqual(["int_orders", "fct_customer"]);
    // The branch run built exactly the rebuild set.
    const show = rocky(["branch", "show", "pr-123", "-o", "json"], { cwd: repo.project });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("int_orders");
    expect(show.stdout).not.toContain("fct_status");
  }, 120_000);
});
