#!/usr/bin/env bash
# Tier-2 tool: kube-linter (StackRox, Apache-2.0), built from the Go module proxy. Output: $BIN/kube-linter.
#
# The canonical `go install golang.stackrox.io/kube-linter/cmd/kube-linter@VERSION` is tried first. The module
# proxy of the test machines refuses the vanity host golang.stackrox.io ("Go module host not permitted"), but it
# serves the same tagged source as github.com/stackrox/kube-linter; that zip declares its module path as
# golang.stackrox.io/kube-linter, so `go install` of it fails on the path check. The fallback downloads it (hash
# pinned below), copies it to a scratch directory and builds it there as the main module, with its own go.sum.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBE_LINTER_VERSION=v0.8.3
KUBE_LINTER_GITHUB_SUM="h1:8KmgOGsVya6gAG1xtHyOmjAVAdNH7u/hWS7mx3+X6h8="
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$KUBE_LINTER_VERSION-$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"

if [ -x "$BIN/kube-linter" ] && stamp_ok kube-linter "$stamp"; then
  say "kube-linter $KUBE_LINTER_VERSION: already installed ($BIN/kube-linter), skipping"
  exit 0
fi
[ -x "$GO" ] || { echo "Go is needed to build kube-linter; none at $GO" >&2; exit 1; }

t0=$(date +%s)
ldflags="-s -w -X golang.stackrox.io/kube-linter/internal/version.version=$KUBE_LINTER_VERSION"
export GOTOOLCHAIN=local CGO_ENABLED=0
if log="$(GOBIN="$BIN" "$GO" install -trimpath -ldflags "$ldflags" \
    "golang.stackrox.io/kube-linter/cmd/kube-linter@$KUBE_LINTER_VERSION" 2>&1)"; then
  say "kube-linter $KUBE_LINTER_VERSION: go install golang.stackrox.io/kube-linter/cmd/kube-linter"
else
  say "kube-linter: go install golang.stackrox.io/… failed (…$(printf '%s' "$log" | tail -1 | grep -o '.\{0,90\}$'))"
  say "kube-linter $KUBE_LINTER_VERSION: building from github.com/stackrox/kube-linter@$KUBE_LINTER_VERSION instead"
  tmp="$(mktemp -d)"
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  json="$(cd "$tmp" && GOFLAGS=-mod=mod GOSUMDB=off "$GO" mod download -json \
    "github.com/stackrox/kube-linter@$KUBE_LINTER_VERSION")"
  sum="$(printf '%s\n' "$json" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p')"
  dir="$(printf '%s\n' "$json" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  if [ "$sum" != "$KUBE_LINTER_GITHUB_SUM" ]; then
    echo "github.com/stackrox/kube-linter@$KUBE_LINTER_VERSION: hash '$sum', expected $KUBE_LINTER_GITHUB_SUM" >&2
    exit 1
  fi
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  # -mod=readonly: the module's own go.sum pins every dependency; GOSUMDB=off: only the proxy is reachable.
  (cd "$tmp/src" && GOFLAGS=-mod=readonly GOSUMDB=off \
    "$GO" build -trimpath -ldflags "$ldflags" -o "$BIN/kube-linter.new" ./cmd/kube-linter)
  mv "$BIN/kube-linter.new" "$BIN/kube-linter"
fi

got="$("$BIN/kube-linter" version)"
[ "$got" = "$KUBE_LINTER_VERSION" ] || { echo "kube-linter version says '$got', expected $KUBE_LINTER_VERSION" >&2; exit 1; }
stamp_set kube-linter "$stamp"
say "kube-linter $got: installed $BIN/kube-linter ($(( $(date +%s) - t0 ))s)"
