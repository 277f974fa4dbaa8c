#!/usr/bin/env bash
# Builds the custintel PostgreSQL extension in a configured build directory and installs it into
# the system PostgreSQL (the one whose pg_config is found: Debian 12's PostgreSQL 15 first).
# `make pg` runs it after scripts/deps.sh; the extension's test runs it the same way.
#
#   scripts/pg_install.sh [BUILD_DIR]     (default: build)
#
# Installs custintel.so into `pg_config --pkglibdir`, custintel.control +
# custintel--<version>.sql into `pg_config --sharedir`/extension, and the sharded layout's scripts
# (src/pg/cluster/shard.sql, cluster.sql: run by psql or `custintel pg-cluster init`) into
# `pg_config --sharedir`/contrib/custintel. Each file is written beside its
# destination and renamed over it, so a running server's backends keep the copy they loaded.
set -euo pipefail
build=${1:-build}

die() { printf 'pg_install: error: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

pg_config=${PG_CONFIG:-}
if [[ -z $pg_config ]]; then
  if [[ -x /usr/lib/postgresql/15/bin/pg_config ]]; then pg_config=/usr/lib/postgresql/15/bin/pg_config
  else pg_config=$(command -v pg_config) || die "pg_config not found (install postgresql-server-dev-15: make pg)"; fi
fi
[[ -f "$($pg_config --includedir-server)/postgres.h" ]] \
  || die "PostgreSQL server headers missing in $($pg_config --includedir-server) (apt-get install postgresql-server-dev-15)"

[[ -f "$build/CMakeCache.txt" ]] || die "$build is not a configured build directory (cmake -S . -B $build)"
# One build and install at a time per build directory (tests run this in parallel under ctest -j).
mkdir -p "$build/pg"
exec 9>"$build/pg/.install.lock"
flock 9
# Configured before the headers were installed: configure again so the target exists.
[[ -f "$build/pg/custintel.control" ]] || cmake "$build" >/dev/null
cmake --build "$build" --target ci_pg -j"${JOBS:-$(nproc)}" >/dev/null || die "building the extension failed"

libdir=$($pg_config --pkglibdir)
extdir=$($pg_config --sharedir)/extension
shopt -s nullglob
sql=("$build"/pg/custintel--*.sql)
[[ -f "$build/pg/custintel.so" && -f "$build/pg/custintel.control" && ${#sql[@]} -gt 0 ]] \
  || die "the build did not produce $build/pg/custintel.so, custintel.control and custintel--<version>.sql"

install_file() {  # SRC DIR MODE
  local dst="$2/$(basename "$1")"
  as_root install -m "$3" "$1" "$dst.tmp.$$"
  as_root mv -f "$dst.tmp.$$" "$dst"
}
install_file "$build/pg/custintel.so" "$libdir" 755
install_file "$build/pg/custintel.control" "$extdir" 644
for f in "${sql[@]}"; do install_file "$f" "$extdir" 644; done
contribdir=$($pg_config --sharedir)/contrib/custintel
as_root mkdir -p "$contribdir"
for f in "$(dirname "$0")"/../src/pg/cluster/*.sql; do install_file "$f" "$contribdir" 644; done
printf 'pg_install: custintel installed into %s, %s and %s\n' "$libdir" "$extdir" "$contribdir" >&2
