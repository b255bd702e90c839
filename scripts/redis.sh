#!/usr/bin/env bash
# A Redis 7 server of the project's own (Debian's redis-server binary, never the system service):
# loopback only, nothing saved to disk, its pid and log in DIR.
#   scripts/redis.sh start DIR PORT   starts it and prints the StackExchange.Redis connection string
#   scripts/redis.sh stop DIR         stops it
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pidfile.sh"
command=${1:?usage: redis.sh start DIR PORT | stop DIR}
dir=${2:?folder}
case "$command" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 1 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    echo "127.0.0.1:$port"
    ;;
  stop)
    stop_pidfile "$dir/redis.pid"
    ;;
  *)
    echo "usage: redis.sh start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
