#!/usr/bin/env bash
# Issue 27's measurement: the random sweep of bench/sweep-cnn-fast.json (27 trials of cnn-fast on MNIST, 6 epochs,
# learning rate and weight decay log-uniform, batch 64/128/256, ASHA with eta 3 from epoch 1) on a team of two trainers
# (scripts/team.sh, each pinned to one core), then the same 27 trials without early stopping (the same seed draws the same
# parameters). Prints the epochs each trained, its wall time and its best trial's validation accuracy.
#   SWEEP   the sweep file (default bench/sweep-cnn-fast.json)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
sweep="${SWEEP:-bench/sweep-cnn-fast.json}"
folder="$(mktemp -d /tmp/sweep-asha.XXXXXX)"
chmod 755 "$folder" # PostgreSQL's own user must reach its data folder
TEAM_FOLDER="$folder/team" TRAINER_CPUS="0 1" BALANCER_PORT=5200 WEB_PORTS="5201 5202" PG_PORT=55532 REDIS_PORT=56479 \
  setsid scripts/team.sh >"$folder/team.log" 2>&1 &
team=$!
trap 'kill -TERM "$team" 2>/dev/null || true; wait "$team" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "^Dashboard:" "$folder/team.log" && break; kill -0 "$team" 2>/dev/null || break; sleep 1; done
grep -q "^Dashboard:" "$folder/team.log" || { cat "$folder/team.log"; echo "sweep-asha: the team did not start" >&2; exit 1; }
url="http://127.0.0.1:5200"
dll="$repo/Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll"

python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); s.pop("earlyStopping", None); s["name"] = (s.get("name") or "sweep") + ", in full"; json.dump(s, open(sys.argv[2], "w"))' \
  "$sweep" "$folder/full.json"
for file in "$sweep" "$folder/full.json"; do
  start=$(date +%s.%N)
  dotnet "$dll" sweep "$file" --server "$url" --poll 1 | tail -2
  echo "wall: $(python3 -c "print(f'{$(date +%s.%N) - $start:.0f}')") s"
done
curl -sf "$url/api/sweeps" >"$folder/sweeps.json"
python3 - "$folder/sweeps.json" <<'PY'
import json, sys
for s in sorted(json.load(open(sys.argv[1])), key=lambda s: s["id"]):
    trials, best = s["trials"], s["best"]
    epochs = sum(t["epochsTrained"] for t in trials)
    pruned = sum(t["status"] == "Pruned" for t in trials)
    training = sum(t["seconds"] for t in trials)
    print(f"sweep #{s['id']} ({s['spec']['name']}): {len(trials)} trials, {epochs} epochs trained, {pruned} pruned, {training:.0f} s of training; "
          f"best trial {best['number']}: validation accuracy {100 * best['metric']:.2f} %, test {100 * (best['testAccuracy'] or 0):.2f} % ({best['parameters']})")
PY
