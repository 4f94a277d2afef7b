/** A real git repository holding a 3-layer project in a subfolder, for `rocky diff` tests. */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "../helpers/cli.ts";

export function git(cwd: string, ...args: string[]): string {
  const p = Bun.spawnSync(["git", ...args], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: cwd,
    },
  });
  if (p.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${p.stderr.toString()}`);
  return p.stdout.toString();
}

/** The base project: sources -> staging -> intermediate -> marts. */
export const BASE_FILES: Record<string, string> = {
  "rocky.toml": `[project]
name = "shop"

[adapter]
type = "duckdb"
path = "shop.duckdb"

[sources.raw.orders]
columns = [{ name = "order_id", type = "INTEGER" }, { name = "customer_id", type = "INTEGER" }, { name = "amount", type = "DECIMAL(10,2)" }, { name = "status", type = "VARCHAR" }]

[sources.raw.customers]
columns = ["customer_id", "name", "email"]
`,
  "models/staging/stg_orders.sql": `SELECT
  order_id,
  customer_id,
  amount,
  status
FROM raw.orders
WHERE status <> 'test'
`,
  "models/staging/stg_customers.sql": `SELECT customer_id, name AS customer_name, email FROM raw.customers
`,
  "models/intermediate/int_orders.sql": `SELECT
  o.order_id,
  o.customer_id,
  c.customer_name,
  o.amount * 1.2 AS gross,
  o.status
FROM stg_orders o
JOIN stg_customers c ON c.customer_id = o.customer_id
`,
  "models/marts/fct_customer.sql": `SELECT customer_id, customer_name, SUM(gross) AS total
FROM int_orders
GROUP BY customer_id, customer_name
`,
  "models/marts/fct_status.sql": `SELECT status, COUNT(*) AS n FROM int_orders GROUP BY status
`,
  "models/marts/fct_emails.sql": `SELECT email FROM stg_customers
`,
  ".gitignore": "*.duckdb\n.rocky-state.db*\n",
};

export interface Repo {
  /** The repository top. */
  top: string;
  /** The project folder inside it. */
  project: string;
  write(rel: string, text: string): void;
  remove(rel: string): void;
  commit(message: string): void;
  status(): string;
}

/** A repo with the base project committed under `shop/` on `main`. */
export function makeRepo(files: Record<string, string> = BASE_FILES): Repo {
  const top = tempDir("rocky-diff-repo-");
  const project = join(top, "shop");
  git(top, "init", "-q", "-b", "main");
  const write = (rel: string, text: string) => {
    const p = join(project, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  writeFileSync(join(top, "README.md"), "a repo with a rocky project in shop/\n");
  git(top, "add", "-A");
  git(top, "commit", "-q", "-m", "base project");
  return {
    top,
    project,
    write,
    remove: (rel) => rmSync(join(project, rel)),
    commit: (message) => {
      git(top, "add", "-A");
      git(top, "commit", "-q", "-m", message);
    },
    status: () => git(top, "status", "--porcelain=v1", "--untracked-files=all", "--ignored"),
  };
}
