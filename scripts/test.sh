#!/usr/bin/env bash
# The test command: both tiers, on a fresh machine or a warm one.
#   tier 1: strict schema + Pod Security restricted on everything synthesized, snapshots (never updated here),
#           bad-input tests, the runtime programs' type check, eslint, examples synthesized twice and compared;
#   build:  jsii compile, API.md, the JavaScript and Python packages;
#   tier 2: the tools installed (cached; skipped when present), then the real daemons, kube-apiserver,
#           Kafka broker and stream processor, kube-linter, and the Python package in a virtualenv.
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A maintained Node (24 LTS, from the npm registry, cached) first on PATH; the machine's Node 20 is end of life.
source scripts/node.sh
# Only for CDK8S_DP_NODE_VERSION=system on Node 20: silence jsii's end-of-life banner.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export CI="${CI:-}"
mkdir -p test-reports
t0=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - t0 ))s)"; }

step "npm install"
npm install --no-audit --no-fund

step "tier 1: unit tests (npx projen test)"
npx projen test --json --outputFile=test-reports/tier1.json

step "examples: synthesized twice, byte-identical"
npx projen examples
mkdir -p test-reports/examples-first && cp dist/examples/*.k8s.yaml test-reports/examples-first/
npx projen examples
for f in dist/examples/*.k8s.yaml; do cmp "$f" "test-reports/examples-first/$(basename "$f")"; done

step "build: jsii, API.md, packages (js, python)"
npx projen compile
npx projen docgen
npx projen package:js
npx projen package:python

step "tier-2 tools (cached)"
bash scripts/install-test-tools.sh

step "runtime programs: shellcheck (POSIX sh) and luac5.1 -p (the JavaScript ones were type-checked in tier 1)"
npx projen lint:runtime

step "tier 2: real daemons, kube-apiserver, Kafka, kube-linter, Python package"
npx projen test:real --json --outputFile=test-reports/tier2.json

node -e '
const a = require("./test-reports/tier1.json"), b = require("./test-reports/tier2.json");
const passed = a.numPassedTests + b.numPassedTests, failed = a.numFailedTests + b.numFailedTests;
console.log(`tier 1: ${a.numPassedTests} passed, ${a.numFailedTests} failed; tier 2: ${b.numPassedTests} passed, ${b.numFailedTests} failed`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
'
echo "total $(( $(date +%s) - t0 ))s"
