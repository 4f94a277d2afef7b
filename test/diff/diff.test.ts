/**
 * `rocky diff` on a real git repository: a 3-layer project in a subfolder, edited in the
 * working tree or committed on a branch, compared with HEAD, HEAD~1, main, the merge
 * base, or a folder. Every expectation is what a user sees: the JSON report (valid
 * against our schema and Rocky's ci_diff), the text and Markdown, and exit codes.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError, expectSchemas } from "../helpers/schema.ts";
import { BASE_FILES, git, makeRepo, type Repo } from "./fixture.ts";

interface Col {
  column: string;
  kinds: string[];
  renamed_from?: string;
  old_type?: string | null;
  new_type?: string | null;
  classification: string;
  downstream: { model: string; column: string; depth: number; via: string }[];
}
interface ModelOut {
  model_name: string;
  status: string;
  classification: string;
  changes: string[];
  columns: Col[];
  column_changes: { change_type: string; column_name: string }[];
  downstream_models: string[];
}
interface Report {
  base_ref: string;
  summary: Record<string, number>;
  models: ModelOut[];
  rebuild: string[];
  markdown: string;
  failed: boolean;
}

function diff(repo: Repo, args: string[] = []): { code: number; report: Report; stderr: string } {
  const r = rocky(["diff", ...args, "-o", "json"], { cwd: repo.project });
  const report = r.json<Report>();
  expectSchemas("diff", report, "ci_diff");
  return { code: r.code, report, stderr: r.stderr };
}

const model = (r: Report, name: string) => {
  const m = r.models.find((x) => x.model_name === name);
  if (!m) throw new Error(`${name} not in the report: ${r.models.map((x) => x.model_name).join(", ")}`);
  return m;
};
const col = (m: ModelOut, name: string) => {
  const c = m.columns.find((x) => x.column === name);
  if (!c)
    throw new Error(
      `${m.model_name}.${name} not in the report: ${m.columns.map((x) => x.column).join(", ")}`,
    );
  return c;
};
const reach = (c: Col) => c.downstream.map((d) => `${d.model}.${d.column}@${d.depth}`);

describe("rocky diff: what counts as a change", () => {
  test("whitespace, comments, keyword case and table-alias edits are cosmetic; nothing to rebuild", () => {
    const repo = makeRepo();
    repo.write(
      "models/intermediate/int_orders.sql",
      `-- orders with their customer
select ord.order_id, ord.customer_id, cust.customer_name,
       ord.amount   *   1.2 as gross,   /* unchanged maths */
       ord.status
from STG_ORDERS as ord
inner join stg_customers cust on cust.customer_id = ord.customer_id
`,
    );
    repo.write(
      "models/staging/stg_orders.sql",
      "select order_id, customer_id, amount, status from raw.orders where status <> 'test'\n",
    );
    const { code, report } = diff(repo, ["HEAD"]);
    expect(code).toBe(0);
    expect(report.models.map((m) => [m.model_name, m.status, m.classification, m.columns.length])).toEqual([
      ["stg_orders", "modified", "cosmetic", 0],
      ["int_orders", "modified", "cosmetic", 0],
    ]);
    expect(report.summary).toMatchObject({ modified: 2, unchanged: 4, cosmetic: 2, breaking: 0 });
    expect(report.rebuild).toEqual([]);
    expect(rocky(["diff", "HEAD", "--fail-on", "breaking"], { cwd: repo.project }).code).toBe(0);
    // A cosmetic edit is still a change for --fail-on any.
    expect(rocky(["diff", "HEAD", "--fail-on", "any", "-o", "json"], { cwd: repo.project }).code).toBe(1);
  });

  test("an expression change is breaking when read downstream; the rebuild set leaves out a model that reads other columns", () => {
    const repo = makeRepo();
    repo.write(
      "models/intermediate/int_orders.sql",
      `SELECT o.order_id, o.customer_id, c.customer_name, o.amount * 1.25 AS gross, o.status
FROM stg_orders o JOIN stg_customers c ON c.customer_id = o.customer_id
`,
    );
    const { code, report } = diff(repo, ["HEAD"]);
    expect(code).toBe(0);
    const m = model(report, "int_orders");
    expect(m.classification).toBe("breaking");
    expect(m.columns.map((c) => [c.column, c.kinds, c.classification])).toEqual([
      ["gross", ["expression_changed"], "breaking"],
    ]);
    expect(reach(col(m, "gross"))).toEqual(["fct_customer.total@1"]);
    // fct_status reads int_orders, but only `status`: not rebuilt.
    expect(report.rebuild).toEqual(["int_orders", "fct_customer"]);
    expect(m.downstream_models).toEqual(["fct_customer"]);
  });

  test("a WHERE change changes the rows of every column, with the transitive blast radius and depth", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_orders.sql",
      "SELECT order_id, customer_id, amount, status FROM raw.orders WHERE status NOT IN ('test', 'void')\n",
    );
    const { report } = diff(repo, ["HEAD"]);
    const m = model(report, "stg_orders");
    expect(m.columns.map((c) => [c.column, c.kinds])).toEqual([
      ["order_id", ["rows_changed"]],
      ["customer_id", ["rows_changed"]],
      ["amount", ["rows_changed"]],
      ["status", ["rows_changed"]],
    ]);
    expect(reach(col(m, "amount"))).toEqual(["int_orders.gross@1", "fct_customer.total@2"]);
    // fct_status groups by status: its count is reached too, indirectly.
    expect(reach(col(m, "status"))).toEqual(["int_orders.status@1", "fct_status.status@2", "fct_status.n@2"]);
    expect(m.classification).toBe("breaking");
    expect(report.rebuild).toEqual(["stg_orders", "int_orders", "fct_customer", "fct_status"]);
  });

  test("GROUP BY, DISTINCT and LIMIT edits are row changes too; ORDER BY alone is not", () => {
    const repo = makeRepo();
    repo.write("models/marts/fct_emails.sql", "SELECT DISTINCT email FROM stg_customers\n");
    repo.write(
      "models/marts/fct_status.sql",
      "SELECT status, COUNT(*) AS n FROM int_orders GROUP BY status ORDER BY n DESC\n",
    );
    const { report } = diff(repo, ["HEAD"]);
    expect(col(model(report, "fct_emails"), "email").kinds).toEqual(["rows_changed"]);
    expect(model(report, "fct_status").classification).toBe("cosmetic");
  });

  test("added and removed columns and models; ci_diff column_changes", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name, email, lower(email) AS email_key FROM raw.customers\n",
    );
    repo.write(
      "models/marts/fct_orders_per_customer.sql",
      "SELECT customer_id, COUNT(*) AS orders FROM int_orders GROUP BY customer_id\n",
    );
    repo.remove("models/marts/fct_status.sql");
    const { report } = diff(repo, ["HEAD"]);
    const stg = model(report, "stg_customers");
    expect(stg.columns.map((c) => [c.column, c.kinds, c.classification])).toEqual([
      ["email_key", ["added"], "non-breaking"],
    ]);
    expect(stg.column_changes).toEqual([
      { change_type: "added", column_name: "email_key", old_type: null, new_type: null },
    ] as never);
    const added = model(report, "fct_orders_per_customer");
    expect([added.status, added.classification, added.columns.map((c) => c.column)]).toEqual([
      "added",
      "non-breaking",
      ["customer_id", "orders"],
    ]);
    const removed = model(report, "fct_status");
    expect([removed.status, removed.classification]).toEqual(["removed", "non-breaking"]);
    expect(removed.column_changes.map((c) => `${c.change_type} ${c.column_name}`)).toEqual([
      "removed status",
      "removed n",
    ]);
    expect(report.summary).toMatchObject({ added: 1, removed: 1, modified: 1, breaking: 0 });
    expect(report.rebuild).toEqual(["stg_customers", "fct_orders_per_customer"]);
  });

  test("a removed column read downstream is breaking, listing the downstream columns with depth; --fail-on breaking exits 1", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name FROM raw.customers\n",
    );
    const { code, report } = diff(repo, ["HEAD", "--fail-on", "breaking"]);
    expect(code).toBe(1);
    expect(report.failed).toBe(true);
    const m = model(report, "stg_customers");
    const email = col(m, "email");
    expect([email.kinds, email.classification]).toEqual([["removed"], "breaking"]);
    expect(reach(email)).toEqual(["fct_emails.email@1"]);
    expect(m.downstream_models).toEqual(["fct_emails"]);
    expect((report as Report & { impact_edges: unknown[] }).impact_edges).toEqual([
      { from: "stg_customers", to: "fct_emails" },
    ]);
    // Without --fail-on the same breaking change exits 0.
    expect(rocky(["diff", "HEAD", "-o", "json"], { cwd: repo.project }).code).toBe(0);
  });

  test("a rename: same expression under a new name; breaking while a reader still uses the old name", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS full_name, email FROM raw.customers\n",
    );
    let { report } = diff(repo, ["HEAD"]);
    let c = col(model(report, "stg_customers"), "full_name");
    expect([c.kinds, c.renamed_from, c.classification]).toEqual([["renamed"], "customer_name", "breaking"]);
    // fct_customer groups by customer_name: every column of it is reached.
    expect(reach(c)).toEqual([
      "int_orders.customer_name@1",
      "fct_customer.customer_name@2",
      "fct_customer.customer_id@2",
      "fct_customer.total@2",
    ]);
    expect(
      model(report, "stg_customers").column_changes.map((x) => `${x.change_type} ${x.column_name}`),
    ).toEqual(["removed customer_name", "added full_name"]);

    // The reader follows the rename in the same change: nothing is broken any more.
    repo.write(
      "models/intermediate/int_orders.sql",
      `SELECT o.order_id, o.customer_id, c.full_name AS customer_name, o.amount * 1.2 AS gross, o.status
FROM stg_orders o JOIN stg_customers c ON c.customer_id = o.customer_id
`,
    );
    ({ report } = diff(repo, ["HEAD"]));
    c = col(model(report, "stg_customers"), "full_name");
    expect([c.kinds, c.classification]).toEqual([["renamed"], "non-breaking"]);
    const io = model(report, "int_orders");
    // It follows the rename: the same value, so a cosmetic edit.
    expect([io.classification, io.columns]).toEqual(["cosmetic", []]);
    expect(report.rebuild).toEqual(["stg_customers"]);
  });

  test("a type change from a CAST against the declared source type", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_orders.sql",
      "SELECT order_id, customer_id, CAST(amount AS DECIMAL(12, 2)) AS amount, status FROM raw.orders WHERE status <> 'test'\n",
    );
    const { report } = diff(repo, ["HEAD"]);
    const c = col(model(report, "stg_orders"), "amount");
    expect(c.kinds).toEqual(["expression_changed", "type_changed"]);
    expect([c.old_type, c.new_type, c.classification]).toEqual([
      "DECIMAL(10,2)",
      "DECIMAL(12,2)",
      "breaking",
    ]);
    expect(model(report, "stg_orders").column_changes).toEqual([
      {
        change_type: "type_changed",
        column_name: "amount",
        old_type: "DECIMAL(10,2)",
        new_type: "DECIMAL(12,2)",
      },
    ] as never);
  });

  test("sidecar edits: strategy and target", () => {
    const repo = makeRepo();
    repo.write("models/marts/fct_status.toml", '[strategy]\ntype = "view"\n\n[target]\nschema = "marts"\n');
    const { report } = diff(repo, ["HEAD"]);
    const m = model(report, "fct_status");
    expect([m.status, m.changes, m.classification]).toEqual([
      "modified",
      ["sidecar", "strategy", "target"],
      "non-breaking",
    ]);
    expect(report.rebuild).toEqual(["fct_status"]);
  });
});

describe("rocky diff: the base", () => {
  test("committed on a branch: default base is the merge base with main; HEAD~1 and main agree", () => {
    const repo = makeRepo();
    git(repo.top, "checkout", "-q", "-b", "feature");
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name FROM raw.customers\n",
    );
    repo.commit("drop email");
    // main moves on after the branch point: the merge base, not main's tip, is the base.
    git(repo.top, "checkout", "-q", "main");
    repo.write("models/marts/fct_new_on_main.sql", "SELECT 1 AS one\n");
    repo.commit("unrelated work on main");
    git(repo.top, "checkout", "-q", "feature");

    const byDefault = diff(repo).report;
    expect(byDefault.base_ref).toMatch(/^merge-base\(HEAD, main\) \([0-9a-f]+\)$/);
    expect(byDefault.models.map((m) => m.model_name)).toEqual(["stg_customers"]);
    const prev = diff(repo, ["HEAD~1"]).report;
    expect(prev.models.map((m) => m.model_name)).toEqual(["stg_customers"]);
    // Against main's tip the model added there shows as removed.
    const tip = diff(repo, ["main"]).report;
    expect(tip.models.map((m) => `${m.model_name}:${m.status}`).sort()).toEqual([
      "fct_new_on_main:removed",
      "stg_customers:modified",
    ]);
  });

  test("SQL-only changes read the base from git in memory; the same report as exporting the whole revision", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name FROM raw.customers\n",
    );
    repo.write("models/marts/fct_big.sql", "SELECT customer_id, total FROM fct_customer WHERE total > 100\n");
    repo.remove("models/marts/fct_status.sql");
    const a = rocky(["diff", "HEAD", "-o", "json"], { cwd: repo.project });
    const b = rocky(["diff", "HEAD", "-o", "json"], { cwd: repo.project, env: { ROCKY_DIFF_EXPORT: "1" } });
    expect(a.code).toBe(0);
    expect(b.json()).toEqual(a.json());
    expect(a.json<Report>().models.map((m) => `${m.model_name}:${m.status}`)).toEqual([
      "stg_customers:modified",
      "fct_big:added",
      "fct_status:removed",
    ]);
  });

  test("a project at the top of its repository, through both ways of reading the base", () => {
    const repo = makeRepo();
    const top = tempDir("rocky-diff-top-");
    cpSync(repo.project, top, { recursive: true });
    git(top, "init", "-q", "-b", "main");
    git(top, "add", "-A");
    git(top, "commit", "-q", "-m", "base");
    writeFileSync(join(top, "models/marts/fct_emails.sql"), "SELECT DISTINCT email FROM stg_customers\n");
    for (const env of [{}, { ROCKY_DIFF_EXPORT: "1" }]) {
      const r = rocky(["diff", "-o", "json"], { cwd: top, env });
      expect(r.code).toBe(0);
      expect(
        r.json<Report>().models.map((m) => `${m.model_name}:${m.columns.map((c) => c.kinds.join("+"))}`),
      ).toEqual(["fct_emails:rows_changed"]);
    }
  });

  test("--base-dir compares with a folder", () => {
    const repo = makeRepo();
    const copy = tempDir("rocky-diff-basedir-");
    cpSync(repo.project, copy, { recursive: true });
    repo.write("models/marts/fct_emails.sql", "SELECT email, length(email) AS len FROM stg_customers\n");
    const { report } = diff(repo, ["--base-dir", copy]);
    expect(report.base_ref).toBe(copy);
    // Nothing is written into the base folder (its cache stays where it was: absent).
    expect(existsSync(join(copy, ".rocky-cache"))).toBe(false);
    expect(model(report, "fct_emails").columns.map((c) => [c.column, c.kinds])).toEqual([["len", ["added"]]]);
  });

  test("the working tree, index and HEAD are untouched", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name FROM raw.customers\n",
    );
    repo.write("models/marts/new_model.sql", "SELECT 1 AS x\n");
    git(repo.top, "add", "shop/models/marts/new_model.sql");
    rocky(["compile", "-o", "json"], { cwd: repo.project }); // the analysis cache exists before the snapshot
    const before = [
      repo.status(),
      git(repo.top, "rev-parse", "HEAD"),
      git(repo.top, "diff", "--cached"),
      git(repo.top, "stash", "list"),
    ];
    expect(diff(repo, ["HEAD"]).report.models.length).toBe(2);
    expect(diff(repo).report.models.length).toBe(2);
    const after = [
      repo.status(),
      git(repo.top, "rev-parse", "HEAD"),
      git(repo.top, "diff", "--cached"),
      git(repo.top, "stash", "list"),
    ];
    expect(after).toEqual(before);
  });

  test("bad input: not a revision, not a git repository, BASE with --base-dir, a bad --fail-on", () => {
    const repo = makeRepo();
    const bad = rocky(["diff", "no-such-branch", "-o", "json"], { cwd: repo.project });
    expect(bad.code).toBe(1);
    expect(expectJsonError(bad, "error", "diff").message).toBe("'no-such-branch' is not a git revision");

    const plain = tempDir("rocky-diff-nogit-");
    cpSync(repo.project, plain, { recursive: true });
    const nogit = rocky(["diff", "-o", "json"], { cwd: plain });
    expect(nogit.code).toBe(1);
    expect(expectJsonError(nogit, "error", "diff").message).toContain("is not in a git repository");

    expect(rocky(["diff", "HEAD", "--base-dir", plain], { cwd: repo.project }).code).toBe(2);
    expect(rocky(["diff", "HEAD", "--fail-on", "sometimes"], { cwd: repo.project }).code).toBe(2);
  });

  test("a base whose rocky.toml does not load is a clear error naming the revision", () => {
    const repo = makeRepo();
    repo.write("rocky.toml", "[project\nname = 1\n");
    repo.commit("broken config");
    repo.write("rocky.toml", BASE_FILES["rocky.toml"]!);
    const r = rocky(["diff", "HEAD", "-o", "json"], { cwd: repo.project });
    expect(r.code).toBe(1);
    const e = expectJsonError(r, "error", "diff");
    expect(e.message).toMatch(
      /^the base project \(HEAD \([0-9a-f]+\)\) does not load: invalid TOML syntax in HEAD \([0-9a-f]+\):\/rocky\.toml/,
    );
    expect(e.message).not.toContain("rocky-diff-base-");
  });

  test("a model that fails to compile at the base is reported and the rest compared", () => {
    const repo = makeRepo();
    repo.write("models/marts/fct_emails.sql", "SELECT email FROM FROM stg_customers\n");
    repo.commit("broken model");
    repo.write("models/marts/fct_emails.sql", "SELECT email FROM stg_customers\n");
    repo.write(
      "models/marts/fct_status.sql",
      "SELECT status, COUNT(*) AS n, MAX(gross) AS top FROM int_orders GROUP BY status\n",
    );
    const { code, report } = diff(repo, ["HEAD"]);
    expect(code).toBe(0);
    const broken = model(report, "fct_emails") as ModelOut & { base_unavailable?: string };
    expect(broken.base_unavailable).toContain("parse error");
    expect(col(model(report, "fct_status"), "top").kinds).toEqual(["added"]);
  });
});

test("a model broken on both sides and only reformatted is cosmetic; edited, it is a change", () => {
  const repo = makeRepo();
  repo.write("models/marts/fct_emails.sql", "SELECT email FROM FROM stg_customers\n");
  repo.commit("broken model");
  repo.write("models/marts/fct_emails.sql", "-- still broken\nselect   email\nfrom from stg_customers\n");
  let m = model(diff(repo, ["HEAD"]).report, "fct_emails");
  expect([m.classification, m.columns]).toEqual(["cosmetic", []]);
  repo.write("models/marts/fct_emails.sql", "SELECT email, 1 FROM FROM stg_customers\n");
  m = model(diff(repo, ["HEAD"]).report, "fct_emails");
  expect(m.classification).toBe("non-breaking");
});

describe("rocky diff: text and Markdown", () => {
  test("text on a terminal-style table and Markdown for a pull-request comment", () => {
    const repo = makeRepo();
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id, name AS customer_name FROM raw.customers\n",
    );
    repo.write(
      "models/intermediate/int_orders.sql",
      `SELECT o.order_id, o.customer_id, c.customer_name, o.amount * 1.25 AS gross, o.status
FROM stg_orders o JOIN stg_customers c ON c.customer_id = o.customer_id
`,
    );
    const text = rocky(["diff", "HEAD", "-o", "table"], { cwd: repo.project });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("~ stg_customers  modified  [breaking]  sql");
    expect(text.stdout).toMatch(/email\s+removed\s+\[breaking\]/);
    expect(text.stdout).toContain("-> fct_emails.email (1)");
    expect(text.stdout).toContain("-> fct_customer.total (1)");
    expect(text.stdout).toContain("Rebuild: stg_customers, fct_emails, int_orders, fct_customer");
    expect(text.stdout).toContain(
      "2 models changed (2 modified): 2 breaking, 0 non-breaking, 0 cosmetic; 4 models to rebuild.",
    );

    const md = rocky(["diff", "HEAD", "--format", "markdown"], { cwd: repo.project });
    expect(md.code).toBe(0);
    const out = md.stdout;
    expect(out.startsWith("## rocky diff\n\n**2 models changed (2 modified): 2 breaking")).toBe(true);
    expect(out).toContain("| 🔴 `stg_customers` | modified | breaking | 1 | `fct_emails` |");
    expect(out).toContain("### 🔴 `int_orders` — modified, breaking");
    expect(out).toContain("| `gross` | expression changed | **breaking** | `fct_customer.total` (1) |");
    expect(out).toContain("| `email` | removed | **breaking** | `fct_emails.email` (1) |");
    expect(out).toContain("```mermaid\nflowchart LR");
    expect(out).toMatch(/m\d+ --> m\d+/);
    expect(out).toContain("**Rebuild set** (4): `stg_customers`, `fct_emails`, `int_orders`, `fct_customer`");
    // The JSON carries the same Markdown (ci_diff's `markdown` field).
    expect(diff(repo, ["HEAD"]).report.markdown).toBe(out.trimEnd());
  });

  test("no change at all", () => {
    const repo = makeRepo();
    const { code, report } = diff(repo, ["HEAD", "--fail-on", "any"]);
    expect(code).toBe(0);
    expect(report.models).toEqual([]);
    const text = rocky(["diff", "HEAD", "-o", "table"], { cwd: repo.project });
    expect(text.stdout).toContain("No model changes between HEAD");
    expect(join(repo.project)).toBe(repo.project);
  });
});

describe("rocky diff: indirect reach", () => {
  test("a column used only in a reader's JOIN or WHERE reaches every column of that reader (indirect)", () => {
    const repo = makeRepo();
    // stg_customers.customer_id feeds no value downstream: int_orders joins on it.
    repo.write(
      "models/staging/stg_customers.sql",
      "SELECT customer_id + 0 AS customer_id, name AS customer_name, email FROM raw.customers\n",
    );
    const { report } = diff(repo, ["HEAD"]);
    const c = col(model(report, "stg_customers"), "customer_id");
    expect(c.kinds).toEqual(["expression_changed"]);
    expect(c.classification).toBe("breaking");
    const first = c.downstream.filter((d) => d.depth === 1).map((d) => `${d.model}.${d.column}:${d.via}`);
    expect(first).toEqual([
      "int_orders.order_id:indirect",
      "int_orders.customer_id:indirect",
      "int_orders.customer_name:indirect",
      "int_orders.gross:indirect",
      "int_orders.status:indirect",
    ]);
    expect(c.downstream.filter((d) => d.depth === 2).map((d) => `${d.model}.${d.column}:${d.via}`)).toEqual([
      "fct_customer.customer_id:value",
      "fct_customer.customer_name:value",
      "fct_customer.total:value",
      "fct_status.status:value",
      "fct_status.n:indirect",
    ]);
    // fct_emails reads stg_customers too, but not customer_id: left out.
    expect(report.rebuild).toEqual(["stg_customers", "int_orders", "fct_customer", "fct_status"]);
  });
});
