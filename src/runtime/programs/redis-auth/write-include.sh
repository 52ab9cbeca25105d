#!/bin/sh
# Writes redis's (or valkey's) `requirepass` from the Secret mounted as a file into a config include the server reads
# as its config file, so the password never reaches the server's argv, its environment or a ConfigMap.
#
# Usage: write-include.sh <secret file> <include file>
#
# The password is copied by sed from file to file: it is never in a variable, an argument or the environment. It is
# written double-quoted, with `\` and `"` escaped (redis's config parser, sdssplitargs, reads `\\` and `\"` back);
# one trailing line break (`kubectl create secret --from-file`) is dropped. An empty password or one of several
# lines is refused: redis would read it as no password, or as another config line.
set -eu
secret=$1
target=$2
if [ ! -s "$secret" ]; then
  echo "redis-auth: the password file $secret is missing or empty" >&2
  exit 1
fi
lines=$(sed -n '$=' "$secret")
if [ "$lines" != 1 ]; then
  echo "redis-auth: the password in $secret must be one line, it has $lines" >&2
  exit 1
fi
if ! grep -q . "$secret"; then
  echo "redis-auth: the password in $secret is empty" >&2
  exit 1
fi
umask 077
{
  printf 'requirepass "'
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$secret" | tr -d '\n'
  printf '"\n'
} > "$target.tmp"
mv "$target.tmp" "$target"
