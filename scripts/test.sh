#!/usr/bin/env bash
# Runs every test of a build directory through CTest. Tests that need a PostgreSQL server or a
# browser start their own on loopback; nothing here needs to be running beforehand.
set -euo pipefail
build=${1:-build}
cd "$build"
ctest --output-on-failure --timeout 900 -j"$(nproc)"
