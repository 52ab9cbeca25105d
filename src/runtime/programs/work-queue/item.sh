#!/bin/sh
# WorkQueueJobs, Indexed mode: the init container that writes this pod's item, line JOB_COMPLETION_INDEX + 1 of
# WORK_ITEMS_FILE, to WORK_ITEM_FILE (without its line end). Fails when the line does not exist.
# Env: JOB_COMPLETION_INDEX WORK_ITEMS_FILE WORK_ITEM_FILE
set -eu
line=$((JOB_COMPLETION_INDEX + 1))
n=0
found=
while IFS= read -r item || [ -n "$item" ]; do
  n=$((n + 1))
  if [ "$n" -eq "$line" ]; then found=1; break; fi
done < "$WORK_ITEMS_FILE"
if [ -z "$found" ] || [ -z "$item" ]; then
  echo "no item on line $line of $WORK_ITEMS_FILE" >&2
  exit 1
fi
printf '%s' "$item" > "$WORK_ITEM_FILE"
