#!/usr/bin/env bash
# The main job end to end on the embedded DuckDB: a playground project through
# compile, run, lineage, a branch (run, compare, promote), history and replay.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rocky() { "$repo/node_modules/.bin/bun" "$repo/src/cli/main.ts" "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
say() { printf '\n\033[1m$ rocky %s\033[0m\n' "$*"; }
run() { say "$*"; rocky "$@" -o table; }

run playground demo
cd demo
run compile
run run
run lineage customer_revenue.total_revenue
run lineage raw_orders --column amount --downstream
run branch create fix-price --description "returns no longer negative"
sed -i 's/CASE WHEN o.status = .returned. THEN -o.amount ELSE o.amount END/o.amount/' models/staging/stg_orders.sql
run run --branch fix-price --select stg_orders+
run branch compare fix-price
run branch promote fix-price
run run
run history
run replay latest
run replay latest --execute
run branch delete fix-price --drop
