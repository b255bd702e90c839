#!/usr/bin/env bash
# A PostgreSQL 15 server of the project's own (Debian's postgresql-15 binaries, never the system
# service): its own data folder, loopback only, trust authentication for the local user postgres.
#   scripts/postgres.sh start DIR PORT   initialises DIR if empty, starts the server, creates database "dashboard",
#                                        prints the Npgsql connection string
#   scripts/postgres.sh stop DIR         stops the server of DIR (fast shutdown)
#   scripts/postgres.sh crash DIR        stops it at once without a checkpoint, as a crash would (for failure tests);
#                                        `start` recovers it
# initdb and postgres refuse to run as root, so as root they run as the Debian user postgres,
# which then owns DIR.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
command=${1:?usage: postgres.sh start DIR PORT | stop DIR | crash DIR}
dir=${2:?data folder}
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    as_owner test -w "$dir" || { echo "postgres.sh: user postgres cannot write $dir (its parent folders need o+x)" >&2; exit 1; }
    if [[ ! -s "$dir/PG_VERSION" ]]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    # fsync off: these servers hold test and demo data; a real deployment uses its own PostgreSQL.
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'dashboard'" | grep -q 1 \
      || as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE dashboard"
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=dashboard"
    ;;
  stop)
    [[ -s "$dir/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
  crash)
    [[ -s "$dir/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
    ;;
  *)
    echo "usage: postgres.sh start DIR PORT | stop DIR | crash DIR" >&2
    exit 2
    ;;
esac
