#!/bin/sh
# WorkQueueJobs status: the queue's lengths and counters (queue.lua's status), then the first 100 dead letters.
#   kubectl exec deploy/<name>-redis -- sh -c 'QUEUE_NAME=<queue> QUEUE_HOST=localhost QUEUE_PORT=6379 sh status.sh'
# or run it in any pod of the queue's image with the scripts mounted (the reaper's environment has everything).
# Env: QUEUE_HOST QUEUE_PORT QUEUE_NAME [QUEUE_CLI: redis-cli or valkey-cli, REDISCLI_AUTH]
set -eu
case $0 in */*) dir=${0%/*} ;; *) dir=. ;; esac
n=$QUEUE_NAME
cli() { "${QUEUE_CLI:-redis-cli}" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" "$@"; }
if ! out=$(cli --eval "$dir/queue.lua" "$n:pending" "$n:leased" "$n:attempts" "$n:delayed" "$n:dead" \
    "$n:stats" "$n:seeds" , status status 0 1 1 1 1 '' 0 2>&1); then
  echo "status: $out" >&2
  exit 1
fi
line=
name=
for word in $out; do
  if [ -z "$name" ]; then name=$word; else line="$line${line:+, }$name $word"; name=; fi
done
echo "$n: $line"
if [ "$(cli LLEN "$n:dead")" != 0 ]; then
  echo "dead letters (first 100, oldest first):"
  cli LRANGE "$n:dead" 0 99
fi
