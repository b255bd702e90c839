#!/usr/bin/env bash
# The server's memory while it is handed zip bombs (bench/lib.sh's Release server): a zip of 4 entries of 1 GiB of
# zeros each (about 4 MiB packed) beside 20 real pictures, and a zip of 600,000 empty entries. Prints each answer and
# the server's resident memory (VmRSS) and peak (VmHWM) before and after.
#   bash bench/zip-bomb.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work" "$runs"' EXIT
/usr/bin/python3 - "$work" <<'PY'
import sys, zipfile
work = sys.argv[1]
with zipfile.ZipFile(f"{work}/ratio.zip", "w", zipfile.ZIP_DEFLATED) as z:
    zeros = bytes(64 * 1024 * 1024)
    for i in range(4):
        with z.open(f"bomb/zeros-{i}.png", "w", force_zip64=True) as entry:
            for _ in range(16):
                entry.write(zeros)
with zipfile.ZipFile(f"{work}/entries.zip", "w", zipfile.ZIP_STORED) as z:
    for i in range(600_000):
        z.writestr(f"c{i % 2}/{i}.png", b"")
PY
dotnet "$repo/Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll" pictures "$work/good" --per-class 10 --classes 2 >/dev/null
(cd "$work/good" && /usr/bin/python3 -c "import zipfile,os; z=zipfile.ZipFile('$work/ratio.zip','a'); [z.write(os.path.join(r,f), os.path.join(r,f)) for r,_,fs in os.walk('.') for f in fs]")
ls -la "$work"/*.zip
export Data__Folder="$work/data"
mkdir -p "$Data__Folder"
start_dashboard 5079
memory() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MiB  ", $1, $2 / 1024}' "/proc/$server/status"; echo; }
echo "before: $(memory)"
curl -s -o "$work/answer" -w "ratio bomb: %{http_code}\n" -F "archive=@$work/ratio.zip" -F name=bomb -F width=16 -F channels=3 "$url/api/datasets"
until curl -sf "$url/api/datasets/bomb" | grep -q '"status":"ready"\|"status":"failed"'; do sleep 0.5; done
curl -sf "$url/api/datasets/bomb" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], [s["reason"] for s in d["report"]["skipped"]][:1], sum(d["report"]["trainPerClass"]) + sum(d["report"]["testPerClass"]), "pictures imported")'
echo "after the ratio bomb: $(memory)"
curl -s -w "\nentries bomb: %{http_code}\n" -F "archive=@$work/entries.zip" -F name=entries "$url/api/datasets" | tail -c 300
echo "after the entries bomb: $(memory)"
