#!/usr/bin/env bash
# The README's and docs' screenshots from a real run: starts the dashboard (Release) on MNIST with a scratch runs
# folder, starts a short cnn-bn run from the Train page in Debian's Chromium, and saves what a person sees into
# docs/images/ (run-page.png while and after it trains, home.png, compare.png, sweep-page.png), then every page at two widths into
# OUT (default /tmp/dashboard-screenshots) for a person to look at after a UI change.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out="${OUT:-/tmp/dashboard-screenshots}"
mkdir -p "$out" docs/images
start_dashboard "${PORT:-5093}"
trap 'kill $server; rm -rf "$runs"' EXIT
node bench/screenshots-run.js "$url" docs/images
node bench/screenshots.js "$url" 1 "$out"
echo "screenshots: docs/images/ and $out"
