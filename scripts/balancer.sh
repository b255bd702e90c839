#!/usr/bin/env bash
# A load balancer of the project's own in front of the web front-ends (or the TLS proxy of one dashboard):
# Debian's HAProxy 2.6 binary (never the system service), its config, pid and log in DIR.
#   scripts/balancer.sh start DIR PORT BACKEND_PORT...   starts it, waits (15 s at most) until a front-end answers
#                                                         through it, and prints its URL
#   scripts/balancer.sh stop DIR                          stops it
#   BALANCER_ADDRESS   the address it listens on (default 127.0.0.1; 0.0.0.0 publishes it)
#   BALANCER_PEM       a PEM file with a certificate and its key: it speaks HTTPS (TLS ends here) and tells the
#                      dashboards so in X-Forwarded-Proto; the backends stay plain HTTP on loopback
# Blazor Server keeps a page's state in one front-end's memory, so a browser sticks to one front-end
# through the DASHBOARD_FRONTEND cookie. Each front-end's /healthz is checked every second; a front-end
# that stops answering is out after two checks, and a request for it (a reconnecting page) is sent to
# another one at once (option redispatch), where the page reloads with the state from PostgreSQL.
# It names each client in X-Forwarded-For (option forwardfor): give the dashboards Security__Proxies=127.0.0.1,
# so a browser on this machine is local to them and every other client is remote (the operator rule applies).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/pidfile.sh"
command=${1:?usage: balancer.sh start DIR PORT BACKEND_PORT... | stop DIR}
dir=${2:?folder}
case "$command" in
  start)
    port=${3:?port}
    shift 3
    [[ $# -gt 0 ]] || { echo "balancer: give at least one front-end port" >&2; exit 2; }
    address="${BALANCER_ADDRESS:-127.0.0.1}"
    bind="bind $address:$port"
    scheme=http
    if [[ -n "${BALANCER_PEM:-}" ]]; then
      [[ -r "$BALANCER_PEM" ]] || { echo "balancer: cannot read BALANCER_PEM $BALANCER_PEM" >&2; exit 2; }
      bind="$bind ssl crt $(realpath "$BALANCER_PEM")"
      scheme=https
    fi
    mkdir -p "$dir"
    {
      cat <<EOF
global
  maxconn 4096
  pidfile $dir/haproxy.pid
  log stdout format raw local0 notice

defaults
  mode http
  log global
  option httplog
  option redispatch
  option forwardfor
  retries 2
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
  timeout http-request 10s
  # A check may take longer than "inter" (a front-end's first answer after it starts): a server starts UP
  # and one failed check takes it out, which answered the first pages 503.
  timeout check 5s

frontend dashboard
  $bind
  http-request set-header X-Forwarded-Proto $scheme
  default_backend front_ends

backend front_ends
  balance roundrobin
  cookie DASHBOARD_FRONTEND insert indirect nocache httponly
  option httpchk GET /healthz
  default-server check inter 1s fall 2 rise 1
EOF
      for backend in "$@"; do
        echo "  server web-$backend 127.0.0.1:$backend cookie web-$backend"
      done
    } >"$dir/haproxy.cfg"
    haproxy -c -q -f "$dir/haproxy.cfg"
    haproxy -D -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1
    for _ in $(seq 1 50); do [[ -s "$dir/haproxy.pid" ]] && break; sleep 0.1; done
    # It is started once a front-end answers through it (the checks have run), within 15 s.
    local_address=$address
    [[ $address == 0.0.0.0 ]] && local_address=127.0.0.1
    for _ in $(seq 1 75); do
      curl -skf --max-time 2 "$scheme://$local_address:$port/healthz" >/dev/null && break
      sleep 0.2
    done || true
    curl -skf --max-time 2 "$scheme://$local_address:$port/healthz" >/dev/null \
      || echo "balancer: no front-end answers /healthz through $scheme://$local_address:$port yet" >&2
    echo "$scheme://$address:$port"
    ;;
  stop)
    stop_pidfile "$dir/haproxy.pid"
    ;;
  *)
    echo "usage: balancer.sh start DIR PORT BACKEND_PORT... | stop DIR" >&2
    exit 2
    ;;
esac
