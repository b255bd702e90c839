#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, integration, browser).
# Ends with the totals alone on one line: "N passed, N failed[, N skipped]".
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/setup.sh" --test || exit 1
export Data__Folder="${Data__Folder:-$repo/data}"
cd "$repo"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet build Dashboard.sln -nologo -v quiet || exit 1
# One test assembly at a time: trainings and browsers in parallel assemblies fight over two cores.
dotnet test Dashboard.sln --no-build -nologo -m:1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 48, Skipped: 0, Total: 48, ..."
awk '/(Passed|Failed)! +- Failed: /{
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { line = p " passed, " f " failed"; if (s > 0) line = line ", " s " skipped"; print line }' "$log"
exit "$status"
