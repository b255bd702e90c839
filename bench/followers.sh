#!/usr/bin/env bash
# Training images/s with 0, 10 and 100 SignalR clients following the run (bench/followers.js),
# ROUNDS times (default 3), on the dashboard (Release) over MNIST. Needs scripts/setup.sh first.
# SERVER_CPUS and CLIENT_CPUS (taskset lists, e.g. 0 and 1) keep the followers' own CPU (Node
# parsing every message for 100 connections) off the training's cores, as for remote followers.
# Each line also has the server's CPU seconds by thread (training / serving) during the run.
set -euo pipefail
config="${RUN_CONFIG:-{\"model\":\"cnn-bn\",\"epochs\":3,\"trainLimit\":15000,\"testLimit\":1000,\"device\":\"cpu\"\}}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_dashboard "${PORT:-5095}" "${SERVER_CPUS:-}"
trap 'kill $server; rm -rf "$runs"' EXIT
SERVER_PID=$server pinned "${CLIENT_CPUS:-}" node bench/followers.js "$url" "${ROUNDS:-3}" "$config"
