#!/usr/bin/env bash
# Tier-2 tool: kube-score (Gustav Westling, MIT), a static checker of Kubernetes objects, built from the Go module
# proxy. Output: $BIN/kube-score.
#
# `go mod download -json` fetches the tagged module and its h1: hash is checked against the one pinned below (only
# the module proxy is reachable, so GOSUMDB is off); `go install` then builds it from that cached copy, checking
# every dependency against the module's own go.sum.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBE_SCORE_VERSION=v1.20.0
KUBE_SCORE_SUM="h1:J1VqK86SunV4Gg8emPTmwUVxe0rmXnAs5K9ZUbGMKR8="
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$KUBE_SCORE_VERSION-$(sha256sum < "${BASH_SOURCE[0]}" | cut -c1-16)"

if [ -x "$BIN/kube-score" ] && stamp_ok kube-score "$stamp"; then
  say "kube-score $KUBE_SCORE_VERSION: already installed ($BIN/kube-score), skipping"
  exit 0
fi
[ -x "$GO" ] || { echo "Go is needed to build kube-score; none at $GO" >&2; exit 1; }

t0=$(date +%s)
export GOTOOLCHAIN=local CGO_ENABLED=0 GOSUMDB=off
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
json="$(cd "$tmp" && GOFLAGS=-mod=mod "$GO" mod download -json "github.com/zegl/kube-score@$KUBE_SCORE_VERSION")"
sum="$(printf '%s\n' "$json" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p')"
if [ "$sum" != "$KUBE_SCORE_SUM" ]; then
  echo "github.com/zegl/kube-score@$KUBE_SCORE_VERSION: hash '$sum', expected $KUBE_SCORE_SUM" >&2
  exit 1
fi
# main.version is what `kube-score version` prints (else "development").
(cd "$tmp" && GOBIN="$tmp" "$GO" install -trimpath \
  -ldflags "-s -w -X main.version=${KUBE_SCORE_VERSION#v} -X main.commit=none -X main.date=1970-01-01T00:00:00Z" \
  "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION")
mv "$tmp/kube-score" "$BIN/kube-score"

got="$("$BIN/kube-score" version)"
case "$got" in
  "kube-score version: ${KUBE_SCORE_VERSION#v},"*) ;;
  *) echo "kube-score version says '$got', expected ${KUBE_SCORE_VERSION#v}" >&2; exit 1 ;;
esac
stamp_set kube-score "$stamp"
say "kube-score ${KUBE_SCORE_VERSION}: installed $BIN/kube-score ($(( $(date +%s) - t0 ))s)"
