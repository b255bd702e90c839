#!/usr/bin/env bash
# How much do watching browsers slow training, and how long does an epoch take to reach the
# screen? Starts the dashboard (Release) on a loopback port with a scratch runs folder and
# alternates runs with 0 and WATCHERS browsers (default 10) following, ROUNDS times (default 3). The rate counts the
# epochs begun once every page was open (cnn-bn for 4 epochs by default: opening ten pages takes a while).
# Needs MNIST in the data folder (scripts/setup.sh) and Debian's chromium.
# SERVER_CPUS and BROWSER_CPUS (taskset lists, e.g. 0 and 1) pin the server and the browsers to
# separate cores, so that the browsers' own rendering does not take the training's CPU, as when
# teammates watch from their own machines. BUSY_CONTROL=1 adds a run per round with no page and a busy loop on
# BROWSER_CPUS instead.
set -euo pipefail
watchers="${WATCHERS:-10}"
rounds="${ROUNDS:-3}"
config="${RUN_CONFIG:-{\"model\":\"cnn-bn\",\"epochs\":4,\"testLimit\":1000,\"device\":\"cpu\"\}}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_dashboard "${PORT:-5091}" "${SERVER_CPUS:-}"
busy=""
trap 'kill $server $busy 2>/dev/null; rm -rf "$runs"' EXIT
for _ in $(seq 1 "$rounds"); do
  pinned "${BROWSER_CPUS:-}" node bench/watchers.js "$url" 0 "$config"
  pinned "${BROWSER_CPUS:-}" node bench/watchers.js "$url" "$watchers" "$config"
  if [[ -n "${BUSY_CONTROL:-}" ]]; then
    # The control: no page, a shell loop keeping the browsers' cores busy. What it costs the training is what any
    # busy neighbour core costs on this machine (shared caches, the hypervisor), not what watching costs.
    loop=(sh -c 'while :; do :; done')
    [[ -n "${BROWSER_CPUS:-}" ]] && loop=(taskset -c "$BROWSER_CPUS" "${loop[@]}")
    "${loop[@]}" & # taskset execs the loop, so $! is the loop itself (through a shell function it was not)
    busy=$!
    pinned "${BROWSER_CPUS:-}" node bench/watchers.js "$url" 0 "$config" | sed 's/^{"watchers":0/{"watchers":0,"busyLoop":true/'
    kill "$busy"
    busy=""
  fi
done
