#!/usr/bin/env bash
# CPU cores used per thread name of a process over a time: which threads took the training's core.
# Usage: bash bench/server-threads.sh PID SECONDS   (e.g. the dashboard's pid while a run trains)
set -euo pipefail
pid="$1"
seconds="$2"
# utime + stime (fields 14 and 15 of /proc/.../stat; the name in parentheses may hold spaces) per thread id and name.
snapshot() {
  for task in /proc/"$pid"/task/*; do
    echo "$(basename "$task") $(tr ' ' '_' < "$task/comm") $(sed 's/.*) //' "$task/stat" | awk '{print $12 + $13}')"
  done 2>/dev/null | sort
}
before="$(snapshot)"
sleep "$seconds"
join <(echo "$before") <(snapshot) | awk -v s="$seconds" '
  { used = ($5 - $3) / 100; total += used; byName[$2] += used }
  END { for (name in byName) printf "%6.3f cores  %s\n", byName[name] / s, name; printf "%6.3f cores  all threads\n", total / s }' |
  sort -rn | head -12
