#!/bin/sh
# WorkQueueJobs: hold a parallel Job's workers until their seed run is on the queue (the seeds hash has it). Fails
# at once when the queue refuses the password, and after SEED_WAIT_SECONDS (default 900) without the run: the pod
# fails and counts against the Job's backoffLimit instead of waiting forever for a seeder that failed.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_SEEDS SEED_RUN [SEED_WAIT_SECONDS QUEUE_CLI: redis-cli or valkey-cli, REDISCLI_AUTH]
set -u
said=
waited=0
limit=${SEED_WAIT_SECONDS:-900}
until out=$("${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" HEXISTS "$QUEUE_SEEDS" "$SEED_RUN" 2>&1) && [ "$out" = 1 ]; do
  case "$out" in *NOAUTH* | *WRONGPASS* | *"invalid password"*) echo "wait-seed: the queue refused the password: $out" >&2; exit 1 ;; esac
  if [ "$waited" -ge "$limit" ]; then
    echo "wait-seed: run $SEED_RUN not seeded after ${waited}s (last answer: $out): did the seeder Job fail?" >&2
    exit 1
  fi
  if [ "$said" != "$out" ]; then echo "wait-seed: run $SEED_RUN not seeded yet ($out)"; said=$out; fi
  sleep 2
  waited=$((waited + 2))
done
echo "wait-seed: run $SEED_RUN is seeded"
