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
