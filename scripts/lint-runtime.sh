#!/usr/bin/env bash
# Lints the programs that run in pods: POSIX sh with shellcheck (as `sh`, the alpine/busybox shells they run in),
# Lua with luac5.1 -p (redis embeds Lua 5.1), Python parsed by python3 (standard library only, no bytecode written).
# The JavaScript ones are type-checked by `typecheck:runtime`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=src/runtime/programs
mapfile -t sh < <(find "$dir" -name '*.sh' | sort)
mapfile -t lua < <(find "$dir" -name '*.lua' | sort)
mapfile -t py < <(find "$dir" -name '*.py' | sort)
if [ "${#sh[@]}" -gt 0 ]; then shellcheck --shell=sh --severity=style "${sh[@]}"; fi
for f in "${lua[@]}"; do luac5.1 -p "$f"; done
if [ "${#py[@]}" -gt 0 ]; then python3 -c 'import ast, sys; [ast.parse(open(f).read(), f) for f in sys.argv[1:]]' "${py[@]}"; fi
echo "lint:runtime: ${#sh[@]} sh, ${#lua[@]} Lua and ${#py[@]} Python programs clean"
