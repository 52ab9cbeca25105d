#!/bin/sh
# WorkQueueJobs reference worker (POSIX sh + redis-cli 6.2+). Usage: worker.sh <command> [args...]
# Runs the command once per item, the item in WORK_ITEM (its attempt in WORK_ITEM_ATTEMPT): exit 0 is done, any
# other exit failed (retried after the backoff, dead-lettered after its last attempt). Each hand-off is one
# redis-cli run of queue.lua that settles the last item and leases the next, so an item costs two processes:
# that redis-cli and the command. One renewer loop for the worker's whole life extends the lease and stops the
# command (SIGTERM) when the lease was lost. A lost connection is retried with backoff until the queue answers;
# exits 0 when the queue is drained (QUEUE_EXIT_WHEN=drained), when nothing was pending for 5 s (=empty) or after
# QUEUE_MAX_ITEMS items, 2 on a usage or configuration error (a refused password), 3 when the queue lost its seed run.
# Env: QUEUE_HOST QUEUE_PORT QUEUE_NAME QUEUE_LEASE_SECONDS [QUEUE_MAX_ATTEMPTS QUEUE_RETRY_BACKOFF_MS
#      QUEUE_RETRY_BACKOFF_MAX_MS QUEUE_MAX_ITEMS QUEUE_EXIT_WHEN QUEUE_PASSWORD WORKER_ID SEED_RUN QUEUE_CLI]
set -u
if [ "$#" -eq 0 ]; then echo "usage: worker.sh <command> [args...]" >&2; exit 2; fi
for v in QUEUE_HOST QUEUE_PORT QUEUE_NAME QUEUE_LEASE_SECONDS; do
  eval "x=\${$v:-}"
  if [ -z "$x" ]; then echo "worker: $v is not set" >&2; exit 2; fi
done
if [ -n "${QUEUE_PASSWORD:-}" ]; then export REDISCLI_AUTH="$QUEUE_PASSWORD"; fi
unset QUEUE_PASSWORD
id=${WORKER_ID:-$(hostname)}
case $0 in */*) dir=${0%/*} ;; *) dir=. ;; esac
lua=$dir/queue.lua
cli=${QUEUE_CLI:-redis-cli}
n=$QUEUE_NAME
lease_ms=$((QUEUE_LEASE_SECONDS * 1000))
attempts=${QUEUE_MAX_ATTEMPTS:-3}
backoff=${QUEUE_RETRY_BACKOFF_MS:-10000}
backoff_max=${QUEUE_RETRY_BACKOFF_MAX_MS:-300000}
seed=${SEED_RUN:-}
max=${QUEUE_MAX_ITEMS:-0}
renew=$((QUEUE_LEASE_SECONDS / 3))
if [ "$renew" -lt 1 ]; then renew=1; fi
nl='
'
state=${TMPDIR:-/tmp}/work-queue-worker.$$
: > "$state"
main=$$

# The renewer: every lease/3 it extends the lease of the item in $state ("<command pid>\n<item>\n"); when the
# queue says the lease was lost it stops that command. A renewal the queue does not answer is retried next tick.
(
  while sleep "$renew" < /dev/null > /dev/null 2>&1; do
    kill -0 "$main" 2> /dev/null || break
    pid='' cur=''
    { IFS= read -r pid && IFS= read -r cur; } < "$state" || continue
    if ! r=$("$cli" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$lua" "$n:pending" "$n:leased" \
        "$n:attempts" "$n:delayed" "$n:dead" "$n:stats" "$n:seeds" , renew "$id" "$lease_ms" "$attempts" "$backoff" \
        "$backoff_max" 100 "$seed" 0 "$cur" 2>&1); then
      echo "worker $id: renewal failed (retrying): $r" >&2
    elif [ -n "$r" ]; then
      echo "worker $id: lease lost: $cur; stopping its command" >&2
      kill -TERM "$pid" 2> /dev/null
    fi
  done
) &
renewer=$!
trap 'kill "$renewer" 2> /dev/null; rm -f "$state"' EXIT
trap 'exit 143' TERM

taken=0
failed=0
idle=0
errors=0
prev=
outcome=
want=1
while :; do
  if [ "$max" -gt 0 ] && [ "$taken" -ge "$max" ]; then want=0; fi
  # settle the last item and lease the next in one round trip
  if [ -n "$prev" ]; then
    out=$("$cli" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$lua" "$n:pending" "$n:leased" "$n:attempts" \
      "$n:delayed" "$n:dead" "$n:stats" "$n:seeds" , take "$id" "$lease_ms" "$attempts" "$backoff" "$backoff_max" 100 \
      "$seed" "$want" "$prev" "$outcome" 2>&1)
  else
    out=$("$cli" -e -h "$QUEUE_HOST" -p "$QUEUE_PORT" --eval "$lua" "$n:pending" "$n:leased" "$n:attempts" \
      "$n:delayed" "$n:dead" "$n:stats" "$n:seeds" , take "$id" "$lease_ms" "$attempts" "$backoff" "$backoff_max" 100 \
      "$seed" "$want" 2>&1)
  fi
  out=$out$nl
  stale=${out%%"$nl"*}
  case $stale in
    '' | *[!0-9]*)
      case $out in *NOAUTH* | *WRONGPASS* | *"invalid password"*) echo "worker $id: the queue refused the password: $out" >&2; exit 2 ;; esac
      # the queue is restarting, loading or unreachable: back off (1, 2, 4, 8 s, then 10 s) and try again
      errors=$((errors + 1))
      if [ "$errors" -eq 1 ]; then printf 'worker %s: queue unavailable (%s); retrying\n' "$id" "${out%"$nl"}" >&2; fi
      s=$((1 << (errors < 4 ? errors - 1 : 3)))
      if [ "$errors" -gt 4 ]; then s=10; fi
      sleep "$s"
      continue
      ;;
  esac
  if [ "$errors" -gt 0 ]; then echo "worker $id: queue answers again" >&2; errors=0; fi
  if [ "$stale" -gt 0 ]; then echo "worker $id: settlement refused (the lease had run out): $prev" >&2; fi
  prev=
  if [ "$want" -eq 0 ]; then break; fi
  rest=${out#*"$nl"}
  remaining=${rest%%"$nl"*}
  rest=${rest#*"$nl"}
  rest=${rest#*"$nl"}
  known=${rest%%"$nl"*}
  rest=${rest#*"$nl"}
  if [ -z "$rest" ]; then
    if [ "$known" = 0 ]; then echo "worker $id: the queue lost its seed run $seed (restarted without persistence, or flushed): the items not yet done are gone" >&2; exit 3; fi
    if [ "${QUEUE_EXIT_WHEN:-drained}" = drained ] && [ "$remaining" = 0 ]; then break; fi
    idle=$((idle + 1))
    if [ "${QUEUE_EXIT_WHEN:-drained}" = empty ] && [ "$idle" -ge 5 ]; then break; fi
    sleep 1
    continue
  fi
  idle=0
  item=${rest%%"$nl"*}
  rest=${rest#*"$nl"}
  attempt=${rest%%"$nl"*}
  taken=$((taken + 1))
  WORK_ITEM=$item WORK_ITEM_ATTEMPT=$attempt "$@" 0<&0 &
  pid=$!
  printf '%s\n%s\n' "$pid" "$item" > "$state"
  wait "$pid"
  rc=$?
  : > "$state"
  prev=$item
  if [ "$rc" -eq 0 ]; then
    outcome='done'
  else
    echo "worker $id: command failed ($rc) for item (attempt $attempt): $item" >&2
    outcome=failed
    failed=$((failed + 1))
  fi
done
echo "worker $id: $taken items, $failed failed"
