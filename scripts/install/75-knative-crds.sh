#!/usr/bin/env bash
# Tier-2 test data: Knative Serving's CustomResourceDefinitions (Service, Configuration, Revision, Route, …) for the
# test kube-apiserver, from the Go module knative.dev/serving (config/core/300-resources/), checked against the
# pinned h1: hash (only the module proxy is reachable). Test-time files only, never committed. They land in
# $CDK8S_DP_TOOLS/crds/knative/ beside the other CRDs (so every suite that installs crds/* gets them); 60-crds.sh
# replaces crds/ when it re-runs, and then this step (run after it) puts them back.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The shared install lock (scripts/install-test-tools.sh): run from there, this step inherits fd 9 holding it (flock
# on an inherited descriptor succeeds at once); run on its own, it opens the lock file and waits for it, so it never
# replaces crds/knative/ while another install writes crds/ or a test reads it.
if ! { true >&9; } 2>/dev/null; then exec 9>"$CDK8S_DP_TOOLS/.install.lock"; fi
if ! flock -n 9; then
  echo "waiting for another install of the tier-2 tools (lock $CDK8S_DP_TOOLS/.install.lock)"
  flock 9
fi

KNATIVE_SERVING_VERSION=v0.51.0
KNATIVE_SERVING_SUM="h1:yN2Q7eYqJgoPfZkATjoBZyGbZ2P1Qhns9HIMU4mF+to="

OUT="$CDK8S_DP_TOOLS/crds/knative"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
stamp="$(cat "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
expected=(service.yaml configuration.yaml revision.yaml route.yaml)
all_there() { for f in "${expected[@]}"; do [ -s "$OUT/$f" ] || return 1; done; }

if stamp_ok knative-crds "$stamp" && all_there; then
  say "Knative Serving $KNATIVE_SERVING_VERSION CRDs: already in $OUT"
  exit 0
fi
[ -x "$GO" ] || { echo "Go is needed to fetch the knative.dev/serving module; none at $GO" >&2; exit 1; }

dir="$(go_module_dir knative.dev/serving "$KNATIVE_SERVING_VERSION" "$KNATIVE_SERVING_SUM")"

rm -rf "$OUT.new"
mkdir -p "$OUT.new"
# Only the serving.knative.dev CRDs a Service needs (the autoscaling ones are internal to Knative's controllers).
for f in "${expected[@]}"; do cp "$dir/config/core/300-resources/$f" "$OUT.new/$f"; chmod 0644 "$OUT.new/$f"; done
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
all_there || { echo "some Knative CRD files are missing or empty in $OUT" >&2; exit 1; }
stamp_set knative-crds "$stamp"
say "Knative Serving $KNATIVE_SERVING_VERSION CRDs in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
