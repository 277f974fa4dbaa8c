#!/usr/bin/env bash
# gen-data + ingest + run at N customers (default 1,000,000), printing wall time and peak RSS
# of each step. Target (issue 2): ingest + run under 60 s and 4 GiB peak on 2 cores.
#   bench/pipeline.sh [BUILD_DIR] [CUSTOMERS] [MEMORY_LIMIT]
# MEMORY_LIMIT (e.g. 2500MiB) is passed to ingest and run as --memory-limit (DuckDB's buffers);
# without it DuckDB takes up to 80% of RAM.
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
limit=()
[ -n "${3:-}" ] && limit=(--memory-limit "$3")
bin="$build/custintel"
work=$(mktemp -d "${TMPDIR:-/tmp}/custintel-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$(dirname "$0")/step.sh"

echo "custintel pipeline bench: $n customers, $(nproc) cores${3:+, --memory-limit $3}"
step gen-data gen-data --customers "$n" --seed 1 --out "$work/shop"
du -sh "$work/shop" | awk '{print "data      " $1}'
step ingest ingest "${limit[@]}" --db "$work/b.duckdb" --dir "$work/shop"
step run run "${limit[@]}" --db "$work/b.duckdb"
awk -v a="$(cat "$work/ingest.secs")" -v b="$(cat "$work/run.secs")" \
  'BEGIN { printf "ingest+run %6.1f s (target < 60 s)\n", a + b }'
