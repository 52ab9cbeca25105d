#!/usr/bin/env bash
# Tier-2 tool: cyclonus (Matt Fenwick, MIT), a NetworkPolicy analyser, built from the Go module proxy. Output:
# $BIN/cyclonus. The tests use it offline only: `cyclonus analyze --mode probe --policy-path … --probe-path …`
# simulates the connectivity truth table of a set of NetworkPolicies over pods given in a JSON file
# (test/harness/netpol.ts); it never talks to a cluster there.
#
# `go mod download -json` fetches the tagged module and its h1: hash is checked against the one pinned below (only
# the module proxy is reachable, so GOSUMDB is off); `go install` then builds it from that cached copy, checking
# every dependency against the module's own go.sum. Its go.mod asks for Go 1.22: the machine's Go builds it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CYCLONUS_VERSION=v0.5.6
CYCLONUS_SUM="h1:8bZ+v2Kcn4H7Z+OhX1l3BQrAHqUdmBwdBBiDIk3Wj7s="
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$CYCLONUS_VERSION-$(sha256sum < "${BASH_SOURCE[0]}" | cut -c1-16)"

if [ -x "$BIN/cyclonus" ] && stamp_ok cyclonus "$stamp"; then
  say "cyclonus $CYCLONUS_VERSION: already installed ($BIN/cyclonus), skipping"
  exit 0
fi
[ -x "$GO" ] || { echo "Go is needed to build cyclonus; none at $GO" >&2; exit 1; }

t0=$(date +%s)
export GOTOOLCHAIN=local CGO_ENABLED=0 GOSUMDB=off
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
json="$(cd "$tmp" && GOFLAGS=-mod=mod "$GO" mod download -json "github.com/mattfenwick/cyclonus@$CYCLONUS_VERSION")"
sum="$(printf '%s\n' "$json" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p')"
if [ "$sum" != "$CYCLONUS_SUM" ]; then
  echo "github.com/mattfenwick/cyclonus@$CYCLONUS_VERSION: hash '$sum', expected $CYCLONUS_SUM" >&2
  exit 1
fi
# cli.version is what `cyclonus version` prints (else "development").
pkg=github.com/mattfenwick/cyclonus/pkg/cli
(cd "$tmp" && GOBIN="$tmp" "$GO" install -trimpath \
  -ldflags "-s -w -X $pkg.version=$CYCLONUS_VERSION -X $pkg.gitSHA=none -X $pkg.buildTime=1970-01-01T00:00:00Z" \
  "github.com/mattfenwick/cyclonus/cmd/cyclonus@$CYCLONUS_VERSION")
mv "$tmp/cyclonus" "$BIN/cyclonus"

"$BIN/cyclonus" version | grep -F "\"Version\": \"$CYCLONUS_VERSION\"" >/dev/null \
  || { echo "cyclonus version does not say $CYCLONUS_VERSION: $("$BIN/cyclonus" version)" >&2; exit 1; }
stamp_set cyclonus "$stamp"
say "cyclonus ${CYCLONUS_VERSION}: installed $BIN/cyclonus ($(( $(date +%s) - t0 ))s)"
