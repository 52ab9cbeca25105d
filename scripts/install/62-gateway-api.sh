#!/usr/bin/env bash
# Tier-2 test data: the Gateway API CustomResourceDefinitions (standard channel) of sigs.k8s.io/gateway-api
# v1.6.3, from the Go module proxy (checked against the pinned h1: hash): GatewayClass, Gateway, HTTPRoute and
# ReferenceGrant — what RequestSplitter.addHttpRoute emits and refers to — in $CDK8S_DP_TOOLS/crds/gateway-api/ (the
# 27 line's API server) and $CDK8S_DP_TOOLS/crds-current/gateway-api/ (the 34 line's), so every suite that installs
# those directories (the examples' dry run, the lines) has them. It runs after 60-crds.sh and 61-crds-current.sh,
# which replace their directories: a missing file here is installed again.
# The module needs no newer Go than the machine's: `go mod download` only fetches it (GOTOOLCHAIN=local).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GATEWAY_API_VERSION=v1.6.3
GATEWAY_API_SUM="h1:lKpJa5bGlraC/QeACvCpsHLdmO6y0iKfzVl6gzaFEYc="

TARGETS=("$CDK8S_DP_TOOLS/crds/gateway-api" "$CDK8S_DP_TOOLS/crds-current/gateway-api")
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$(sha256sum < "${BASH_SOURCE[0]}" | cut -c1-16)"
expected=(gateway.networking.k8s.io_gatewayclasses.yaml gateway.networking.k8s.io_gateways.yaml
  gateway.networking.k8s.io_httproutes.yaml gateway.networking.k8s.io_referencegrants.yaml)
all_there() { local d f; for d in "${TARGETS[@]}"; do for f in "${expected[@]}"; do [ -s "$d/$f" ] || return 1; done; done; }

if stamp_ok crds-gateway-api "$stamp" && all_there; then
  say "Gateway API CRDs $GATEWAY_API_VERSION: already in ${TARGETS[*]}"
  exit 0
fi
[ -x "$GO" ] || { echo "Go is needed to fetch sigs.k8s.io/gateway-api; none at $GO" >&2; exit 1; }
dir="$(go_module_dir sigs.k8s.io/gateway-api "$GATEWAY_API_VERSION" "$GATEWAY_API_SUM")"
for CRDS in "${TARGETS[@]}"; do
  mkdir -p "$(dirname "$CRDS")"
  rm -rf "$CRDS.new"
  mkdir -p "$CRDS.new"
  for f in "${expected[@]}"; do cp "$dir/config/crd/standard/$f" "$CRDS.new/"; done
  chmod 644 "$CRDS.new"/*.yaml
  rm -rf "$CRDS"
  mv "$CRDS.new" "$CRDS"
done
all_there || { echo "some CRD files are missing or empty in ${TARGETS[*]}" >&2; exit 1; }
stamp_set crds-gateway-api "$stamp"
say "Gateway API CRDs $GATEWAY_API_VERSION (standard channel) installed in ${TARGETS[*]}:"
for f in "${expected[@]}"; do
  say "  $f: $(sed -n 's/^    kind: //p' "${TARGETS[0]}/$f" | head -1) $(sed -nE 's/^(  - |    )name: (v[0-9a-z]+)$/\2/p' "${TARGETS[0]}/$f" | tr '\n' ' ')"
done
