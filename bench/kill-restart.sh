#!/usr/bin/env bash
# Kill the server with SIGKILL in the middle of a run, start it again, and show what survived:
# the run must come back `interrupted` with every epoch completed before the kill, and the
# runs that were already there must be untouched. Then resume it and wait for it to finish:
# its epochs must continue from the last checkpoint. Needs MNIST (scripts/setup.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start() { start_dashboard "${PORT:-5092}"; }
epochs() { curl -s "$url/api/runs/$1" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], len(r["epochs"]))'; }
post() { curl -s -X POST "$url/api/runs" -H 'content-type: application/json' -d "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

start
done_id=$(post '{"model":"logreg","epochs":2,"device":"cpu"}')
until [[ "$(epochs "$done_id")" == "Completed 2" ]]; do sleep 0.5; done
victim=$(post '{"model":"cnn-small","epochs":5,"trainLimit":30000,"device":"cpu"}')
until [[ "$(epochs "$victim" | cut -d' ' -f2)" -ge 2 ]]; do sleep 0.2; done
before="$(epochs "$victim")"
kill -9 "$server"
wait "$server" 2>/dev/null || true
echo "killed during run $victim, which had: $before"
start
echo "after restart, run $victim: $(epochs "$victim")"
echo "after restart, earlier run $done_id: $(epochs "$done_id")"
curl -s -X POST "$url/api/runs/$victim/resume" >/dev/null
until [[ "$(epochs "$victim" | cut -d' ' -f1)" =~ ^(Completed|Failed|Cancelled)$ ]]; do sleep 1; done
echo "after resume, run $victim: $(epochs "$victim"), epochs $(curl -s "$url/api/runs/$victim" | python3 -c 'import json,sys; print([e["epoch"] for e in json.load(sys.stdin)["epochs"]])')"
kill "$server"
rm -rf "$runs"
