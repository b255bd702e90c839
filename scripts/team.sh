#!/usr/bin/env bash
# Team mode on one machine: a PostgreSQL and a Redis of its own (scripts/postgres.sh, scripts/redis.sh),
# two web front-ends behind a load balancer (scripts/balancer.sh: HAProxy with sticky sessions) and two
# trainer hosts, all on loopback. Prints the URLs, then waits; Ctrl+C (or SIGTERM) stops them all.
#   TEAM_FOLDER   where the database and the front-ends' files live (default: ./team in the repository)
#   PG_PORT       PostgreSQL's port (default 55432); REDIS_PORT Redis's (default 56379);
#   WEB_PORTS     the front-ends' ports (default "5101 5102"); BALANCER_PORT the load balancer's (default 5100)
#   TRAINERS      how many trainer hosts (default 2); TRAINER_CPUS a taskset list per trainer, e.g. "0 1"
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
folder="$(realpath -m "${TEAM_FOLDER:-$repo/team}")"
pg_port="${PG_PORT:-55432}"
redis_port="${REDIS_PORT:-56379}"
read -r -a web_ports <<<"${WEB_PORTS:-5101 5102}"
balancer_port="${BALANCER_PORT:-5100}"
read -r -a trainer_cpus <<<"${TRAINER_CPUS:-}"
trainers="${TRAINERS:-2}"

"$repo/scripts/setup.sh"
for p in postgresql redis-server haproxy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    echo "team: installing Debian's $p (it starts no server)"
    sudo_cmd=""
    [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$p" >/dev/null
  }
done
cd "$repo"
dotnet build Dashboard.Server -c Release -nologo -v quiet
mkdir -p "$folder"
chmod 755 "$folder"
database="$("$repo/scripts/postgres.sh" start "$folder/pg" "$pg_port")"
redis="$("$repo/scripts/redis.sh" start "$folder/redis" "$redis_port")"
dll="$repo/Dashboard.Server/bin/Release/net10.0/Dashboard.Server.dll"
export Data__Folder="${Data__Folder:-$repo/data}" Team__Postgres="$database" Team__Redis="$redis"

pids=()
stop() {
  trap - INT TERM EXIT
  "$repo/scripts/balancer.sh" stop "$folder/balancer"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  "$repo/scripts/postgres.sh" stop "$folder/pg"
  "$repo/scripts/redis.sh" stop "$folder/redis"
  echo "team: stopped"
}
trap stop INT TERM EXIT

for i in "${!web_ports[@]}"; do
  port="${web_ports[$i]}"
  # The balancer on this machine is their proxy: they trust the client it names (scripts/balancer.sh).
  Team__Role=web Runs__Folder="$folder/web-$port" Security__Proxies=127.0.0.1 dotnet "$dll" --urls "http://127.0.0.1:$port" >"$folder/web-$port.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 "$trainers"); do
  pin=()
  [[ -n "${trainer_cpus[$((i - 1))]:-}" ]] && pin=(taskset -c "${trainer_cpus[$((i - 1))]}")
  Team__TrainerName="trainer-$i" "${pin[@]}" dotnet "$dll" trainer >"$folder/trainer-$i.log" 2>&1 &
  pids+=($!)
done
for port in "${web_ports[@]}"; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 1; done
done

balancer="$("$repo/scripts/balancer.sh" start "$folder/balancer" "$balancer_port" "${web_ports[@]}")"

echo
echo "Dashboard: $balancer (the load balancer; open this one)"
for port in "${web_ports[@]}"; do echo "Front-end: http://127.0.0.1:$port"; done
echo "Trainers: $trainers (logs in $folder); PostgreSQL on 127.0.0.1:$pg_port ($folder/pg), Redis on $redis"
echo "Ctrl+C stops them all."
wait
