#!/usr/bin/env bash
# Runs every benchmark bench/*.bench.ts in turn (each prints its own table). Benchmarks are not tests: they
# measure and print, and fail only when they cannot run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
for b in bench/*.bench.ts; do
  echo "=== ${b}"
  node --expose-gc -r ts-node/register "$b"
done
