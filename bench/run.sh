#!/usr/bin/env bash
# Runs every benchmark of a build: the whole-pipeline bench, then each <name>_bench program.
set -euo pipefail
build=${1:-build}
here=$(dirname "$0")
"$here/pipeline.sh" "$build"
"$here/incremental.sh" "$build"
for b in "$build"/bench/*_bench; do
  [[ -x "$b" ]] || continue
  echo "== $(basename "$b")"
  "$b"
done
