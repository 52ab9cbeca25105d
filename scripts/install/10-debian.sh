#!/usr/bin/env bash
# Tier-2 harness: the Debian daemons the pods run (nutcracker, redis, memcached, nginx, varnish, redis_exporter,
# haproxy) plus libnss-wrapper. Idempotent: installs only what is missing, never leaves a service running.
# Run as root on Debian bookworm (or sourced from scripts/install-test-tools.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKGS=(
  nutcracker                      # twemproxy 0.5
  redis-server redis-tools
  memcached
  nginx libnginx-mod-stream       # bookworm's `nginx` is the light build (ssl built in); stream is a dynamic module
  varnish
  prometheus-redis-exporter
  haproxy
  prometheus                      # promtool (check rules); the server is never left running
  postgresql prometheus-postgres-exporter   # the SQL health check and exporter of AdapterMonitoring
  prometheus-process-exporter     # the process inspector of SidecarPod
  libnss-wrapper
  shellcheck lua5.1               # lint the sh and Lua programs that run in pods (scripts/lint-runtime.sh)
  busybox                         # the awk of the redis (alpine) image: runs the twemproxy auth init script
  openssl ca-certificates curl
)
# Daemons Debian's maintainer scripts would start as services (process names as pgrep sees them).
DAEMONS=(nutcracker redis-server memcached nginx varnishd varnishncsa redis_exporter prometheus-redis-exporter haproxy
  prometheus postgres prometheus-postgres-exporter prometheus-process-exporter)

apt_install_missing 10-debian.sh "apt: all ${#PKGS[@]} packages already installed" "${PKGS[@]}"

# No daemon of ours may be left running as a system service (there is no systemd here; check processes).
service_pids() {
  # System-service instances are daemonized, i.e. children of PID 1 (the tier-2 harness runs its daemons in
  # the foreground under jest, so they are never matched). pgrep sees at most 15 characters of the name.
  local d
  for d in "${DAEMONS[@]}"; do pgrep -x "${d:0:15}" -P 1 || true; done
}
stop_services() {
  local pids i
  pids="$(service_pids)"
  [ -z "$pids" ] && return 0
  say "stopping daemons started as system services: $(ps -o pid=,comm= -p "$(echo $pids | tr ' ' ,)" | xargs)"
  kill $pids 2>/dev/null || true
  for i in $(seq 50); do
    [ -z "$(service_pids)" ] && return 0
    sleep 0.1
  done
  pids="$(service_pids)"
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
  sleep 0.5
  if [ -n "$(service_pids)" ]; then
    echo "10-debian.sh: could not stop: $(service_pids | xargs)" >&2
    exit 1
  fi
}
stop_services

# Versions.
say "nutcracker:     $(nutcracker -V 2>&1 | head -1)"
say "redis-server:   $(redis-server --version | head -1)"
say "redis-cli:      $(redis-cli --version | head -1)"
say "memcached:      $(memcached -V 2>&1 | head -1)"
say "nginx:          $(nginx -v 2>&1 | head -1)"
say "varnishd:       $(varnishd -V 2>&1 | head -1)"
say "redis_exporter: $(prometheus-redis-exporter --version 2>&1 | head -1)"
say "haproxy:        $(haproxy -v 2>&1 | head -1)"
say "openssl:        $(openssl version)"
say "curl:           $(curl --version | head -1)"

nss_wrapper="$(dpkg -L libnss-wrapper | grep -E '/libnss_wrapper\.so(\.[0-9]+)*$' | head -1)"
if [ -z "$nss_wrapper" ] || [ ! -e "$nss_wrapper" ]; then
  echo "10-debian.sh: libnss_wrapper.so not found" >&2
  exit 1
fi
say "libnss_wrapper: $nss_wrapper"
