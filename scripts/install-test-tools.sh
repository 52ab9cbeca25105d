#!/usr/bin/env bash
# Installs the tier-2 test tools: idempotent (each step skips what is already there), cached under one directory
# outside the work tree so a fresh clone on the same machine reuses it, and prints what it installed.
#
#   CDK8S_DP_TOOLS   cache directory (default: $HOME/.cache/cdk8s-distributed-patterns/tools)
#                    binaries land in $CDK8S_DP_TOOLS/bin, downloads and CRDs beside them.
#
# Every step is one file in scripts/install/, run in name order; each one sources lib.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CDK8S_DP_TOOLS="${CDK8S_DP_TOOLS:-$HOME/.cache/cdk8s-distributed-patterns/tools}"
mkdir -p "$CDK8S_DP_TOOLS/bin"
# One install at a time per cache: two checkouts (or two test runs) on one machine share it, and a step that
# replaces a directory must not run while another run installs or reads it. The lock is held until this exits.
exec 9>"$CDK8S_DP_TOOLS/.install.lock"
if ! flock -n 9; then
  echo "waiting for another install of the tier-2 tools (lock $CDK8S_DP_TOOLS/.install.lock)"
  flock 9
fi
start=$(date +%s)
for step in "$here"/install/[0-9][0-9]-*.sh; do
  name="$(basename "$step" .sh)"
  t0=$(date +%s)
  echo "==> ${name}"
  bash "$step"
  echo "<== ${name} ($(( $(date +%s) - t0 ))s)"
done
echo "tier-2 tools ready in ${CDK8S_DP_TOOLS} ($(( $(date +%s) - start ))s)"
