#!/usr/bin/env bash
# Team mode measured on one machine: starts scripts/team.sh (its own PostgreSQL, two front-ends,
# two trainers each pinned to one core) in a scratch folder, then bench/team.js: FOLLOWERS
# (default 100) SignalR followers spread over both front-ends, and one run alone against two at
# once. Stops everything at the end. Needs MNIST (scripts/setup.sh).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${RUN_CONFIG:-{\"model\":\"cnn-bn\",\"epochs\":2,\"trainLimit\":12000,\"testLimit\":1000,\"device\":\"cpu\"\}}"
folder="$(mktemp -d)"
chmod 755 "$folder"
(cd "$repo/bench" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
TEAM_FOLDER="$folder" PG_PORT="${PG_PORT:-55433}" REDIS_PORT="${REDIS_PORT:-56380}" WEB_PORTS="5111 5112" TRAINER_CPUS="${TRAINER_CPUS:-0 1}" \
  "$repo/scripts/team.sh" >"$folder/team.out" 2>&1 &
team=$!
trap 'kill -TERM $team; wait $team; rm -rf "$folder"' EXIT
for _ in $(seq 1 300); do grep -q "Ctrl+C stops" "$folder/team.out" && break; sleep 1; done
grep -q "Ctrl+C stops" "$folder/team.out" || { cat "$folder/team.out" >&2; exit 1; }
node "$repo/bench/team.js" "$config" http://127.0.0.1:5111 http://127.0.0.1:5112
