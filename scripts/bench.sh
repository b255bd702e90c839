#!/usr/bin/env bash
# The benchmarks in one command: installs what is missing (the PyTorch reference included),
# builds Release, then runs the engine against the plain C++ loop and the PyTorch tutorial
# script per preset, the recipes' time to accuracy and the in-process predict latency. Arguments go to the per-preset bench,
# e.g. scripts/bench.sh --rounds 5 --presets cnn-bn logreg.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/setup.sh" --bench
cd "$repo"
dotnet build Dashboard.Server -c Release -nologo -v quiet
server="Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll"
dotnet "$server" bench "$@"
dotnet "$server" bench --time-to-accuracy
# Server-side predict latency with a freshly trained fast-recipe checkpoint.
checkpoint="$(mktemp -d)/fast.pt"
dotnet "$server" train --recipe fast --output "$checkpoint" >/dev/null
dotnet "$server" bench --predict "$checkpoint"
