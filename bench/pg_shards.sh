#!/usr/bin/env bash
# Past one machine (issue 24): AI throughput of the sharded layout with 1, 2 and 4 shards.
#
# PostgreSQL 15 clusters on loopback — a coordinator and up to 4 shards — with the layout of
# src/pg/cluster/ (PL/Proxy routing, the custintel extension on every shard). For each shard
# count N, R reviews are inserted through the coordinator (routed by hashtext(customer_id)); each
# shard's trigger queues 3 model items per review (sentiment, summary, themes) on that shard; then
# W `custintel pg-worker --once` processes per shard drain their shard's queue, all shards at
# once, and the bench reports items/s and the scaling ratio against one shard (target >= 0.8 x N).
#
# The model servers are SIMULATED: a pool of S fake OpenAI-compatible servers
# (tests/testing/fake_model_server.py) that answer every request after a fixed delay, standing
# in for remote GPUs (vLLM, llama.cpp's server) whose capacity is not this machine's. Every shard
# uses the whole pool (custintel.base_url lists all S; least outstanding requests, breaker per
# server). What is measured is the layout: routing, per-shard queues and workers, the http
# backend's concurrency — not a model.
#
#   bench/pg_shards.sh [BUILD_DIR] [REVIEWS] [DELAY_MS]      (defaults: build 1600 500)
#   env: SERVERS (4), WORKERS per shard (2), BATCH (48), CONCURRENCY per server per backend (8)
#
#   MODEL=llama bench/pg_shards.sh [BUILD_DIR] [REVIEWS]      (default REVIEWS 100)
#   the honest CPU figure instead: ONE llama.cpp server on loopback (llama-server built by
#   scripts/deps.sh, -np 8) with a small random-weight model (`custintel dev make-gguf`, n_embd 256,
#   4 layers) and custintel.max_tokens 24: the machine's cores are the pool, so more shards cannot
#   add throughput. A random model's answers may be unusable (JSON not closed within 24 tokens),
#   so such items fail; workers run --max-attempts 1 (--batch 8), the bench prints the parked items
#   with their reasons and counts only the items done in items/s.
#
# Needs root (or sudo) to install the extension, PostgreSQL 15 + postgresql-15-plproxy, python3,
# and the binary built. Prints figures only.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
model=${MODEL:-fake}
[[ $model == fake || $model == llama ]] || { echo "pg_shards: MODEL must be fake or llama" >&2; exit 2; }
if [[ $model == llama ]]; then reviews=${2:-100}; else reviews=${2:-1600}; fi
delay_ms=${3:-500}
servers=${SERVERS:-4}
workers=${WORKERS:-2}
batch=${BATCH:-48}
[[ $model == llama ]] && batch=${BATCH:-8}
concurrency=${CONCURRENCY:-8}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d)
chmod 755 "$work"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[[ $(id -u) -eq 0 ]] && chown postgres "$work"
fakes=()
attempts=3
[[ $model == llama ]] && attempts=1
cleanup() {
  for p in "${fakes[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "$work"/n*; do [[ -d $d ]] && as_pg $bin/pg_ctl -D "$d" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

[[ -f "$($bin/pg_config --sharedir)/extension/plproxy.control" ]] \
  || { echo "pg_shards: PL/Proxy is not installed (apt-get install postgresql-15-plproxy)" >&2; exit 1; }
"$here/scripts/pg_install.sh" "$build" 2>/dev/null
contrib="$($bin/pg_config --sharedir)/contrib/custintel"

# A free loopback port (the kernel's choice).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Node 0 is the coordinator, 1..4 the shards.
ports=()
for n in 0 1 2 3 4; do
  as_pg $bin/initdb -D "$work/n$n" -A trust -U bench -E UTF8 --locale=C --no-sync >/dev/null
  p=$(free_port)
  as_pg $bin/pg_ctl -D "$work/n$n" -o "-p $p -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" \
    -l "$work/n$n.log" -w -t 30 start >/dev/null
  ports+=("$p")
done
url() { echo "postgresql://bench@127.0.0.1:${ports[$1]}/$2"; }
q() { $bin/psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$(url "$1" "$2")" -c "$3"; }

pool=""
if [[ $model == fake ]]; then
  for s in $(seq 1 "$servers"); do
    python3 "$here/tests/testing/fake_model_server.py" --port-file "$work/fake$s.port" --delay-ms "$delay_ms" \
      >"$work/fake$s.log" 2>&1 &
    fakes+=("$!")
  done
  for s in $(seq 1 "$servers"); do
    for _ in $(seq 1 200); do [[ -s "$work/fake$s.port" ]] && break; sleep 0.1; done
    pool+="${pool:+, }http://127.0.0.1:$(cat "$work/fake$s.port")"
  done
else
  llama_server=${CUSTINTEL_LLAMA_SERVER:-$(grep -m1 '^CUSTINTEL_LLAMA_SRC' "$build/CMakeCache.txt" | cut -d= -f2)/build-cpu/bin/llama-server}
  [[ -x $llama_server ]] || { echo "pg_shards: llama-server not found at $llama_server (scripts/deps.sh builds it)" >&2; exit 1; }
  "$build/custintel" dev make-gguf --out "$work/model.gguf" --arch llama --n-embd 256 --n-layer 4 --n-head 4 \
    --n-head-kv 4 --n-ff 768 --n-ctx 4096 >/dev/null
  lport=$(free_port)
  "$llama_server" -m "$work/model.gguf" --host 127.0.0.1 --port "$lport" -np 8 -c 8192 --no-jinja --no-webui >"$work/llama.log" 2>&1 &
  fakes+=("$!")
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$lport/health" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$lport/health" >/dev/null || { echo "pg_shards: llama-server did not start" >&2; exit 1; }
  pool="http://127.0.0.1:$lport"
  servers=1
fi

# One run with the first N shards: prints "items seconds".
run() {
  local n=$1 db=b$1 shards="" k
  q 0 postgres "CREATE DATABASE $db"
  for k in $(seq 1 "$n"); do
    q "$k" postgres "CREATE DATABASE $db"
    q "$k" "$db" "ALTER DATABASE $db SET custintel.backend = 'http'"
    q "$k" "$db" "ALTER DATABASE $db SET custintel.base_url = '$pool'"
    q "$k" "$db" "ALTER DATABASE $db SET custintel.http_concurrency = $concurrency"
    [[ $model == llama ]] && q "$k" "$db" "ALTER DATABASE $db SET custintel.max_tokens = 24"
    $bin/psql -X -q -v ON_ERROR_STOP=1 -d "$(url "$k" "$db")" -f "$contrib/shard.sql" >/dev/null
    shards+="${shards:+, }'host=127.0.0.1 port=${ports[$k]} dbname=$db'"
  done
  $bin/psql -X -q -v ON_ERROR_STOP=1 -d "$(url 0 "$db")" -f "$contrib/cluster.sql" >/dev/null
  q 0 "$db" "SELECT * FROM custintel_cluster.init(ARRAY[$shards])" >/dev/null
  q 0 "$db" "SELECT count(custintel_cluster.upsert_customer('c' || i)) FROM generate_series(1, $reviews) i" >/dev/null
  q 0 "$db" "SELECT count(custintel_cluster.insert_review('c' || i, 'r' || i, format('Review %s: %s', i, (ARRAY[
     'This blender exceeded my expectations, crushes ice in seconds and is easy to clean.',
     'Shipping took forever and the packaging was damaged, but the product works.',
     'Broke after one week. Support was unhelpful and refused the warranty.',
     'Decent value for the price, a bit noisy, the lid fits well.'])[1 + i % 4]), 1 + i % 5))
     FROM generate_series(1, $reviews) i" >/dev/null
  local items t0 t1 pids=() left done_n failed
  items=$(q 0 "$db" "SELECT queued FROM custintel_cluster.kpi()")
  t0=$(date +%s.%N)
  for k in $(seq 1 "$n"); do
    for _ in $(seq 1 "$workers"); do
      "$build/custintel" pg-worker --dsn "$(url "$k" "$db")" --once --batch "$batch" --max-attempts "$attempts" >/dev/null &
      pids+=("$!")
    done
  done
  for p in "${pids[@]}"; do wait "$p"; done
  t1=$(date +%s.%N)
  left=$(q 0 "$db" "SELECT queued FROM custintel_cluster.kpi()")
  done_n=0; failed=0
  for k in $(seq 1 "$n"); do
    done_n=$((done_n + $(q "$k" "$db" "SELECT count(*) FROM custintel_results")))
    failed=$((failed + $(q "$k" "$db" "SELECT count(*) FROM custintel_failed")))
  done
  if [[ $model == fake ]]; then
    [[ $left -eq 0 && $failed -eq 0 && $done_n -eq $items ]] \
      || echo "pg_shards: $n shard(s): $done_n of $items done, $left left, $failed failed" >&2
  else
    echo "    $n shard(s): $done_n done, $failed parked, $left left" >&2
    for k in $(seq 1 "$n"); do
      q "$k" "$db" "SELECT '      parked: ' || count(*) || ' ' || op || ': ' || left(error, 160) FROM custintel_failed GROUP BY op, left(error, 160)" >&2
    done
  fi
  # llama: the rate counts the items done (answers written), not the parked ones.
  if [[ $model == llama ]]; then items=$done_n; fi
  echo "$items $(echo "$t1 - $t0" | bc -l)"
}

echo "pg_shards: $reviews reviews x 3 model items (sentiment, summary, themes), through a PL/Proxy coordinator"
if [[ $model == fake ]]; then
  echo "  model servers SIMULATED: $servers fake OpenAI-compatible servers on loopback answering after ${delay_ms} ms"
  echo "  (stand-ins for remote GPUs); per shard $workers pg-worker(s) --batch $batch, http_concurrency $concurrency per server"
else
  echo "  ONE llama-server on loopback (-np 8), random-weight model n_embd 256, 4 layers, max_tokens 24: a real CPU"
  echo "  model server on this machine; per shard $workers pg-worker(s) --batch $batch --max-attempts 1"
fi
echo "  machine: $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg) at start"
base=""
for n in 1 2 4; do
  read -r items secs < <(run "$n")
  rate=$(echo "$items / $secs" | bc -l)
  [[ -z $base ]] && base=$rate
  ratio=$(echo "$rate / $base" | bc -l)
  printf '  %d shard(s)  %5d items  %7.2f s  %8.1f items/s  scaling %5.2fx (%.2f x N)\n' \
    "$n" "$items" "$secs" "$rate" "$ratio" "$(echo "$ratio / $n" | bc -l)"
done
