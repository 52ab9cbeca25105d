#!/usr/bin/env bash
# Tier-2 harness: MariaDB (Debian's mariadb-server and mariadb-client) for the MySQL health check of
# AdapterMonitoring and the SQL backend of the brokering ambassador. Run under scripts/install-test-tools.sh's
# lock like every step. Idempotent: installs only what is missing, never leaves a service running — the harness
# starts its own unprivileged mariadbd on 127.0.0.x with its own datadir (test/harness/mariadb.ts).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PKGS=(mariadb-server mariadb-client)
apt_install_missing 12-mariadb.sh "apt: mariadb-server and mariadb-client already installed" "${PKGS[@]}"

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
