#!/bin/sh
# WorkQueueJobs reaper: one atomic run of reap.lua (<cli> --eval) re-queues the items whose lease expired.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_PENDING QUEUE_PROCESSING QUEUE_UNLEASED QUEUE_STATS QUEUE_LEASE_PREFIX
#      REAPER_GRACE_SECONDS [QUEUE_CLI: redis-cli or valkey-cli] [REDISCLI_AUTH]
set -eu
dir=$(dirname -- "$0")
if ! out=$("${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$dir/reap.lua" \
    "$QUEUE_PENDING" "$QUEUE_PROCESSING" "$QUEUE_UNLEASED" "$QUEUE_STATS" , "$QUEUE_LEASE_PREFIX" "$REAPER_GRACE_SECONDS" 2>&1); then
  echo "reap: $out" >&2
  exit 1
fi
echo "reap: $out"
