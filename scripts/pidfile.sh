# Sourced by the scripts that start a server of the project's own: stop_pidfile FILE stops the
# process FILE names (SIGTERM, then up to 5 s for it to exit) and removes FILE.
stop_pidfile() {
  local file=$1 pid
  [[ -s "$file" ]] || return 0
  pid="$(cat "$file")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$file"
}
