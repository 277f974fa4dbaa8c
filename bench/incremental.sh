#!/usr/bin/env bash
# Incremental runs (issue 3 item 7): a full run of an N-customer shop (default 1,000,000), then
# 1% new orders (one per customer for 1% of customers, dated before the latest order so the
# as-of stays) ingested and `run` again, which recomputes only the customers they touch.
# Prints wall time and peak RSS of each run and the full / incremental ratio.
#   bench/incremental.sh [BUILD_DIR] [CUSTOMERS] [DB]   (DB: an ingested shop to copy instead
#   of generating and ingesting one)
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
bin="$build/custintel"
work=$(mktemp -d "${TMPDIR:-/tmp}/custintel-incr.XXXXXX")
trap 'rm -rf "$work"' EXIT
db="$work/b.duckdb"

. "$(dirname "$0")/step.sh"

echo "custintel incremental-run bench: $n customers, $(nproc) cores"
if [[ -n "${3:-}" ]]; then
  cp "$3" "$db"
else
  "$bin" gen-data --customers "$n" --seed 1 --out "$work/shop" >/dev/null
  step ingest ingest --db "$db" --dir "$work/shop"
fi
step full-run run --db "$db" --full
head -1 "$work/full-run.log"
"$bin" sql --db "$db" --csv "SELECT 'incr-' || customer_id AS order_id, customer_id,
    (SELECT max(ordered_at) FROM silver.orders) - INTERVAL 2 DAY AS ordered_at, 25.0 AS amount,
    'USD' AS currency, 'completed' AS status, 'web' AS channel
  FROM silver.customers WHERE hash(customer_id) % 100 = 0" >"$work/new_orders.csv"
echo "new orders         $(($(wc -l <"$work/new_orders.csv") - 1)) ($(( $("$bin" sql --db "$db" --csv \
  "SELECT count(*) FROM silver.orders" | tail -1) )) before)"
step ingest-1% ingest --db "$db" --kind orders "$work/new_orders.csv"
step incremental-run run --db "$db"
head -1 "$work/incremental-run.log"
grep -E '^  ' "$work/incremental-run.log" | awk '{printf "    %-20s %s s\n", $1, $2}'
awk -v a="$(cat "$work/full-run.secs")" -v b="$(cat "$work/incremental-run.secs")" \
  'BEGIN { printf "full / incremental %6.1fx\n", a / b }'
