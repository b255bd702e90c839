#!/usr/bin/env bash
# How much do watching browsers slow training, and how long does an epoch take to reach the
# screen? Starts the dashboard (Release) on a loopback port with a scratch runs folder and
# alternates runs with 0 and WATCHERS browsers (default 10) following, ROUNDS times (default 3).
# Needs MNIST in the data folder (scripts/setup.sh) and Debian's chromium.
# SERVER_CPUS and BROWSER_CPUS (taskset lists, e.g. 0 and 1) pin the server and the browsers to
# separate cores, so that the browsers' own rendering does not take the training's CPU, as when
# teammates watch from their own machines.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
watchers="${WATCHERS:-10}"
rounds="${ROUNDS:-3}"
config="${RUN_CONFIG:-{\"model\":\"cnn-bn\",\"epochs\":3,\"trainLimit\":15000,\"testLimit\":1000,\"device\":\"cpu\"\}}"
port="${PORT:-5091}"
runs="$(mktemp -d)"
cd "$repo"
(cd bench && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
dotnet build Dashboard.Server -c Release -nologo -v quiet >/dev/null
server_pin=(); browser_pin=()
[[ -n "${SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$SERVER_CPUS")
[[ -n "${BROWSER_CPUS:-}" ]] && browser_pin=(taskset -c "$BROWSER_CPUS")
Data__Folder="${Data__Folder:-$repo/data}" Runs__Folder="$runs" \
  "${server_pin[@]}" dotnet Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll --urls "http://127.0.0.1:$port" >"$runs/server.log" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$runs"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/api/datasets" >/dev/null && break; sleep 1; done
for _ in $(seq 1 "$rounds"); do
  "${browser_pin[@]}" node bench/watchers.js "http://127.0.0.1:$port" 0 "$config"
  "${browser_pin[@]}" node bench/watchers.js "http://127.0.0.1:$port" "$watchers" "$config"
done
