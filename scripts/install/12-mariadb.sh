#!/usr/bin/env bash
# Tier-2 harness: MariaDB (Debian's mariadb-server and mariadb-client) for the MySQL health check of
# AdapterMonitoring and the SQL backend of the brokering ambassador. Run under scripts/install-test-tools.sh's
# lock like every step. Idempotent: installs only what is missing, never leaves a service running — the harness
# starts its own unprivileged mariadbd on 127.0.0.x with its own datadir (test/harness/mariadb.ts).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKGS=(mariadb-server mariadb-client)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
missing=()
for p in "${PKGS[@]}"; do installed "$p" || missing+=("$p"); done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "12-mariadb.sh: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  say "apt: installing ${missing[*]}"
  created_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# created by cdk8s-distributed-patterns scripts/install/12-mariadb.sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  cleanup_policy() { if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get "${APT_OPTS[@]}" update -qq
  apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  cleanup_policy
  trap - EXIT
else
  say "apt: mariadb-server and mariadb-client already installed"
fi

# A system-service mariadbd (a child of PID 1) is never left running; the harness runs its own.
pids="$(pgrep -x mariadbd -P 1 || true)"
if [ -n "$pids" ]; then
  say "stopping mariadbd started as a system service: $pids"
  kill $pids 2>/dev/null || true
  for _ in $(seq 100); do [ -z "$(pgrep -x mariadbd -P 1 || true)" ] && break; sleep 0.1; done
  pids="$(pgrep -x mariadbd -P 1 || true)"
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
fi
say "mariadbd:       $(/usr/sbin/mariadbd --version 2>&1 | head -1)"
say "mariadb-install-db: $(command -v mariadb-install-db)"
