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
