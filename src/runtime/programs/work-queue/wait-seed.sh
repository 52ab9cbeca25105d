#!/bin/sh
# WorkQueueJobs: hold a parallel Job's workers until their seed run is on the queue (the seeds hash has it).
# Env: QUEUE_HOST QUEUE_PORT QUEUE_SEEDS SEED_RUN [QUEUE_CLI: redis-cli or valkey-cli] [REDISCLI_AUTH]
set -u
said=
until out=$("${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" HEXISTS "$QUEUE_SEEDS" "$SEED_RUN" 2>&1) && [ "$out" = 1 ]; do
  if [ "$said" != "$out" ]; then echo "wait-seed: run $SEED_RUN not seeded yet ($out)"; said=$out; fi
  sleep 2
done
echo "wait-seed: run $SEED_RUN is seeded"
