#!/usr/bin/env bash
# Issue 26, bronze as files: on one gen-data folder, in one run, wall time and peak RSS of
#   plain      a plain DuckDB load of the same files (CREATE TABLE <kind> AS SELECT * FROM read_csv(...),
#              through `custintel sql`, so the same DuckDB and the same threads)
#   before     custintel ingest of BASE_BIN (bronze as DuckDB tables; e.g. a build of main)
#   after      custintel ingest of BUILD_DIR (bronze as Parquet files beside the database)
# and the ratios ingest / plain (target ≤ 1.5), with the load average (the machine may be shared:
# CPU seconds are the steadier figure); then checks that before and after filled silver (and
# bronze.rejects, and the gold texts analysed on arrival) identically. With SKELETON=1 it also runs `custintel run` on
# the after database and sums the skeleton steps' seconds from meta.runs (customer_features,
# churn_heuristic, customer_status, segments — the run has no step selection; the rest of the
# run is not counted), and runs the pandas peer (bench/peers/pandas_skeleton.py, plain pandas
# as an analyst would; needs python3 with pandas: `apt-get install python3-pandas` or
# `pip install pandas`) on the same folder.
#
#   bench/ingest_bronze.sh [BUILD_DIR] [CUSTOMERS|DIR] [BASE_BIN]
#   e.g. SKELETON=1 PYTHON=/usr/bin/python3 bench/ingest_bronze.sh build 200000 build-base/custintel
# BASE_BIN defaults to /work/main/build/custintel when it exists; without one the before row is
# left out (and said so). `custintel ingest -v` logs each file's phases (stage, conform, bronze
# file, silver, links, analysis on arrival) with wall and CPU seconds. MEMORY_LIMIT=2500MiB passes --memory-limit to every custintel command.
set -euo pipefail
build=${1:-build}
what=${2:-1000000}
base=${3:-/work/main/build/custintel}
bin="$build/custintel"
work=$(mktemp -d "${TMPDIR:-/tmp}/custintel-bronze-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
limit=()
[ -n "${MEMORY_LIMIT:-}" ] && limit=(--memory-limit "$MEMORY_LIMIT")

# step NAME ARGS...: `$bin ARGS` under GNU time (/usr/bin/time: %e wall, %M peak RSS, %U + %S CPU —
# the steadier figure when other work shares the cores); seconds kept in $work/NAME.secs and .cpu.
step() {
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$bin" "$@" >"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; exit 1; }
  read -r secs kib user sys <"$work/time"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  printf '%-18s %8.1f s wall %8.1f s CPU %8.0f MiB peak RSS\n' "$name" "$secs" "$cpu" "$((kib / 1024))"
  echo "$secs" >"$work/$name.secs"
  echo "$cpu" >"$work/$name.cpu"
}

if [ -d "$what" ]; then
  shop=$what
else
  echo "gen-data: $what customers"
  step gen-data gen-data --customers "$what" --seed 1 --out "$work/shop"
  shop="$work/shop"
fi
echo "custintel bronze bench: $shop ($(du -sh "$shop" | cut -f1)), $(nproc) cores${MEMORY_LIMIT:+, --memory-limit $MEMORY_LIMIT}"

plain_sql=""
for f in "$shop"/*.csv; do
  plain_sql+="CREATE TABLE \"$(basename "$f" .csv)\" AS SELECT * FROM read_csv('$f'); "
done
echo "load average       $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"
step plain sql "${limit[@]}" --db "$work/plain.duckdb" "$plain_sql"
if [ -x "$base" ]; then
  bin_after=$bin
  bin=$base
  step before ingest "${limit[@]}" --db "$work/before.duckdb" --dir "$shop"
  bin=$bin_after
else
  echo "before             (no BASE_BIN at '$base': not measured)"
fi
step after ingest "${limit[@]}" --db "$work/after.duckdb" --dir "$shop"
echo "load average       $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; $(nproc) cores)"

# Same folder, same silver: every silver table of the before and after databases row for row
# (EXCEPT ALL both ways, every column, _batch_id and _row_hash included), and bronze.rejects
# without its load time; the text analysed on arrival (gold) through scripts/compare_gold.sh.
if [ -f "$work/before.duckdb" ]; then
  tables=$("$bin" sql --csv --db "$work/after.duckdb" "SELECT table_name FROM information_schema.tables \
    WHERE table_schema = 'silver' AND table_type = 'BASE TABLE' ORDER BY 1" | tail -n +2)
  same=1
  for t in $tables; do
    out=$("$bin" sql --csv --db "$work/after.duckdb" "ATTACH '$work/before.duckdb' AS b (READ_ONLY); \
      SELECT (SELECT count(*) FROM silver.$t), (SELECT count(*) FROM (SELECT * FROM silver.$t EXCEPT ALL \
      SELECT * FROM b.silver.$t)), (SELECT count(*) FROM (SELECT * FROM b.silver.$t EXCEPT ALL SELECT * FROM silver.$t))" \
      | tail -1)
    IFS=, read -r n only_after only_before <<<"$out"
    if [ "$only_after" != 0 ] || [ "$only_before" != 0 ]; then
      echo "DIFFERENT silver.$t: $n rows, $only_after only after, $only_before only before"; same=0
    fi
  done
  rej=$("$bin" sql --csv --db "$work/after.duckdb" "ATTACH '$work/before.duckdb' AS b (READ_ONLY); \
    SELECT count(*) FROM (SELECT * EXCLUDE (rejected_at) FROM bronze.rejects EXCEPT ALL SELECT * EXCLUDE (rejected_at) \
    FROM b.bronze.rejects) UNION ALL SELECT count(*) FROM (SELECT * EXCLUDE (rejected_at) FROM b.bronze.rejects \
    EXCEPT ALL SELECT * EXCLUDE (rejected_at) FROM bronze.rejects)" | tail -n +2 | paste -sd+ | bc)
  [ "$rej" = 0 ] || { echo "DIFFERENT bronze.rejects: $rej rows differ"; same=0; }
  if [ $same = 1 ]; then
    echo "silver             identical before/after ($(echo $tables | wc -w) tables, bronze.rejects too)"
  fi
  gold=$("$(dirname "$0")/../scripts/compare_gold.sh" "$work/after.duckdb" "$work/before.duckdb" "$bin" 2>&1) \
    && echo "gold (on arrival)  identical before/after ($(grep -c '^same' <<<"$gold") tables)" \
    || { echo "$gold" | grep -v '^same'; }
fi

mib() { du -sm "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
echo "size               plain $(mib "$work/plain.duckdb") MiB; before $(mib "$work"/before.duckdb*) MiB;" \
     "after $(mib "$work/after.duckdb") MiB database + $(mib "$work/after.duckdb.bronze") MiB bronze files"
ratio() { awk -v a="$(cat "$work/$1.$2")" -v b="$(cat "$work/plain.$2")" 'BEGIN { printf "%.2f", a / b }'; }
[ -f "$work/before.secs" ] && echo "ratio before/plain $(ratio before secs) wall, $(ratio before cpu) CPU"
echo "ratio after/plain  $(ratio after secs) wall, $(ratio after cpu) CPU  (target ≤ 1.5)"

if [ "${SKELETON:-0}" = 1 ]; then
  step run run "${limit[@]}" --db "$work/after.duckdb"
  skeleton=$("$bin" sql --csv --db "$work/after.duckdb" "SELECT round(sum((s->>'seconds')::DOUBLE), 2) FROM \
    (SELECT unnest(from_json(steps, '[\"JSON\"]')) AS s FROM (SELECT steps FROM meta.runs ORDER BY run_id DESC LIMIT 1)) \
    WHERE s->>'step' IN ('customer_features', 'churn_heuristic', 'customer_status', 'segments')" | tail -1)
  echo "skeleton steps     $skeleton s (customer_features + churn_heuristic + customer_status + segments, from meta.runs)"
  awk -v a="$(cat "$work/after.secs")" -v s="$skeleton" 'BEGIN { printf "ingest+skeleton    %6.1f s\n", a + s }'
  py=${PYTHON:-python3}
  if "$py" -c "import pandas" 2>/dev/null; then
    /usr/bin/time -f "%e %M" -o "$work/time" "$py" "$(dirname "$0")/peers/pandas_skeleton.py" "$shop" \
      >"$work/pandas.log" 2>&1 || { cat "$work/pandas.log"; exit 1; }
    read -r secs kib <"$work/time"
    printf '%-18s %8.1f s  %8.0f MiB peak RSS\n' "pandas peer" "$secs" "$((kib / 1024))"
    tail -n 8 "$work/pandas.log"
    awk -v a="$(cat "$work/after.secs")" -v s="$skeleton" -v p="$secs" \
      'BEGIN { printf "ratio (ingest+skeleton)/pandas %.2f (target ≤ 0.5)\n", (a + s) / p }'
  else
    echo "pandas peer        (python3 has no pandas: apt-get install python3-pandas to measure it)"
  fi
fi
