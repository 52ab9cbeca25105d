#!/usr/bin/env bash
# Tier-2 tool: the Benthos-compatible stream processor the KafkaWorkflow stages run — Bento
# (github.com/warpstreamlabs/bento, MIT), built from the Go module proxy with only the component packages the
# stages use (tools/bento/main.go: pure, io, kafka, redis, prometheus). Output: $BIN/bento.
#
# Skips the build when $BIN/bento exists and was built from the same tools/bento sources (a sha256 stamp).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SRC="$REPO_ROOT/tools/bento"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
BENTO_VERSION="$(sed -n 's/^require github.com\/warpstreamlabs\/bento \(v[0-9.]*\).*/\1/p; s/^\tgithub.com\/warpstreamlabs\/bento \(v[0-9.]*\)$/\1/p' "$SRC/go.mod" | head -1)"
[ -n "$BENTO_VERSION" ] || { echo "cannot read the bento version from $SRC/go.mod" >&2; exit 1; }

stamp="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
if [ -x "$BIN/bento" ] && stamp_ok bento "$stamp"; then
  say "bento $BENTO_VERSION: already built (stamp matches), skipping"
  exit 0
fi

if ! [ -x "$GO" ]; then
  echo "Go is needed to build bento (go.mod asks for $(sed -n 's/^go //p' "$SRC/go.mod")); none at $GO" >&2
  exit 1
fi

say "bento $BENTO_VERSION: building with $("$GO" version) from the Go module proxy"
t0=$(date +%s)
# GOFLAGS=-mod=readonly: tools/bento/go.sum pins every module's hash, the build never rewrites it.
# GOSUMDB=off: only the module proxy is reachable on the test machines; go.sum is the check.
# cgo stays on when a C compiler is there: with GODEBUG=netdns=cgo the binary resolves names through libc, so
# nss_wrapper can map pod DNS names in the rendered configs to 127.0.0.x (test/harness/daemons.ts).
(cd "$SRC" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOSUMDB=off \
  "$GO" build -trimpath -ldflags "-s -w -X main.Version=$BENTO_VERSION" -o "$BIN/bento.new" .)
mv "$BIN/bento.new" "$BIN/bento"
"$BIN/bento" --version >/dev/null

stamp_set bento "$stamp"
say "bento $BENTO_VERSION: installed $BIN/bento ($(( $(date +%s) - t0 ))s)"
say "  kafka inputs/outputs: $("$BIN/bento" list inputs outputs 2>/dev/null | grep -o 'kafka[a-z_]*' | sort -u | tr '\n' ' ')"
