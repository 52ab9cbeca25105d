#!/bin/sh
# WorkQueueJobs reaper: runs queue.lua's reap (<cli> --eval) until it has nothing more to do. Each run handles at
# most REAPER_BATCH expired leases and due retries (default 100), so redis is never blocked for long; an expired
# lease is retried after the backoff or, after its last attempt, dead-lettered.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_NAME [QUEUE_MAX_ATTEMPTS QUEUE_RETRY_BACKOFF_MS QUEUE_RETRY_BACKOFF_MAX_MS
#      REAPER_BATCH QUEUE_CLI: redis-cli or valkey-cli, REDISCLI_AUTH]
set -eu
case $0 in */*) dir=${0%/*} ;; *) dir=. ;; esac
n=$QUEUE_NAME
nl='
'
expired=0 buried=0 due=0 runs=0
while :; do
  if ! out=$("${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$dir/queue.lua" "$n:pending" "$n:leased" "$n:attempts" \
      "$n:delayed" "$n:dead" "$n:stats" "$n:seeds" , reap reaper 0 "${QUEUE_MAX_ATTEMPTS:-3}" \
      "${QUEUE_RETRY_BACKOFF_MS:-10000}" "${QUEUE_RETRY_BACKOFF_MAX_MS:-300000}" "${REAPER_BATCH:-100}" '' 0 2>&1); then
    echo "reap: $out" >&2
    exit 1
  fi
  runs=$((runs + 1))
  out=$out$nl
  expired=$((expired + ${out%%"$nl"*})); out=${out#*"$nl"}
  buried=$((buried + ${out%%"$nl"*})); out=${out#*"$nl"}
  due=$((due + ${out%%"$nl"*})); out=${out#*"$nl"}
  if [ "${out%%"$nl"*}" != 1 ] || [ "$runs" -ge 100000 ]; then break; fi
done
echo "reap: expired $expired (dead-lettered $buried), retries due $due, in $runs runs"
