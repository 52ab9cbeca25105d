# Shared helpers for scripts/install/*.sh (sourced, not run).
set -euo pipefail
export CDK8S_DP_TOOLS="${CDK8S_DP_TOOLS:-$HOME/.cache/cdk8s-distributed-patterns/tools}"
BIN="$CDK8S_DP_TOOLS/bin"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$BIN"

# stamp_ok NAME VALUE: true when the step NAME was already done for VALUE (a version string, a file hash).
stamp_ok() { [ -f "$CDK8S_DP_TOOLS/.stamp-$1" ] && [ "$(cat "$CDK8S_DP_TOOLS/.stamp-$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$CDK8S_DP_TOOLS/.stamp-$1"; }
say() { echo "    $*"; }

# ensure_java_maven: Java 17+ and Maven, from Debian when missing (the Kafka jars and Strimzi's CRD generator).
ensure_java_maven() {
  local need=()
  if ! command -v java >/dev/null 2>&1 || ! java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then
    need+=(openjdk-17-jre-headless)
  fi
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  if [ ${#need[@]} -gt 0 ]; then
    say "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# installed PKG: true when the Debian package PKG is installed.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

# apt_install_missing STEP DONE PKG...: installs from Debian those of PKG... that are missing (as root, else STEP
# fails naming them), with the maintainer scripts kept from starting the daemons as system services (a policy-rc.d
# that exits 101, unless one is already there); says DONE when nothing is missing.
apt_install_missing() {
  local step="$1" done_msg="$2" p
  shift 2
  local missing=()
  for p in "$@"; do installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "$done_msg"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "$step: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  say "apt: installing ${missing[*]}"
  _apt_created_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# created by cdk8s-distributed-patterns scripts/install/%s\nexit 101\n' "$step" > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    _apt_created_policy=1
  fi
  trap _apt_cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get "${opts[@]}" update -qq
  apt-get "${opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  _apt_cleanup_policy
  trap - EXIT
}
_apt_cleanup_policy() { if [ -n "${_apt_created_policy:-}" ]; then rm -f /usr/sbin/policy-rc.d; fi; }

# go_module_dir MODULE VERSION SUM: download through the module proxy with $GO, check the pinned hash, print the
# directory.
go_module_dir() {
  local json sum dir tmp
  tmp="$(mktemp -d)"
  json="$(cd "$tmp" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GOSUMDB=off "$GO" mod download -json "$1@$2")"
  rm -rf "$tmp"
  sum="$(printf '%s\n' "$json" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p')"
  dir="$(printf '%s\n' "$json" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  if [ "$sum" != "$3" ]; then
    echo "$1@$2: hash $sum, expected $3" >&2
    return 1
  fi
  printf '%s' "$dir"
}

# kube_build K8S_DIR K8S_VERSION OUT: builds kube-apiserver and kubectl from the Go module in K8S_DIR (tools/k8s*)
# into the directory OUT with $GO, then checks that both run and report K8S_VERSION (set GOTOOLCHAIN for the
# toolchain). The install steps hash this function's text into their stamps (`declare -f kube_build`).
# - GOSUMDB=off: only the module proxy is reachable; the module's go.sum pins every module's hash, and
#   -mod=readonly refuses anything not in it.
# - Go 1.26 links 1.27.16 as is; should a newer Go refuse a //go:linkname pull, add -checklinkname=0 below.
# - -X ...: the version the binaries report (discovery's /version, kubectl version), else v0.0.0-master.
kube_build() {
  local dir="$1" version="$2" out="$3" ver_flags="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ver_flags+=" -X $pkg.gitVersion=${version} -X $pkg.gitMajor=1"
    ver_flags+=" -X $pkg.gitMinor=$(echo "$version" | cut -d. -f2) -X $pkg.gitTreeState=clean"
    ver_flags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z -X $pkg.gitCommit="
  done
  (
    cd "$dir"
    GOSUMDB=off GOFLAGS="-mod=readonly -buildvcs=false" \
      "$GO" build -trimpath -ldflags="-s -w${ver_flags}" -o "$out/" ./cmd/kube-apiserver ./cmd/kubectl
  )
  "$out/kube-apiserver" --version | grep -F "Kubernetes ${version}" >/dev/null
  "$out/kubectl" version --client -o yaml | grep -F "gitVersion: ${version}" >/dev/null
}
