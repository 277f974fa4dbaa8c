#!/usr/bin/env bash
# Installs what custintel needs and is missing, then prints nothing on success but a summary.
#
#   scripts/deps.sh            Debian packages + DuckDB + llama.cpp (built static) + llama-server
#   scripts/deps.sh --binary   only what building and running the binary needs (make demo): no
#                              llama-server, browser, PostgreSQL server (or its headers) or test driver
#   scripts/deps.sh --check    exit 0 when everything is present, 1 otherwise; installs nothing
#
# Debian packages come from apt-get (only the missing ones). DuckDB and llama.cpp come from the
# pinned npm packages of DESIGN.md §3, verified against the sha256 sums below and unpacked into
# $CUSTINTEL_DEPS (default ~/.cache/custintel), outside the repository, and reused afterwards.
# A system copy (pkg-config / CMake package) wins: then nothing is fetched for it.
set -euo pipefail

DEPS="${CUSTINTEL_DEPS:-$HOME/.cache/custintel}"
CHECK_ONLY=0
BINARY_ONLY=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1
[[ "${1:-}" == "--binary" ]] && BINARY_ONLY=1

APT_PACKAGES=(
  build-essential cmake pkg-config git ccache ca-certificates curl
  libcpp-httplib-dev nlohmann-json3-dev libsimdjson-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev libspdlog-dev
  libxgboost-dev xgboost libeigen3-dev libnlopt-dev libnlopt-cxx-dev libhnswlib-dev
  libutf8proc-dev libre2-dev libsodium-dev libssl-dev
  libpq-dev libpqxx-dev postgresql postgresql-server-dev-15 postgresql-15-plproxy
  libgtest-dev libgmock-dev libbenchmark-dev time
  libmimalloc-dev
  chromium
)
# Needed by the tests only (a browser, a PostgreSQL server to test against, /usr/bin/time) and by
# the PostgreSQL extension (make pg; its test runs in make test): the server's headers, and
# PL/Proxy for the sharded layout (src/pg/cluster/, tests/pg/pg_cluster_test.cc).
APT_TEST_ONLY=(postgresql postgresql-server-dev-15 postgresql-15-plproxy time chromium)

DUCKDB_VERSION=1.4.4
DUCKDB_LIB_PKG="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
DUCKDB_LIB_TGZ="duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz"
DUCKDB_LIB_SHA256=732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b
DUCKDB_HDR_PKG="duckdb@1.4.4"
DUCKDB_HDR_TGZ="duckdb-1.4.4.tgz"
DUCKDB_HDR_SHA256=5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed
LLAMA_PKG="node-llama-cpp@3.22.1"
LLAMA_TGZ="node-llama-cpp-3.22.1.tgz"
LLAMA_SHA256=a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f
# The dashboard's charting library (served by `custintel serve`) and the browser-test driver.
ECHARTS_PKG="echarts@5.6.0"
ECHARTS_TGZ="echarts-5.6.0.tgz"
ECHARTS_SHA256=e1b82487dd7f8d9f0438eec1f1433051148e0095ac7a15d4db890afda45cf610
PLAYWRIGHT_PKG="playwright-core@1.65.1"
PLAYWRIGHT_TGZ="playwright-core-1.65.1.tgz"
PLAYWRIGHT_SHA256=6f5a60be62a4fddfbe7d10c448d8fbd54547da3358f2f8a04211440471ee863e
# Only the targets custintel links; everything else of llama.cpp stays unbuilt.
LLAMA_TARGETS=(llama ggml llama-common)
LLAMA_LIBS=(src/libllama.a ggml/src/libggml.a ggml/src/libggml-base.a ggml/src/libggml-cpu.a
            common/libllama-common.a common/libllama-common-base.a)

log() { printf 'deps: %s\n' "$*" >&2; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

missing_apt_packages() {
  local p missing=()
  for p in "${APT_PACKAGES[@]}"; do
    [[ $BINARY_ONLY -eq 1 && " ${APT_TEST_ONLY[*]} " == *" $p "* ]] && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  printf '%s\n' "${missing[@]}"
}

install_apt_packages() {
  local missing
  mapfile -t missing < <(missing_apt_packages | sed '/^$/d')
  # Node.js comes from Debian only when the machine has none (a newer copy may be installed).
  command -v npm >/dev/null || missing+=(nodejs npm)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $CHECK_ONLY -eq 1 ]] && { log "missing Debian packages: ${missing[*]}"; return 1; }
  log "installing Debian packages (about 1 minute per 40 packages): ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

# fetch_npm PKG TGZ SHA256 -> path of the verified tarball in $DEPS/npm
fetch_npm() {
  local pkg=$1 tgz=$2 sum=$3 dir="$DEPS/npm"
  mkdir -p "$dir"
  if [[ ! -f "$dir/$tgz" ]]; then
    log "fetching $pkg from npm"
    (cd "$dir" && npm pack --silent "$pkg" >/dev/null 2>&1) || die "npm pack $pkg failed (is the npm registry reachable?)"
  fi
  echo "$sum  $dir/$tgz" | sha256sum -c --quiet - >/dev/null 2>&1 \
    || { rm -f "$dir/$tgz"; die "$tgz does not match its pinned sha256 $sum; removed it, run again"; }
  printf '%s\n' "$dir/$tgz"
}

system_duckdb() {
  pkg-config --exists duckdb 2>/dev/null && return 0
  [[ -f /usr/include/duckdb.h || -f /usr/local/include/duckdb.h ]] && ldconfig -p 2>/dev/null | grep -q libduckdb.so
}

install_duckdb() {
  local dst="$DEPS/duckdb-$DUCKDB_VERSION"
  system_duckdb && return 0
  [[ -f "$dst/lib/libduckdb.so" && -f "$dst/include/duckdb.h" ]] && return 0
  [[ $CHECK_ONLY -eq 1 ]] && { log "DuckDB $DUCKDB_VERSION not in $dst"; return 1; }
  local lib hdr tmp
  lib=$(fetch_npm "$DUCKDB_LIB_PKG" "$DUCKDB_LIB_TGZ" "$DUCKDB_LIB_SHA256")
  hdr=$(fetch_npm "$DUCKDB_HDR_PKG" "$DUCKDB_HDR_TGZ" "$DUCKDB_HDR_SHA256")
  tmp=$(mktemp -d)
  tar xzf "$lib" -C "$tmp" package/libduckdb.so
  tar xzf "$hdr" -C "$tmp" package/src/duckdb/src/include/duckdb.h
  mkdir -p "$dst.tmp/lib" "$dst.tmp/include"
  mv "$tmp/package/libduckdb.so" "$dst.tmp/lib/"
  mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$dst.tmp/include/"
  rm -rf "$tmp" "$dst" && mv "$dst.tmp" "$dst"
  log "DuckDB $DUCKDB_VERSION ready in $dst"
}

llama_use_cuda() {
  [[ "${CUSTINTEL_CUDA:-auto}" == "off" ]] && return 1
  command -v nvcc >/dev/null && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1
}

# The build directory of this machine's variant (build-cuda with a usable GPU, else build-cpu).
llama_build_dir() {
  local variant=cpu
  llama_use_cuda && variant=cuda
  echo "$DEPS/llama.cpp-3.22.1/build-$variant"
}

install_llama() {
  local src="$DEPS/llama.cpp-3.22.1" build variant
  build=$(llama_build_dir)
  variant=${build##*-}
  [[ -f "$build/.custintel-built" ]] && return 0
  [[ $CHECK_ONLY -eq 1 ]] && { log "llama.cpp not built in $build"; return 1; }
  if [[ ! -d "$src/.git" ]]; then
    local tgz tmp
    tgz=$(fetch_npm "$LLAMA_PKG" "$LLAMA_TGZ" "$LLAMA_SHA256")
    tmp=$(mktemp -d)
    tar xzf "$tgz" -C "$tmp" package/llama/gitRelease.bundle
    rm -rf "$src" && git clone -q "$tmp/package/llama/gitRelease.bundle" "$src" 2>/dev/null
    rm -rf "$tmp"
  fi
  local cuda_flag=OFF
  [[ $variant == cuda ]] && cuda_flag=ON
  log "building llama.cpp ($variant, targets: ${LLAMA_TARGETS[*]}) - about 8 minutes on 2 cores, once"
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DGGML_NATIVE=OFF -DGGML_OPENMP=OFF \
    -DGGML_CUDA="$cuda_flag" -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF \
    "${launcher[@]}" >"$build.log" 2>&1 || die "llama.cpp configure failed, see $build.log"
  cmake --build "$build" --target "${LLAMA_TARGETS[@]}" -j"$(nproc)" >>"$build.log" 2>&1 \
    || die "llama.cpp build failed, see $build.log"
  local lib
  for lib in "${LLAMA_LIBS[@]}"; do
    [[ -f "$build/$lib" ]] || die "llama.cpp build did not produce $lib, see $build.log"
  done
  touch "$build/.custintel-built"
  log "llama.cpp ready in $build"
}

# llama.cpp's own OpenAI-compatible server, from the same source and build directory, for the
# http backend's tests against a real server (tests/ai/llama_server_test.cc). Only the
# llama-server target is added: the libraries above are not rebuilt, no web UI is fetched.
install_llama_server() {
  local build
  build=$(llama_build_dir)
  [[ -x "$build/bin/llama-server" ]] && return 0
  [[ $CHECK_ONLY -eq 1 ]] && { log "llama-server not built in $build"; return 1; }
  log "building llama-server (${build##*-}), for the tests only - about 6 minutes on 2 cores, once"
  cmake "$build" -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF >>"$build.log" 2>&1 || die "llama-server configure failed, see $build.log"
  cmake --build "$build" --target llama-server -j"$(nproc)" >>"$build.log" 2>&1 \
    || die "llama-server build failed, see $build.log"
  [[ -x "$build/bin/llama-server" ]] || die "llama.cpp build did not produce bin/llama-server, see $build.log"
  log "llama-server ready in $build/bin"
}

# unpack_npm PKG TGZ SHA256 DIR: the package's files under $DEPS/DIR (a verified npm tarball).
unpack_npm() {
  local pkg=$1 tgz=$2 sum=$3 dst="$DEPS/$4"
  [[ -f "$dst/package.json" ]] && return 0
  [[ $CHECK_ONLY -eq 1 ]] && { log "$pkg not in $dst"; return 1; }
  local file tmp
  file=$(fetch_npm "$pkg" "$tgz" "$sum")
  tmp=$(mktemp -d)
  tar xzf "$file" -C "$tmp"
  rm -rf "$dst" && mkdir -p "$(dirname "$dst")" && mv "$tmp/package" "$dst"
  rm -rf "$tmp"
  log "$pkg ready in $dst"
}

main() {
  local rc=0
  unpack_npm "$ECHARTS_PKG" "$ECHARTS_TGZ" "$ECHARTS_SHA256" echarts-5.6.0 || rc=1
  [[ $BINARY_ONLY -eq 1 ]] || unpack_npm "$PLAYWRIGHT_PKG" "$PLAYWRIGHT_TGZ" "$PLAYWRIGHT_SHA256" playwright-core-1.65.1 || rc=1
  install_apt_packages || rc=1
  install_duckdb || rc=1
  install_llama || rc=1
  [[ $BINARY_ONLY -eq 1 ]] || install_llama_server || rc=1
  return $rc
}
main
