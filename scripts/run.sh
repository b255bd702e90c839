#!/usr/bin/env bash
# Installs what is missing, builds, and starts the dashboard on MNIST at a local URL.
# DASHBOARD_URL picks the address (default http://127.0.0.1:5000; any non-loopback address
# needs Security__OperatorToken to control runs); Data__Folder the data folder; Runs__Folder
# where runs, their database and checkpoints live (default: runs/ in the repository).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/setup.sh"
export Data__Folder="${Data__Folder:-$repo/data}"
export Runs__Folder="${Runs__Folder:-$repo/runs}"
url="${DASHBOARD_URL:-http://127.0.0.1:5000}"
cd "$repo"
dotnet build Dashboard.Server -c Release -nologo -v quiet
echo
echo "Dashboard: $url"
echo
exec dotnet run --project Dashboard.Server -c Release --no-build -- --urls "$url"
