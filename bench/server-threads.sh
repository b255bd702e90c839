#!/usr/bin/env bash
# CPU cores used and context switches per thread name of a process over a time: which threads took the training's
# core, and how often the training thread was switched out (involuntary: preempted by another thread on its core).
# Usage: bash bench/server-threads.sh PID SECONDS   (e.g. the dashboard's pid while a run trains)
set -euo pipefail
pid="$1"
seconds="$2"
# Per thread id: name, utime + stime (fields 14 and 15 of /proc/.../stat; the name in parentheses may hold spaces),
# voluntary and involuntary context switches (/proc/.../status).
snapshot() {
  for task in /proc/"$pid"/task/*; do
    echo "$(basename "$task") $(tr ' ' '_' < "$task/comm") $(sed 's/.*) //' "$task/stat" | awk '{print $12 + $13}')" \
      "$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v, n }' "$task/status")"
  done 2>/dev/null | sort
}
before="$(snapshot)"
sleep "$seconds"
echo "  cores  voluntary/s  involuntary/s  thread name"
join <(echo "$before") <(snapshot) | awk -v s="$seconds" '
  { used = ($7 - $3) / 100; total += used; byName[$2] += used; vol[$2] += $8 - $4; inv[$2] += $9 - $5 }
  END { for (name in byName) printf "%7.3f %12.1f %14.1f  %s\n", byName[name] / s, vol[name] / s, inv[name] / s, name; printf "%7.3f %12s %14s  all threads\n", total / s, "", "" }' |
  sort -rn | head -12
