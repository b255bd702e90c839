#!/usr/bin/env bash
# Import speed against Debian's PIL, each its own process, over the same files in one run:
#   20,000 PNGs of 28x28 (grey, kept 28x28) and 2,000 JPEGs of about one megapixel (RGB, resized to 64x64).
# The dashboard (Release) imports each folder through its API (a folder on the server); PIL decodes and resizes the
# same files with one process per core (bench/pil_import.py). Prints pictures/s of both, the ratio, and the server's
# peak memory (VmHWM) after each import. ROUNDS (default 2) alternates the two programs over the same files.
#   bash bench/import-speed.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$repo/scripts/setup.sh" --bench >/dev/null
rounds="${ROUNDS:-2}"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work" "$runs"' EXIT
dll="$repo/Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll"
dotnet "$dll" pictures "$work/png" --per-class 2000 --classes 10 --min-side 28 --max-side 28 --format png --seed 1
dotnet "$dll" pictures "$work/jpg" --per-class 200 --classes 10 --min-side 1000 --max-side 1150 --format jpg --seed 2
du -sh "$work/png" "$work/jpg"
export Data__Folder="$work/data"
mkdir -p "$Data__Folder"
start_dashboard 5077
peak() { awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status"; }
echo "server at start: peak $(peak)"

# import NAME FOLDER WIDTH HEIGHT CHANNELS: imports through the API and prints the import's own seconds.
import() {
  curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"folder\":\"$2\",\"name\":\"$1\",\"width\":$3,\"height\":$4,\"channels\":$5}" "$url/api/datasets" >/dev/null
  while :; do
    local state
    state="$(curl -sf "$url/api/datasets/$1")"
    case "$state" in
      *'"status":"ready"'*) python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["seconds"])' <<<"$state"; return ;;
      *'"status":"failed"'*|*'"status":"cancelled"'*) echo "import $1 failed: $state" >&2; exit 1 ;;
    esac
    sleep 0.2
  done
}

for set in "png 28 28 1 20000" "jpg 64 64 3 2000"; do
  read -r kind width height channels count <<<"$set"
  cat "$work/$kind"/*/* >/dev/null # both read from the page cache
  for round in $(seq 1 "$rounds"); do
    ours="$(import "$kind-$round" "$work/$kind" "$width" "$height" "$channels")"
    pil="$(/usr/bin/python3 "$repo/bench/pil_import.py" "$work/$kind" "$width" "$height" "$channels")"
    pil_seconds="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$pil")"
    pil_peak="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["peak_rss_mib"])' "$pil")"
    python3 - "$kind" "$round" "$count" "$ours" "$pil_seconds" "$pil_peak" "$(peak)" <<'PY'
import sys
kind, rnd, count, ours, pil, pil_peak, server_peak = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7]
print(f"{kind} round {rnd}: {count} pictures: dashboard {count / ours:,.0f}/s ({ours:.2f} s), PIL {count / pil:,.0f}/s ({pil:.2f} s): "
      f"{pil / ours:.2f}x PIL; server peak {server_peak} since start, PIL peak {pil_peak} MiB a process")
PY
    curl -sf -X DELETE "$url/api/datasets/$kind-$round" >/dev/null
  done
done
