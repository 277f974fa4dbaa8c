#!/usr/bin/env bash
# phase.sh "what it is doing (and roughly how long)" command...
# Prints the phase line before a long step and how long it took after, so that a first run on a
# fresh machine says what it is doing instead of going quiet for minutes.
set -euo pipefail
what=$1
shift
printf '==> %s\n' "$what" >&2
start=$(date +%s)
"$@"
printf '==> done in %d s\n' "$(( $(date +%s) - start ))" >&2
