#!/usr/bin/env bash
# Tier-2 tool: checkov (Bridgecrew/Prisma Cloud, Apache-2.0), the infrastructure-as-code scanner, from PyPI into
# its own virtualenv: $CDK8S_DP_TOOLS/checkov/<version>-<stamp>/, with $BIN/checkov running it. The tests use its
# Kubernetes framework only (`checkov --framework kubernetes`), offline.
#
# tools/checkov/requirements.txt pins checkov and its whole dependency closure (CPython 3.11, manylinux x86_64
# wheels), each file by sha256: pip installs with --require-hashes and --only-binary, so nothing unpinned and
# nothing built from source gets in. A new venv is built in a directory of its own (a venv cannot be moved) and the
# wrapper switched to it once it runs, so a test of another checkout using the old one is not disturbed mid-run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REQS="$REPO_ROOT/tools/checkov/requirements.txt"
CHECKOV_VERSION="$(sed -n 's/^checkov==\([^ ]*\) .*/\1/p' "$REQS")"
[ -n "$CHECKOV_VERSION" ] || { echo "no checkov==VERSION line in $REQS" >&2; exit 1; }
stamp="$CHECKOV_VERSION-$(cat "$REQS" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)"
VENV="$CDK8S_DP_TOOLS/checkov/$stamp"

if [ -x "$BIN/checkov" ] && [ -x "$VENV/bin/checkov" ] && stamp_ok checkov "$stamp"; then
  say "checkov $CHECKOV_VERSION: already installed ($VENV), skipping"
  exit 0
fi

# The lock holds cp311 wheels: a Python 3.11 with the venv module (pyenv's, else Debian's python3.11).
PY=""
for c in "${CHECKOV_PYTHON:-}" python3 python3.11 /usr/bin/python3.11; do
  if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 \
    && "$c" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
    PY="$("$c" -c 'import sys; print(sys.executable)')"
    break
  fi
done
[ -n "$PY" ] || { echo "checkov: no Python 3.11 with venv and ensurepip (tools/checkov/requirements.txt pins cp311 wheels)" >&2; exit 1; }

t0=$(date +%s)
say "checkov $CHECKOV_VERSION: installing into $VENV with $("$PY" --version) ($PY)"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q --no-input --require-hashes --only-binary=:all: -r "$REQS"
got="$("$VENV/bin/checkov" --version)"
[ "$got" = "$CHECKOV_VERSION" ] || { echo "checkov --version says '$got', expected $CHECKOV_VERSION" >&2; exit 1; }

cat > "$BIN/checkov.new" <<EOF
#!/usr/bin/env bash
# Written by scripts/install/70-checkov.sh (checkov $CHECKOV_VERSION): checkov in its own virtualenv, offline:
# no update check against PyPI, no policy mapping download (no API key is ever given), no colours.
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true BC_SKIP_MAPPING=TRUE ANSI_COLORS_DISABLED=1
exec "$VENV/bin/checkov" "\$@"
EOF
chmod +x "$BIN/checkov.new"
mv "$BIN/checkov.new" "$BIN/checkov"
# Older venvs go once the wrapper points at the new one.
for old in "$CDK8S_DP_TOOLS/checkov"/*; do
  if [ "$old" != "$VENV" ]; then rm -rf "$old"; fi
done
stamp_set checkov "$stamp"
say "checkov $got: installed $VENV, wrapper $BIN/checkov ($(( $(date +%s) - t0 ))s)"
