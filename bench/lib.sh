# Shared by the bench scripts: build the dashboard (Release) and start it on a loopback port
# over the repository's data folder with a scratch runs folder.
# Usage: source bench/lib.sh; start_dashboard PORT [taskset cpu list]  -> sets $url, $server, $runs
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="$(mktemp -d)"
cd "$repo"
(cd bench && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
dotnet build Dashboard.Server -c Release -nologo -v quiet >/dev/null

# pinned CPUS COMMAND...: runs COMMAND (in the foreground) on the taskset cpu list CPUS, or
# anywhere when CPUS is empty.
pinned() {
  local cpus="$1"
  shift
  if [[ -n "$cpus" ]]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

start_dashboard() {
  url="http://127.0.0.1:$1"
  # taskset execs the server, so $server is the server's own pid (a shell function would not).
  local pin=()
  [[ -n "${2:-}" ]] && pin=(taskset -c "$2")
  Data__Folder="${Data__Folder:-$repo/data}" Runs__Folder="$runs" \
    "${pin[@]}" dotnet Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll --urls "$url" >>"$runs/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do curl -sf "$url/api/datasets" >/dev/null && return; sleep 1; done
  echo "server did not start; see $runs/server.log" >&2
  exit 1
}
