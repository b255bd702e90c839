#!/usr/bin/env bash
# What SignalR followers cost training, on the dashboard (Release) over MNIST. Needs
# scripts/setup.sh first. Two ways, the first argument picks:
#   runs (default): bench/followers.js runs the same training with 0, 10 and 100 clients
#     following it, ROUNDS times (default 3). Each line also has the server's CPU seconds by
#     thread (training / serving) during the run.
#   epochs: bench/followers-by-epoch.js keeps FOLLOWERS clients (default 100) connected to one
#     run and has them follow every other epoch, so each followed epoch is compared with the
#     epochs just before and after it (the VM's drift cancels).
# SERVER_CPUS and CLIENT_CPUS (taskset lists, e.g. 0 and 1) keep the followers' own CPU (Node
# parsing every message for 100 connections) off the training's cores, as for remote followers.
set -euo pipefail
mode="${1:-runs}"
case "$mode" in
  runs) config="${RUN_CONFIG:-{\"model\":\"cnn-bn\",\"epochs\":3,\"trainLimit\":15000,\"testLimit\":1000,\"device\":\"cpu\"\}}" ;;
  epochs) config="${RUN_CONFIG:-{\"model\":\"cnn-bn\",\"epochs\":31,\"trainLimit\":12000,\"validationFraction\":0,\"testLimit\":1000,\"device\":\"cpu\"\}}" ;;
  *) echo "usage: bash bench/followers.sh [runs|epochs]" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_dashboard "${PORT:-5095}" "${SERVER_CPUS:-}"
trap 'kill $server; rm -rf "$runs"' EXIT
if [[ "$mode" == runs ]]; then
  SERVER_PID=$server pinned "${CLIENT_CPUS:-}" node bench/followers.js "$url" "${ROUNDS:-3}" "$config"
else
  pinned "${CLIENT_CPUS:-}" node bench/followers-by-epoch.js "$url" "${FOLLOWERS:-100}" "$config"
fi
