/**
 * Files written by `rocky init` and `rocky playground`. Kept as data so the
 * compiled binary carries them without reading anything from disk.
 */
export type Template = Record<string, string>;

export const INIT_TEMPLATE: Template = {
  "rocky.toml": `[project]
name = "{{name}}"

[adapter]
type = "duckdb"
path = "{{name}}.duckdb"   # relative to this file; remove for an in-memory database

[state]
path = ".rocky-state.db"

# Columns of external tables, so lineage can expand SELECT * over them:
# [sources.raw.orders]
# columns = ["order_id", "customer_id", "amount"]
`,
  "models/example.sql": `-- A model is one SELECT. Its file name is its name; other models read it as \`example\`.
SELECT 1 AS id, 'hello' AS greeting
`,
  ".gitignore": `*.duckdb
*.duckdb.wal
.rocky-state.db*
.rocky-cache/
`,
};

export const PLAYGROUND_TEMPLATE: Template = {
  "rocky.toml": `# rocky playground: a small shop on the embedded DuckDB.
[project]
name = "playground"

[adapter]
type = "duckdb"
path = "playground.duckdb"

[state]
path = ".rocky-state.db"
`,
  ".gitignore": `*.duckdb
*.duckdb.wal
.rocky-state.db*
.rocky-cache/
`,
  "README.md": `# rocky playground

Four layers on DuckDB: generated raw data, staging, and two marts.

    rocky compile                                        # check every model and its column lineage
    rocky run                                            # build everything into playground.duckdb
    rocky lineage customer_revenue.total_revenue         # where a column comes from
    rocky lineage raw_orders --column amount --downstream  # what a change to amount would break
    rocky branch create fix-price                        # a named, isolated copy of the pipeline
    rocky run --branch fix-price --model stg_orders      # build one model in the branch
    rocky branch compare fix-price                       # what changed against production
    rocky history && rocky replay latest                 # what exactly ran
`,
  // Generated, deterministic "raw" data, so the playground needs no files or network.
  "models/sources/_defaults.toml": `[target]
schema = "raw"
`,
  "models/sources/raw_customers.sql": `SELECT
    i AS customer_id,
    'customer_' || i AS name,
    CASE i % 3 WHEN 0 THEN 'eu' WHEN 1 THEN 'us' ELSE 'apac' END AS region,
    DATE '2026-01-01' + CAST(i % 90 AS INTEGER) AS signed_up_on
FROM range(1, 51) AS t(i)
`,
  "models/sources/raw_orders.sql": `SELECT
    i AS order_id,
    1 + i % 50 AS customer_id,
    CAST(((i * 37) % 1000) / 10 AS DECIMAL(10, 2)) AS amount,
    CASE WHEN i % 11 = 0 THEN 'cancelled' WHEN i % 7 = 0 THEN 'returned' ELSE 'completed' END AS status,
    TIMESTAMP '2026-01-01 00:00:00' + to_hours(CAST(i AS BIGINT)) AS ordered_at
FROM range(1, 501) AS t(i)
`,
  "models/staging/_defaults.toml": `[target]
schema = "staging"
`,
  "models/staging/stg_customers.sql": `SELECT
    customer_id,
    upper(region) AS region,
    name AS customer_name,
    signed_up_on
FROM raw_customers
`,
  "models/staging/stg_orders.sql": `-- Cancelled orders never count; returns count as negative revenue.
SELECT
    o.order_id,
    o.customer_id,
    CAST(o.amount AS DECIMAL(12, 2)) AS amount,
    CASE WHEN o.status = 'returned' THEN -o.amount ELSE o.amount END AS net_amount,
    o.status,
    o.ordered_at
FROM raw_orders AS o
WHERE o.status <> 'cancelled'
`,
  "models/staging/stg_orders.toml": `description = "Orders without cancellations; returns count as negative revenue"

# Data tests: 'rocky run' tests the model right after building it and publishes it only if
# they pass; 'rocky test' runs them on the built tables.
[[tests]]
type = "not_null"
column = "order_id"

[[tests]]
type = "unique"
column = "order_id"

[[tests]]
type = "accepted_values"
column = "status"
values = ["completed", "returned"]

[[tests]]
type = "row_count_range"
min = 1
`,
  "models/marts/_defaults.toml": `[target]
schema = "marts"
`,
  "models/marts/customer_revenue.sql": `WITH per_customer AS (
    SELECT
        customer_id,
        count(*) AS orders,
        sum(net_amount) AS total_revenue,
        max(ordered_at) AS last_order_at
    FROM stg_orders
    GROUP BY customer_id
)
SELECT
    c.customer_id,
    c.customer_name,
    c.region,
    coalesce(p.orders, 0) AS orders,
    coalesce(p.total_revenue, 0) AS total_revenue,
    p.last_order_at
FROM stg_customers AS c
LEFT JOIN per_customer AS p ON p.customer_id = c.customer_id
`,
  "models/marts/order_ranks.sql": `SELECT
    order_id,
    customer_id,
    net_amount,
    row_number() OVER (PARTITION BY customer_id ORDER BY net_amount DESC, order_id) AS rank_in_customer,
    sum(net_amount) OVER (PARTITION BY customer_id ORDER BY ordered_at) AS running_revenue
FROM stg_orders
`,
  "models/marts/region_daily.sql": `-- Incremental: each run re-computes only the latest period (rows at or after the
-- table's high-water mark of loaded_until) and replaces those groups by unique_key.
SELECT
    s.region,
    date_trunc('day', o.ordered_at) AS order_day,
    count(*) AS orders,
    sum(o.net_amount) AS revenue,
    max(o.ordered_at) AS loaded_until
FROM stg_orders AS o
JOIN stg_customers AS s ON s.customer_id = o.customer_id
GROUP BY ALL
`,
  "models/marts/region_daily.toml": `description = "Revenue per region and day, appended incrementally"

[strategy]
type = "incremental"
timestamp_column = "loaded_until"
# An aggregate is re-processed by group: the groups at the mark replace their old rows.
unique_key = ["region", "order_day"]
`,
};

export function renderTemplate(t: Template, vars: Record<string, string>): Template {
  const out: Template = {};
  for (const [path, text] of Object.entries(t)) {
    out[path] = text.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k] ?? "");
  }
  return out;
}
