# Sourced by the shell benches: step NAME ARGS... runs `$bin ARGS` under GNU time, keeps its
# output in $work/NAME.log and its seconds in $work/NAME.secs, and prints one line of wall time
# and peak RSS (the output on failure, then exits). REQUIRES: $bin and $work set.
step() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" "$@" >"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; exit 1; }
  read -r secs kib <"$work/time"
  printf '%-18s %8.1f s  %8.0f MiB peak RSS\n' "$name" "$secs" "$((kib / 1024))"
  echo "$secs" >"$work/$name.secs"
}
