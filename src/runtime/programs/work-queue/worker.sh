#!/bin/sh
# WorkQueueJobs reference worker (POSIX sh + redis-cli 6.2+). Usage: worker.sh <command> [args...]
# For each item: BLMOVE pending -> processing, SET the lease, run the command with WORK_ITEM=<item> while
# renewing the lease, then acknowledge (LREM processing, DEL lease); a failing command also RPUSHes the item
# to the failed list first. Exits when QUEUE_MAX_ITEMS items are done, or per QUEUE_EXIT_WHEN.
set -u
if [ "$#" -eq 0 ]; then echo "usage: worker.sh <command> [args...]" >&2; exit 2; fi
if [ -n "${QUEUE_PASSWORD:-}" ]; then export REDISCLI_AUTH="$QUEUE_PASSWORD"; fi
id=${WORKER_ID:-$(hostname)}
max=${QUEUE_MAX_ITEMS:-0}
renew=$((QUEUE_LEASE_SECONDS / 3))
if [ "$renew" -lt 1 ]; then renew=1; fi
cli() { redis-cli -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" "$@"; }
taken=0
failed=0
while [ "$max" -eq 0 ] || [ "$taken" -lt "$max" ]; do
  if ! item=$(cli BLMOVE "$QUEUE_PENDING" "$QUEUE_PROCESSING" RIGHT LEFT 5); then
    echo "worker $id: BLMOVE failed: $item" >&2; exit 1
  fi
  if [ -z "$item" ]; then
    if [ "$QUEUE_EXIT_WHEN" = empty ]; then break; fi
    left=$(cli EVAL "return redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])" 2 "$QUEUE_PENDING" "$QUEUE_PROCESSING") \
      || { echo "worker $id: EVAL failed: $left" >&2; exit 1; }
    if [ "$left" = 0 ]; then break; fi
    continue
  fi
  lease="$QUEUE_LEASE_PREFIX$item"
  cli SET "$lease" "$id" EX "$QUEUE_LEASE_SECONDS" > /dev/null || { echo "worker $id: SET lease failed" >&2; exit 1; }
  # the renewer ticks every second (a killed renewer leaves at most a 1 s sleep behind, holding no pipe)
  (n=0; while sleep 1 < /dev/null > /dev/null 2>&1; do
    kill -0 $$ 2> /dev/null || exit 0
    n=$((n + 1))
    if [ "$n" -ge "$renew" ]; then n=0; cli EXPIRE "$lease" "$QUEUE_LEASE_SECONDS" > /dev/null; fi
  done) &
  renewer=$!
  WORK_ITEM=$item "$@"
  rc=$?
  kill "$renewer" 2> /dev/null
  wait "$renewer" 2> /dev/null
  if [ "$rc" -ne 0 ]; then
    echo "worker $id: command failed ($rc) for item: $item" >&2
    cli RPUSH "$QUEUE_FAILED" "$item" > /dev/null || exit 1
    failed=$((failed + 1))
  fi
  cli LREM "$QUEUE_PROCESSING" 1 "$item" > /dev/null || exit 1
  cli DEL "$lease" > /dev/null || exit 1
  taken=$((taken + 1))
done
echo "worker $id: $taken items, $failed failed"
