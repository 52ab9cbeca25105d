#!/usr/bin/env bash
# A real kube-apiserver and kubectl of Kubernetes 1.27, built from the Go module proxy (tools/k8s), plus etcd
# (Debian's etcd-server) and openssl for test/harness/apiserver.ts.
#
# Skips the build when both binaries are in $BIN and were built from the same tools/k8s sources (a sha256 stamp).
# The first build takes long on a small machine (about 10 minutes on 2 cores); later builds reuse Go's caches.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K8S_DIR="$REPO_ROOT/tools/k8s"
SELF="$REPO_ROOT/scripts/install/20-kube.sh"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
K8S_VERSION="$(grep -oE '^[[:space:]]*(require[[:space:]]+)?k8s\.io/kubernetes v1\.[0-9]+\.[0-9]+' "$K8S_DIR/go.mod" | grep -oE 'v[0-9.]+$')"
[ -n "$K8S_VERSION" ] || { echo "no k8s.io/kubernetes version in $K8S_DIR/go.mod" >&2; exit 1; }

apt_install() {
  # Never start services from package scripts: etcd-server would start a system etcd on 2379, and the tests run
  # their own. policy-rc.d (exit 101) is honoured by invoke-rc.d and deb-systemd-invoke; keep an existing one.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  if [ ! -f "$CDK8S_DP_TOOLS/.apt-updated" ] || [ -n "$(find "$CDK8S_DP_TOOLS/.apt-updated" -mmin +1440)" ]; then
    apt-get update -qq && touch "$CDK8S_DP_TOOLS/.apt-updated"
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  return $rc
}

# --- openssl (certificates for the test API server) ---
if ! command -v openssl >/dev/null; then
  apt_install openssl
  say "installed openssl"
fi
say "openssl: $(openssl version)"

# --- etcd ---
if [ -x "$BIN/etcd" ]; then
  ETCD="$BIN/etcd"
elif command -v etcd >/dev/null; then
  ETCD="$(command -v etcd)"
else
  apt_install etcd-server
  ETCD="$(command -v etcd)"
  # A systemd host would still have the unit enabled for the next boot: disable it and stop anything it started.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
  say "installed etcd-server (Debian); the system etcd service is not started"
fi
say "etcd: $("$ETCD" --version 2>/dev/null | head -1) ($ETCD)"

# --- kube-apiserver + kubectl ---
# The stamp covers what the binaries are built from: the module, its mains, this script, lib.sh's kube_build (flags)
# and the Go version.
stamp="$( (cd "$K8S_DIR" && cat go.mod go.sum cmd/kube-apiserver/main.go cmd/kubectl/main.go; cat "$SELF";
  declare -f kube_build; "$GO" version) | sha256sum | cut -d' ' -f1)"
if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kubectl" ] && stamp_ok kube "$stamp" \
  && "$BIN/kube-apiserver" --version >/dev/null 2>&1; then
  say "kube-apiserver and kubectl ${K8S_VERSION} already built (stamp matches), skipping"
else
  say "building kube-apiserver and kubectl ${K8S_VERSION} with $("$GO" version) (slow the first time)"
  t0=$(date +%s)
  # GOTOOLCHAIN=local: the installed Go builds 1.27's code (go.mod says go 1.20).
  GOTOOLCHAIN=local kube_build "$K8S_DIR" "$K8S_VERSION" "$BIN"
  stamp_set kube "$stamp"
  say "built in $(( $(date +%s) - t0 ))s"
fi
apiserver_version="$("$BIN/kube-apiserver" --version)"
kubectl_version="$("$BIN/kubectl" version --client -o yaml | sed -n 's/^ *gitVersion: //p' | head -1)"
say "kube-apiserver: ${apiserver_version} ($BIN/kube-apiserver)"
say "kubectl: ${kubectl_version} ($BIN/kubectl)"
