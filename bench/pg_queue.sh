#!/usr/bin/env bash
# The PostgreSQL extension: N reviews analysed the way SteadyText's tutorial trigger does
# (a sentiment choice, a one-sentence summary, three themes) two ways, and rows/s of each:
#   sync   one statement calling steadytext_generate_choice + steadytext_generate x2 per row
#          (each call its own backend batch of one: what pg_steadytext users do)
#   queue  the same 3 x N calls enqueued, then `custintel pg-worker --once --batch B` (items
#          grouped per operation and decoded together: many sequences in one llama batch)
# with the llama backend on a random-weight model of a realistic shape (llama, n_embd 512,
# 8 layers, n_ff 1536, f16: about 60M parameters), and the same N rows with builtin (sync).
#
#   bench/pg_queue.sh [BUILD_DIR] [ROWS] [THREADS]      (defaults: build 1000 1)
#
# Needs root (or sudo) to install the extension, a PostgreSQL 15 server, `make` done. Prints
# figures only; the cache is bypassed (use_cache := false / emptied) so every call is computed.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
rows=${2:-1000}
threads=${3:-1}
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

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
rate() { echo "scale=2; $rows / $1" | bc -l; }

q "ALTER DATABASE postgres SET custintel.backend = 'builtin'"
t_builtin=$(seconds q "SELECT count($choice), count($summary), count($themes) FROM reviews")

q "ALTER DATABASE postgres SET custintel.backend = 'llama'"
q "ALTER DATABASE postgres SET custintel.model = '$work/model.gguf'"
q "ALTER DATABASE postgres SET custintel.threads = $threads"
q "ALTER DATABASE postgres SET custintel.n_parallel = 64"
q "ALTER DATABASE postgres SET custintel.n_ctx = 16384"
q "SELECT $choice FROM reviews LIMIT 1" >/dev/null  # load the model once before timing
t_sync=$(seconds q "SELECT count($choice), count($summary), count($themes) FROM reviews")

q "TRUNCATE custintel_ai_cache"
q "SELECT count(custintel_enqueue('choose', format('Classify sentiment of this review: %s', body),
     ARRAY['very_positive', 'positive', 'neutral', 'negative', 'very_negative'])),
   count(custintel_enqueue('generate', format('Summarize this customer review in one sentence: %s', body), max_tokens := 50)),
   count(custintel_enqueue('generate', format('List 3 key themes from this review (comma-separated): %s', body), max_tokens := 30))
   FROM reviews" >/dev/null
t_queue=$(seconds "$build/custintel" pg-worker --dsn "$url" --once --batch 64)
left=$(q "SELECT count(*) FROM custintel_queue")
done_n=$(q "SELECT count(*) FROM custintel_results")

echo "pg_queue: $rows reviews x (choice + summary + themes), llama random 60M (n_embd 512, 8 layers, f16), $threads thread(s), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '  builtin sync   %8.2f s  %8.2f rows/s\n' "$t_builtin" "$(rate "$t_builtin")"
printf '  llama sync     %8.2f s  %8.2f rows/s  (one call at a time)\n' "$t_sync" "$(rate "$t_sync")"
printf '  llama queue    %8.2f s  %8.2f rows/s  (pg-worker --batch 64; %s results, %s left)\n' "$t_queue" "$(rate "$t_queue")" "$done_n" "$left"
printf '  queue / sync   %8.2fx\n' "$(echo "$t_sync / $t_queue" | bc -l)"
