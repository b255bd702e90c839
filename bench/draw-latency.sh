#!/usr/bin/env bash
# Pen-up to prediction, X-ray and fast attributions on screen on the Draw page, then each attribution
# method's server time: starts the dashboard (Release), trains a cnn-bn (1 epoch, 15,000 images)
# through the API, draws STROKES (default 60) digits with the mouse in Debian's chromium, asks
# /explain 30 times, and prints percentiles. EMBEDDING=1 opens the embedding map after the first stroke
# and measures the strokes after it.
# Needs MNIST in the data folder (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_dashboard "${PORT:-5093}"
trap 'kill $server; rm -rf "$runs"' EXIT
node bench/draw-latency.js "$url" "${STROKES:-60}"
