#!/usr/bin/env bash
# Pen-up to prediction on screen, and the server-side predict time, on the Draw page: starts the
# dashboard (Release), trains a cnn-bn (1 epoch, 12,000 images) through the API, then draws
# STROKES (default 60) digits with the mouse in Debian's chromium and prints percentiles.
# Needs MNIST in the data folder (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_dashboard "${PORT:-5093}"
trap 'kill $server; rm -rf "$runs"' EXIT
node bench/draw-latency.js "$url" "${STROKES:-60}"
