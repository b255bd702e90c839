#!/usr/bin/env bash
# The own-pictures acceptance run, end to end against the dashboard (Release): 10 classes x 300 coloured shapes in
# mixed sizes and all six formats (the pictures verb), imported through the API at 32x32 RGB, cnn-bn trained on them
# (EPOCHS, default 12), then 100 new pictures in a zip classified through the API and through the Draw page's Classify
# view in Debian's Chromium (bench/own-pictures.js); prints the test accuracy and whether the two answers agree.
#   bash bench/own-pictures.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work" "$runs"' EXIT
dll="$repo/Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll"
dotnet "$dll" pictures "$work/shapes.zip" --per-class 300 --seed 1
dotnet "$dll" pictures "$work/new.zip" --per-class 10 --seed 99
export Data__Folder="$work/data"
mkdir -p "$Data__Folder"
start_dashboard 5078
curl -sf -F "archive=@$work/shapes.zip" -F name=shapes -F width=32 -F height=32 -F channels=3 "$url/api/datasets" >/dev/null
until curl -sf "$url/api/datasets/shapes" | grep -q '"status":"ready"'; do sleep 0.5; done
curl -sf "$url/api/datasets/shapes" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["report"]; print("imported: %d training, %d test pictures in %.1f s, %d skipped" % (sum(r["trainPerClass"]), sum(r["testPerClass"]), r["seconds"], len(r["skipped"])))'
id="$(curl -sf -H 'Content-Type: application/json' -d "{\"dataset\":\"shapes\",\"model\":\"cnn-bn\",\"epochs\":${EPOCHS:-12},\"device\":\"cpu\"}" "$url/api/runs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
until curl -sf "$url/api/runs/$id" | grep -q '"status":"Completed"'; do sleep 2; done
curl -sf "$url/api/runs/$id" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("cnn-bn, %d epochs: test accuracy %.2f%% on %d pictures, %.0f s of training" % (len(d["epochs"]), 100 * d["test"]["accuracy"], d["test"]["images"], sum(e["seconds"] for e in d["epochs"])))'
curl -sf -F "archive=@$work/new.zip" "$url/api/runs/$id/classify" >"$work/api.json"
node "$repo/bench/own-pictures.js" "$url" "$id" "$work/new.zip" "$work/api.json"
