#!/usr/bin/env bash
# compare_gold.sh A.duckdb B.duckdb [custintel binary]
# Compares every gold table of two databases row for row (EXCEPT ALL both ways), leaving out
# the columns that record when a row was written (generated_at, analyzed_at, updated_at, defined_at, measured_at,
# computed_at). DOUBLE columns are compared at 6 decimals: DuckDB's parallel sums differ in the
# last bits between any two runs of the same binary. Prints one line per table and exits 1 when
# any differs. Used to show that a restructuring changed no output: the same data run by the old
# and the new binary.
set -uo pipefail
a=$1 b=$2 bin=${3:-build/custintel}
tables=$("$bin" sql --csv --db "$a" "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gold' \
  AND table_type = 'BASE TABLE' ORDER BY 1" | tail -n +2)
rc=0
for t in $tables; do
  cols=$("$bin" sql --csv --db "$a" "SELECT string_agg(CASE WHEN data_type = 'DOUBLE' THEN 'round(#' || column_name \
    || ', 6)' ELSE '#' || column_name END, ', ' ORDER BY ordinal_position) \
    FROM information_schema.columns WHERE table_schema = 'gold' AND table_name = '$t' \
    AND column_name NOT IN ('generated_at', 'analyzed_at', 'updated_at', 'computed_at', 'defined_at', 'measured_at')" | tail -n +2 | tr -d '"' \
    | sed 's/#\([A-Za-z_0-9]*\)/"\1"/g')
  out=$("$bin" sql --csv --db "$a" "ATTACH '$b' AS other (READ_ONLY); \
    SELECT (SELECT count(*) FROM gold.$t), (SELECT count(*) FROM other.gold.$t), \
      (SELECT count(*) FROM (SELECT $cols FROM gold.$t EXCEPT ALL SELECT $cols FROM other.gold.$t)), \
      (SELECT count(*) FROM (SELECT $cols FROM other.gold.$t EXCEPT ALL SELECT $cols FROM gold.$t))" 2>&1 | tail -1)
  IFS=, read -r na nb only_a only_b <<<"$out"
  if [[ "$only_a" == 0 && "$only_b" == 0 && "$na" == "$nb" ]]; then
    printf 'same      gold.%-28s %s rows\n' "$t" "$na"
  else
    printf 'DIFFERENT gold.%-28s %s\n' "$t" "$out"
    rc=1
  fi
done
exit $rc
