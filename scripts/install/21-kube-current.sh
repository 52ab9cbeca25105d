#!/usr/bin/env bash
# The current line's API server: kube-apiserver and kubectl of Kubernetes 1.34, built from the Go module proxy
# (tools/k8s-1.34) as 20-kube.sh builds 1.27.16 from tools/k8s, installed beside them as
# $BIN/kube-apiserver-1.34 and $BIN/kubectl-1.34 (test/harness/apiserver.ts, `version: '1.34'`). etcd and openssl
# come from 20-kube.sh. Also keeps the OpenAPI document of that exact release, from the same hash-checked module
# (api/openapi-spec/swagger.json), as $CDK8S_DP_TOOLS/k8s-1.34/swagger.json: tier 2 proves that the schema tier 1
# validates the 1.34 line with (lines/schemas/) is this file.
#
# Skips the build when both binaries are there and were built from the same sources (a sha256 stamp of the module,
# its mains, this script, lib.sh's kube_build and the Go version). The first build takes long on a small machine
# (about 10 to 15 minutes on 2 cores); later builds reuse Go's caches.
#   KUBE_CURRENT_GOTOOLCHAIN  the Go toolchain (default: local, the installed Go). A release whose go.mod needs a
#                             newer Go than the installed one builds with e.g. KUBE_CURRENT_GOTOOLCHAIN=go1.27.3
#                             (fetched through the module proxy); set it in scripts/test.sh too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

K8S_DIR="$REPO_ROOT/tools/k8s-1.34"
SELF="$REPO_ROOT/scripts/install/21-kube-current.sh"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
export GOTOOLCHAIN="${KUBE_CURRENT_GOTOOLCHAIN:-local}"
K8S_VERSION="$(grep -oE '^[[:space:]]*(require[[:space:]]+)?k8s\.io/kubernetes v1\.[0-9]+\.[0-9]+' "$K8S_DIR/go.mod" | grep -oE 'v[0-9.]+$')"
[ -n "$K8S_VERSION" ] || { echo "no k8s.io/kubernetes version in $K8S_DIR/go.mod" >&2; exit 1; }
MINOR="$(echo "$K8S_VERSION" | cut -d. -f1-2 | tr -d v)"   # 1.34
APISERVER="$BIN/kube-apiserver-$MINOR"
KUBECTL="$BIN/kubectl-$MINOR"
DATA="$CDK8S_DP_TOOLS/k8s-$MINOR"
[ -x "$GO" ] || { echo "Go is needed to build kube-apiserver $K8S_VERSION; none at $GO" >&2; exit 1; }

stamp="$( (cd "$K8S_DIR" && cat go.mod go.sum cmd/kube-apiserver/main.go cmd/kubectl/main.go; cat "$SELF";
  declare -f kube_build; "$GO" version) | sha256sum | cut -d' ' -f1)"
if [ -x "$APISERVER" ] && [ -x "$KUBECTL" ] && [ -s "$DATA/swagger.json" ] && stamp_ok "kube-$MINOR" "$stamp" \
  && "$APISERVER" --version >/dev/null 2>&1; then
  say "kube-apiserver-$MINOR and kubectl-$MINOR ${K8S_VERSION} already built (stamp matches), skipping"
else
  say "building kube-apiserver and kubectl ${K8S_VERSION} with $("$GO" version) (GOTOOLCHAIN=$GOTOOLCHAIN; slow the first time)"
  t0=$(date +%s)
  # Built and checked (both report the pinned version) before they replace anything.
  out="$(mktemp -d)"
  kube_build "$K8S_DIR" "$K8S_VERSION" "$out"
  mv -f "$out/kube-apiserver" "$APISERVER"
  mv -f "$out/kubectl" "$KUBECTL"
  rm -rf "$out"
  # The release's OpenAPI document, from the module go.sum verified.
  moddir="$(cd "$K8S_DIR" && GOSUMDB=off GOFLAGS=-mod=readonly "$GO" list -m -f '{{.Dir}}' k8s.io/kubernetes)"
  mkdir -p "$DATA"
  cp "$moddir/api/openapi-spec/swagger.json" "$DATA/swagger.json.new" && chmod 644 "$DATA/swagger.json.new"
  mv -f "$DATA/swagger.json.new" "$DATA/swagger.json"
  printf '%s\n' "$K8S_VERSION" > "$DATA/VERSION"
  stamp_set "kube-$MINOR" "$stamp"
  say "built in $(( $(date +%s) - t0 ))s"
fi
say "kube-apiserver: $("$APISERVER" --version) ($APISERVER)"
say "kubectl: $("$KUBECTL" version --client -o yaml | sed -n 's/^ *gitVersion: //p' | head -1) ($KUBECTL)"
say "OpenAPI: $DATA/swagger.json ($(sha256sum < "$DATA/swagger.json" | cut -c1-16))"
