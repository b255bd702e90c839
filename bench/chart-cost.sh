#!/usr/bin/env bash
# Times one live-chart append in Chromium, drawn in the document and in a shadow root, on the
# dashboard's Train page (bench/chart-cost.js). Needs Debian's chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_dashboard "${PORT:-5093}"
trap 'kill $server; rm -rf "$runs"' EXIT
node bench/chart-cost.js "$url" "${PAGE:-/train}"
