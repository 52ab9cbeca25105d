#!/bin/sh
# WorkQueueJobs seeder: one atomic EVAL of seed.lua pushes every item of ../items/items.txt, once per seed run.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_PENDING QUEUE_SEEDS SEED_RUN SEED_COUNT [QUEUE_CLI] [REDISCLI_AUTH]
# QUEUE_CLI: the engine's client (redis-cli, valkey-cli); valkey-cli also reads REDISCLI_AUTH.
set -eu
dir=$(dirname -- "$0")
cli() { "${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" "$@"; }
tries=0
until out=$(cli PING 2>&1) && [ "$out" = PONG ]; do
  case "$out" in *NOAUTH*|*WRONGPASS*|*"invalid password"*) echo "seed: $out" >&2; exit 1 ;; esac
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "seed: $QUEUE_HOST:$QUEUE_PORT did not answer PING after $tries tries: $out" >&2
    exit 1
  fi
  sleep 2
done
if ! out=$(cli -x EVAL "$(cat "$dir/seed.lua")" 2 "$QUEUE_PENDING" "$QUEUE_SEEDS" "$SEED_RUN" "$SEED_COUNT" < "$dir/../items/items.txt" 2>&1); then
  echo "seed: $out" >&2
  exit 1
fi
echo "seed: $out"
