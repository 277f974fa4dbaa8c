#!/usr/bin/env bash
# The PostgreSQL extension: N reviews analysed the way SteadyText's tutorial trigger does
# (a sentiment choice, a one-sentence summary, three themes) two ways, and rows/s of each:
#   sync   one statement calling steadytext_generate_choice + steadytext_generate x2 per row
#          (each call its own backend batch of one: what pg_steadytext users do)
#   queue  the same 3 x N calls enqueued, then `custintel pg-worker --once --batch B`: each step
#          decodes its items of every operation together (AiService::RunTogether -> one llama
#          batch run, all rows in flight, prompts sharing a prefix sharing its KV cells)
# with the llama backend on a random-weight model of a realistic shape (llama, n_embd 512,
# 8 layers, n_ff 1536, f16: about 60M parameters), and the same N rows with builtin (sync).
#
#   bench/pg_queue.sh [BUILD_DIR] [ROWS] [THREADS] [SYNC_ROWS] [BATCH] [N_PARALLEL]
#                                              (defaults: build 1000 1 50 192 64)
#
# SYNC_ROWS: the synchronous rate is measured on the first SYNC_ROWS rows only (one call at a
# time costs the same per row however many rows there are, and 1,000 rows would take about
# half an hour on two busy cores); the queue does all ROWS. Each phase prints its wall time,
# the CPU seconds PostgreSQL's processes spent meanwhile (live ones plus those the postmaster
# reaped, from /proc) and the 1-minute load average before and after: the machine may be shared.
#
# Needs root (or sudo) to install the extension, a PostgreSQL 15 server, `make` done. Prints
# figures only; the cache is bypassed (use_cache := false / emptied) so every call is computed.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
rows=${2:-1000}
threads=${3:-1}
sync_rows=${4:-50}
batch=${5:-192}
n_parallel=${6:-64}
(( sync_rows > rows )) && sync_rows=$rows
here=$(cd "$(dirname "$0")/.." && pwd)
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d)
trap 'runuser -u postgres -- $bin/pg_ctl -D $work/data -m immediate stop >/dev/null 2>&1 || true; rm -rf $work' EXIT
chmod 755 "$work"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && chown postgres "$work"

"$here/scripts/pg_install.sh" "$build" 2>/dev/null
as_pg $bin/initdb -D "$work/data" -A trust -U bench --no-sync >/dev/null
port=$(( 40000 + RANDOM % 20000 ))
as_pg $bin/pg_ctl -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off" \
  -l "$work/log" -w -t 30 start >/dev/null
url="postgresql://bench@127.0.0.1:$port/postgres"
q() { $bin/psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -c "$1"; }

"$build/custintel" dev make-gguf --out "$work/model.gguf" --arch llama --n-embd 512 --n-layer 8 --n-head 8 \
  --n-head-kv 8 --n-ff 1536 --n-ctx 4096 --type f16 >/dev/null
chmod 644 "$work/model.gguf"

q "CREATE EXTENSION custintel"
q "CREATE TABLE reviews AS SELECT i AS id, format('Review %s: %s', i, (ARRAY[
     'This blender exceeded my expectations, crushes ice in seconds and is easy to clean.',
     'Shipping took forever and the packaging was damaged, but the product works.',
     'Broke after one week. Support was unhelpful and refused the warranty.',
     'Decent value for the price, a bit noisy, the lid fits well.'])[1 + i % 4]) AS body
   FROM generate_series(1, $rows) i"

choice="steadytext_generate_choice(format('Classify sentiment of this review: %s', body), ARRAY['very_positive', 'positive', 'neutral', 'negative', 'very_negative'], use_cache := false)"
summary="steadytext_generate(format('Summarize this customer review in one sentence: %s', body), max_tokens := 50, use_cache := false)"
themes="steadytext_generate(format('List 3 key themes from this review (comma-separated): %s', body), max_tokens := 30, use_cache := false)"

tck=$(getconf CLK_TCK)
# CPU seconds of the cluster: every live postgres process, plus what the postmaster reaped
# (/proc/PID/stat fields utime, stime, cutime, cstime).
cluster_cpu() {
  local pm ticks p f
  pm=$(head -1 "$work/data/postmaster.pid")
  f=($(sed 's/^.*) //' "/proc/$pm/stat"))
  ticks=$(( f[11] + f[12] + f[13] + f[14] ))
  for p in $(pgrep -P "$pm"); do
    f=($(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null)) || continue
    (( ${#f[@]} > 12 )) && ticks=$(( ticks + f[11] + f[12] ))
  done
  echo "scale=2; $ticks / $tck" | bc -l
}
# Runs "$@"; sets wall, cpu (the cluster's CPU seconds meanwhile), load0 / load1 (1-minute
# load average before and after).
measure() {
  local t0 t1 c0 c1
  load0=$(cut -d' ' -f1 /proc/loadavg); c0=$(cluster_cpu); t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N); load1=$(cut -d' ' -f1 /proc/loadavg)
  sleep 2  # the session's backend exits after its client: let the postmaster reap it (cutime)
  c1=$(cluster_cpu)
  wall=$(echo "$t1 - $t0" | bc -l); cpu=$(echo "$c1 - $c0" | bc -l)
}
report() {  # label rows note
  printf '  %-13s %5d rows %8.2f s %8.2f rows/s   cpu %8.2f s (%.3f s/row)   load %s -> %s  %s\n' "$1" "$2" \
    "$wall" "$(echo "$2 / $wall" | bc -l)" "$cpu" "$(echo "$cpu / $2" | bc -l)" "$load0" "$load1" "${3:-}"
}

echo "pg_queue: $rows reviews x (choice + summary + themes), llama random 60M (n_embd 512, 8 layers, f16),"
echo "  $threads thread(s), n_parallel $n_parallel, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
q "ALTER DATABASE postgres SET custintel.backend = 'builtin'"
measure q "SELECT count($choice), count($summary), count($themes) FROM reviews"
report "builtin sync" "$rows"

q "ALTER DATABASE postgres SET custintel.backend = 'llama'"
q "ALTER DATABASE postgres SET custintel.model = '$work/model.gguf'"
q "ALTER DATABASE postgres SET custintel.threads = $threads"
q "ALTER DATABASE postgres SET custintel.n_parallel = $n_parallel"
q "ALTER DATABASE postgres SET custintel.n_ctx = $(( n_parallel * 256 ))"
q "SELECT $choice FROM reviews LIMIT 1" >/dev/null  # load the model once before timing
measure q "SELECT count($choice), count($summary), count($themes) FROM (SELECT * FROM reviews ORDER BY id LIMIT $sync_rows) r"
report "llama sync" "$sync_rows" "(one call at a time, the first $sync_rows rows)"
sync_wall=$wall
sync_cpu=$cpu

q "TRUNCATE custintel_ai_cache"
q "SELECT count(custintel_enqueue('choose', format('Classify sentiment of this review: %s', body),
     ARRAY['very_positive', 'positive', 'neutral', 'negative', 'very_negative'])),
   count(custintel_enqueue('generate', format('Summarize this customer review in one sentence: %s', body), max_tokens := 50)),
   count(custintel_enqueue('generate', format('List 3 key themes from this review (comma-separated): %s', body), max_tokens := 30))
   FROM reviews" >/dev/null
measure "$build/custintel" pg-worker --dsn "$url" --once --batch "$batch"
left=$(q "SELECT count(*) FROM custintel_queue")
done_n=$(q "SELECT count(*) FROM custintel_results")
failed=$(q "SELECT count(*) FROM custintel_failed")
report "llama queue" "$rows" "(pg-worker --batch $batch: $done_n results, $left left, $failed failed)"
printf '  queue / sync  %8.2fx rows/s   %8.2fx less CPU per row\n' \
  "$(echo "($rows / $wall) / ($sync_rows / $sync_wall)" | bc -l)" "$(echo "($sync_cpu / $sync_rows) / ($cpu / $rows)" | bc -l)"
