#!/usr/bin/env bash
# On-demand account summaries (issue 26 item 2): first-request and cached-request latency (p50,
# p99, max) through the two doors a user has:
#   cli  `custintel insights --customer ID --json` — a process per request: start, database open,
#        the check, writing when needed, reading the texts back;
#   http GET /v1/customers/{id} on a real `custintel serve` on loopback (curl, one connection per
#        request), with the response cache off so every answer is computed.
# On a copy of a database that `custintel run` built (the original is left as it is). Each door
# asks for N customers the run wrote no texts for (neither at risk nor due; different customers
# per door), each twice: the first request writes the customer's summary, recommendations and
# its account's summary, the second finds them current (text_checks.h: no sheet built). When
# every customer has texts already (after `insights --all`), the sampled customers' summaries and
# recommendations are deleted first in the copy, as a run leaves them.
#
#   bench/on_demand.sh DB_FILE [N] [build-dir]        N default 20
set -euo pipefail
src=${1:?usage: bench/on_demand.sh DB_FILE [N] [build-dir]}
n=${2:-20}
build=${3:-build}
bin="$(cd "$build" && pwd)/custintel"
[[ -x "$bin" ]] || { echo "no $bin; build first" >&2; exit 1; }
[[ -f "$src" ]] || { echo "no database $src" >&2; exit 1; }
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/custintel.toml" <<'TOML'
[server]
response_cache_bytes = 0

[tiers.unlimited]
requests_per_second = 100000000
burst = 100000000
ai_calls_per_day = 1000000
TOML
"$bin" tenants create bench --tier unlimited --data-dir "$work/data" --config "$work/custintel.toml" >/dev/null
db="$work/data/tenants/bench.duckdb"
cp "$src" "$db"
[[ -d "$src.bronze" ]] && cp -r "$src.bronze" "$db.bronze"
key=$("$bin" keys create --data-dir "$work/data" --config "$work/custintel.toml" --tenant bench --role admin 2>/dev/null)
customers=$("$bin" sql --db "$db" --csv "SELECT count(*) FROM gold.customer_scores" | tail -1)
without=$("$bin" sql --db "$db" --csv "SELECT count(*) FROM gold.customer_scores WHERE customer_id NOT IN (SELECT \
  subject_id FROM gold.account_summaries WHERE subject_kind = 'customer')" 2>/dev/null | tail -1)
if [[ "$without" -lt $((2 * n)) ]]; then
  # Every customer has texts (`insights --all` ran): forget those of 2N customers who are not at
  # risk — their summary and recommendations, and their account's summary where no customer of
  # the account is at risk — which is what a run leaves for them (src/insight/README.md).
  "$bin" sql --db "$db" "CREATE TABLE main.bench_forget AS SELECT s.customer_id, f.account_id FROM \
    gold.customer_scores s LEFT JOIN gold.customer_features f USING (customer_id) WHERE NOT coalesce(s.high_risk, false) \
    ORDER BY hash(s.customer_id) LIMIT $((2 * n));
    DELETE FROM gold.account_summaries WHERE subject_kind = 'customer' AND subject_id IN (SELECT customer_id FROM main.bench_forget);
    DELETE FROM gold.personal_recommendations WHERE customer_id IN (SELECT customer_id FROM main.bench_forget);
    DELETE FROM gold.account_summaries WHERE subject_kind = 'account' AND subject_id IN (SELECT account_id FROM main.bench_forget) \
      AND subject_id NOT IN (SELECT f.account_id FROM gold.customer_features f JOIN gold.customer_scores s USING (customer_id) \
      WHERE s.high_risk AND f.account_id IS NOT NULL);
    DROP TABLE main.bench_forget;" >/dev/null 2>&1
  echo "every customer had texts: forgot those of $((2 * n)) customers not at risk (as a run leaves them)"
fi
"$bin" sql --db "$db" --csv "SELECT customer_id FROM gold.customer_scores WHERE customer_id NOT IN (SELECT subject_id \
  FROM gold.account_summaries WHERE subject_kind = 'customer') ORDER BY hash(customer_id) LIMIT $((2 * n))" 2>/dev/null |
  tail -n +2 > "$work/ids"
[[ $(wc -l < "$work/ids") -ge $((2 * n)) ]] || { echo "fewer than $((2 * n)) customers without texts" >&2; exit 1; }
head -n "$n" "$work/ids" > "$work/cli_ids"
tail -n "$n" "$work/ids" > "$work/http_ids"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
stats() {  # file of milliseconds -> "p50 X ms  p99 Y ms  max Z ms"
  sort -n "$1" | awk '{v[NR] = $1} END {
    i50 = int(0.50 * (NR - 1) + 0.5) + 1; i99 = int(0.99 * (NR - 1) + 0.5) + 1;
    printf "p50 %6d ms  p99 %6d ms  max %6d ms", v[i50], v[i99], v[NR] }'
}

: > "$work/cli_first"; : > "$work/cli_cached"; cli_checked=0
while read -r id; do
  t=$(date +%s%N); "$bin" insights --db "$db" --customer "$id" --json >/dev/null 2>"$work/err1"; ms_since "$t" >> "$work/cli_first"
  grep -q "written on demand" "$work/err1" || { echo "first request for $id wrote nothing: $(cat "$work/err1")" >&2; exit 1; }
  t=$(date +%s%N); "$bin" insights --db "$db" --customer "$id" --json >/dev/null 2>"$work/err2"; ms_since "$t" >> "$work/cli_cached"
  grep -q "no sheet built" "$work/err2" && cli_checked=$((cli_checked + 1))
done < "$work/cli_ids"
# The process alone: start, open the database, print nothing (the floor of any CLI request).
: > "$work/cli_floor"
for _ in $(seq 5); do t=$(date +%s%N); "$bin" sql --db "$db" "SELECT 1" >/dev/null; ms_since "$t" >> "$work/cli_floor"; done

"$bin" serve --data-dir "$work/data" --config "$work/custintel.toml" --port 0 > "$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 600); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$(grep -o '127.0.0.1:[0-9]*' "$work/serve.out" | cut -d: -f2)"
get() {  # id -> milliseconds
  curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "$base/v1/customers/$1" |
    awk '{printf "%d\n", $1 * 1000 + 0.5}'
}
get "$(head -1 "$work/cli_ids")" > /dev/null  # warm: the tenant's database opened, its AI service built
: > "$work/http_first"; : > "$work/http_cached"
while read -r id; do
  get "$id" >> "$work/http_first"
  get "$id" >> "$work/http_cached"
done < "$work/http_ids"
writes=$(curl -sf -H "Authorization: Bearer $key" "$base/v1/audit?limit=1000" 2>/dev/null |
  grep -o '"prompt_summary":"texts written on demand' | wc -l || true)

echo "on-demand account summaries: $n customers per door of $customers ($(basename "$src")), builtin writer;"
echo "$(nproc) cores; $(uptime | sed 's/.*load/load/')"
printf '%-34s %s\n' "cli first request" "$(stats "$work/cli_first")"
printf '%-34s %s   (%d of %d: no sheet built)\n' "cli cached request" "$(stats "$work/cli_cached")" "$cli_checked" "$n"
printf '%-34s %s\n' "cli floor (start + open, SELECT 1)" "$(stats "$work/cli_floor")"
printf '%-34s %s\n' "GET /v1/customers/{id} first" "$(stats "$work/http_first")"
printf '%-34s %s\n' "GET /v1/customers/{id} cached" "$(stats "$work/http_cached")"
[[ "$writes" =~ ^[0-9]+$ && "$writes" -gt 0 ]] && echo "server audit: $writes requests wrote texts on demand"
exit 0
