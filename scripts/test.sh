#!/usr/bin/env bash
# The test command: both tiers, on a fresh machine or a warm one.
#   tier 1: strict schema + Pod Security restricted on everything synthesized, snapshots (never updated here),
#           bad-input tests, the runtime programs' type check, eslint, examples synthesized twice and compared;
#   build:  jsii compile, API.md, the JavaScript and Python packages;
#   lines:  every other cdk8s-plus line of lines/lines.json (today 34) generated from the same src/ (scripts/line.ts),
#           type-checked with its tests and examples, jsii-compiled, its tier 1 (its Kubernetes schema, its own
#           snapshots), its examples twice, its JavaScript and Python packages;
#   tier 2: the tools installed (cached; skipped when present), then the real daemons, kube-apiserver 1.27 and the
#           lines' (1.34), Kafka broker and stream processor, kube-linter, the Python packages in virtualenvs and
#           a consumer app on each line.
# Ends with one line "tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# A maintained Node (24 LTS, from the npm registry, cached) first on PATH; the machine's Node 20 is end of life.
source scripts/node.sh
# Only for CDK8S_DP_NODE_VERSION=system on Node 20: silence jsii's end-of-life banner.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export CI="${CI:-}"
mkdir -p test-reports
rm -f test-reports/tier1-line-*.json   # a line no longer in lines/lines.json must not be counted
t0=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - t0 ))s)"; }

step "npm install"
npm install --no-audit --no-fund

step "tier 1: unit tests (npx projen test)"
npx projen test --json --outputFile=test-reports/tier1.json
# The README's bad-input table is the count of the cases this run passed.
npx ts-node --project test/tsconfig.json scripts/bad-input-counts.ts --check test-reports/tier1.json

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

for line in $(node -e 'console.log(Object.keys(require("./lines/lines.json")).filter((k) => /^[0-9]+$/.test(k)).join(" "))'); do
  step "line $line: build (generated copy of src/, type check, jsii)"
  npx projen "line:$line:build"
  step "line $line: tier 1 (its Kubernetes schema, Pod Security restricted, its snapshots)"
  npx projen "line:$line:test" --json "--outputFile=test-reports/tier1-line-$line.json"
  npx projen "line:$line:snapshot-diff"
  step "line $line: examples synthesized twice, byte-identical; packages (js, python)"
  npx projen "line:$line:examples"
  npx projen "line:$line:package"
done

step "tier-2 tools (cached)"
bash scripts/install-test-tools.sh

step "runtime programs: shellcheck (POSIX sh) and luac5.1 -p (the JavaScript ones were type-checked in tier 1)"
npx projen lint:runtime

step "tier 2: real daemons, kube-apiserver 1.27 and 1.34, Kafka, kube-linter, Python packages, the lines' consumer apps"
npx projen test:real --json --outputFile=test-reports/tier2.json

node -e '
const fs = require("fs");
const reports = [["tier 1", "tier1.json"], ...fs.readdirSync("test-reports").filter((f) => /^tier1-line-[0-9]+\.json$/.test(f)).sort()
  .map((f) => [`tier 1 (line ${f.match(/line-([0-9]+)/)[1]})`, f]), ["tier 2", "tier2.json"]].map(([n, f]) => [n, require(`./test-reports/${f}`)]);
const passed = reports.reduce((s, [, r]) => s + r.numPassedTests, 0), failed = reports.reduce((s, [, r]) => s + r.numFailedTests, 0);
console.log(reports.map(([n, r]) => `${n}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`).join("; "));
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
'
echo "total $(( $(date +%s) - t0 ))s"
