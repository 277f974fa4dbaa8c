#!/usr/bin/env bash
# HTTP serving bench: wrk on GET /v1/segments and GET /v1/customers/{id} (2 threads, 64
# kept-alive connections, loopback), with the response cache on (default) and off, beside nginx
# serving the same JSON as a static file as the ceiling. Prints req/s, p50, p99, max latency,
# non-2xx answers and timeouts per run, and custintel's req/s as a share of nginx's.
# Installs wrk and nginx-light itself when missing (bench-only tools, not in scripts/deps.sh).
#
#   bench/serve_bench.sh [build-dir] [seconds]
set -euo pipefail
build=${1:-build}
secs=${2:-20}
bin="$build/custintel"
[[ -x "$bin" ]] || { echo "no $bin; build first" >&2; exit 1; }
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [[ ${#need[@]} -gt 0 ]]; then
  as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/custintel.toml" <<'TOML'
[tiers.unlimited]
requests_per_second = 100000000
burst = 100000000
ai_calls_per_day = 1000000
TOML
"$bin" tenants create bench --tier unlimited --data-dir "$work/data" --config "$work/custintel.toml" >/dev/null
"$bin" gen-data --customers 10000 --out "$work/shop" >/dev/null
"$bin" ingest --db "$work/data/tenants/bench.duckdb" --dir "$work/shop" >/dev/null
"$bin" run --db "$work/data/tenants/bench.duckdb" >/dev/null
key=$("$bin" keys create --data-dir "$work/data" --config "$work/custintel.toml" --tenant bench --role viewer 2>/dev/null)
start_server() {  # config -> sets $base and $server_pid
  : > "$work/serve.out"
  "$bin" serve --data-dir "$work/data" --config "$1" --port 0 > "$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  pids+=($server_pid)
  for _ in $(seq 100); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$(grep -o '127.0.0.1:[0-9]*' "$work/serve.out" | cut -d: -f2)"
}
start_server "$work/custintel.toml"
mkdir -p "$work/www/v1/customers"
curl -sf -H "Authorization: Bearer $key" "$base/v1/segments" > "$work/www/segments.json"
curl -sf -H "Authorization: Bearer $key" "$base/v1/customers/C000042" > "$work/www/customer.json"
# nginx workers run as an unprivileged user: let them read the files (mktemp -d is 0700).
chmod -R a+rX "$work"
cat > "$work/nginx.conf" <<NGINX
worker_processes auto; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:0; root $work/www; default_type application/json; } }
NGINX
nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127.0.0.1:0/127.0.0.1:$nport/" "$work/nginx.conf"
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)
sleep 0.5
declare -A rate
run() {  # name url [header]
  local out
  out=$(wrk -t2 -c64 -d"${secs}s" --timeout 2s --latency ${3:+-H "$3"} "$2")
  local rps p50 p99 max non2xx timeouts
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  max=$(awk '$1=="Latency" {print $4}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  timeouts=$( (grep -o 'timeout [0-9]*' <<<"$out" || true) | awk '{print $2}')
  rate[$1]=$rps
  printf '%-40s %10s req/s  p50 %8s  p99 %8s  max %8s  non-2xx %s  timeouts %s\n' "$1" "$rps" "$p50" "$p99" "$max" \
    "${non2xx:-0}" "${timeouts:-0}"
}
ratio() {  # a b: a's req/s as a share of b's
  awk -v a="${rate[$1]}" -v b="${rate[$2]}" -v n="$1" 'BEGIN { if (b > 0) printf "%-40s %.2f x nginx\n", n, a / b }'
}
echo "wrk: 2 threads, 64 connections, ${secs} s each, loopback; $(nproc) cores; $(uptime | sed 's/.*load/load/')"
run "custintel GET /v1/segments" "$base/v1/segments" "Authorization: Bearer $key"
run "custintel GET /v1/customers/{id}" "$base/v1/customers/C000042" "Authorization: Bearer $key"
run "nginx static segments.json" "http://127.0.0.1:$nport/segments.json"
run "nginx static customer.json" "http://127.0.0.1:$nport/customer.json"
ratio "custintel GET /v1/segments" "nginx static segments.json"
ratio "custintel GET /v1/customers/{id}" "nginx static customer.json"
[[ "${BENCH_CACHE_OFF:-1}" == 1 ]] || exit 0
# The same routes with the response cache off: every request plans and runs its queries.
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
{ cat "$work/custintel.toml"; printf '[server]\nresponse_cache_bytes = 0\n'; } > "$work/nocache.toml"
start_server "$work/nocache.toml"
run "custintel (cache off) /v1/segments" "$base/v1/segments" "Authorization: Bearer $key"
run "custintel (cache off) /v1/customers/{id}" "$base/v1/customers/C000042" "Authorization: Bearer $key"
