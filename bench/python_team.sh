#!/usr/bin/env bash
# Issue 26: custintel against the same job written by a Python data team (bench/peers/python_team.py:
# pandas features and heuristic, BG/NBD + Gamma-Gamma fitted as lifetimes does, a scikit-learn
# gradient-boosting churn model on custintel's time split, VADER over every review and ticket), on
# one gen-data folder, in one run. Prints wall time, CPU seconds (user + sys: the steadier figure on
# a shared machine) and peak RSS of each side, and the ratio peer / custintel (target ≥ 5).
#
# custintel's equivalent steps: `ingest --dir` (it analyses every review, ticket and event text on
# arrival) plus, from the run's step times in meta.runs, text_insights (the domain sentiment model
# and the reviews' re-analysis with it), customer_features, churn_heuristic, clv, churn_model,
# customer_status and segments, wall and CPU seconds of each (meta.runs.steps: seconds,
# cpu_seconds). `custintel run` has no step selection, so the rest of the run (insight texts,
# recommendations, ...) runs but is not counted.
#
#   bench/python_team.sh [BUILD_DIR] [CUSTOMERS|DIR]
#   e.g. bench/python_team.sh build /tmp/shop200k
# Needs (Debian 12; not part of make test):
#   apt-get install python3-pandas python3-scipy python3-sklearn python3-nltk
#   npm install --prefix /tmp/vader vader-sentiment@1.1.3     (VADER's lexicon; nltk's downloader needs the internet)
# VADER_LEXICON (default /tmp/vader/node_modules/vader-sentiment/vader_lexicon.txt): without it the
# peer skips VADER and says so. PYTHON (default /usr/bin/python3), PEER_ARGS (e.g. --hist).
set -euo pipefail
build=${1:-build}
what=${2:-200000}
bin="$build/custintel"
py=${PYTHON:-/usr/bin/python3}
lexicon=${VADER_LEXICON:-/tmp/vader/node_modules/vader-sentiment/vader_lexicon.txt}
work=$(mktemp -d "${TMPDIR:-/tmp}/custintel-python-team.XXXXXX")
trap 'rm -rf "$work"' EXIT

# timed NAME CMD...: runs CMD under GNU time, output in $work/NAME.log; prints wall, CPU, peak RSS
# and keeps them in $work/NAME.{secs,cpu}.
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; exit 1; }
  read -r secs kib user sys <"$work/time"
  awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }' >"$work/$name.cpu"
  echo "$secs" >"$work/$name.secs"
  printf '%-22s %8.1f s wall %8.1f s CPU %8.0f MiB peak RSS\n' "$name" "$secs" "$(cat "$work/$name.cpu")" "$((kib / 1024))"
}

if [ -d "$what" ]; then
  shop=$what
else
  timed gen-data "$bin" gen-data --customers "$what" --seed 1 --out "$work/shop"
  shop="$work/shop"
fi
echo "python-team bench: $shop ($(du -sh "$shop" | cut -f1)), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

peer_args=(${PEER_ARGS:-})
if [ -f "$lexicon" ]; then
  peer_args+=(--vader-lexicon "$lexicon")
else
  echo "VADER lexicon not found at $lexicon: the peer skips VADER (npm install --prefix /tmp/vader vader-sentiment@1.1.3)"
fi
timed peer "$py" "$(dirname "$0")/peers/python_team.py" "$shop" "${peer_args[@]}"
sed 's/^/  peer: /' "$work/peer.log"

timed ingest "$bin" ingest --db "$work/c.duckdb" --dir "$shop"
timed run "$bin" run --db "$work/c.duckdb"
steps="'text_insights', 'customer_features', 'churn_heuristic', 'clv', 'churn_model', 'customer_status', 'segments'"
last_steps="(SELECT unnest(from_json(steps, '[\"JSON\"]')) AS s FROM (SELECT steps FROM meta.runs ORDER BY run_id DESC LIMIT 1))"
"$bin" sql --csv --db "$work/c.duckdb" "SELECT s->>'step', (s->>'seconds')::DOUBLE, (s->>'cpu_seconds')::DOUBLE \
  FROM $last_steps WHERE s->>'step' IN ($steps)" | tail -n +2 | tr ',' ' ' \
  | awk '{ printf "  custintel: %-18s %7.2f s wall %7.2f s CPU\n", $1, $2, $3 }'
read -r counted counted_cpu < <("$bin" sql --csv --db "$work/c.duckdb" "SELECT sum((s->>'seconds')::DOUBLE), \
  sum((s->>'cpu_seconds')::DOUBLE) FROM $last_steps WHERE s->>'step' IN ($steps)" | tail -1 | tr ',' ' ')
"$bin" sql --csv --db "$work/c.duckdb" "SELECT s->>'note' FROM $last_steps WHERE s->>'step' IN ('clv', 'churn_model')" \
  | tail -n +2 | tr -d '"' | sed 's/^/  custintel: /'
awk -v iw="$(cat "$work/ingest.secs")" -v ic="$(cat "$work/ingest.cpu")" -v s="$counted" -v sc="$counted_cpu" \
    -v pw="$(cat "$work/peer.secs")" -v pc="$(cat "$work/peer.cpu")" 'BEGIN {
  cw = iw + s; cc = ic + sc
  printf "custintel equivalent   %8.1f s wall %8.1f s CPU (ingest + the counted steps)\n", cw, cc
  printf "ratio peer/custintel   %8.2f wall %8.2f CPU  (target ≥ 5)\n", pw / cw, pc / cc
}'
