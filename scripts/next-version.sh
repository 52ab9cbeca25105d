#!/usr/bin/env bash
# projen's nextVersionCommand: the first release is 0.1.0 (no v* tag yet); after that, projen decides the bump from
# the commits since the latest tag (prints nothing).
set -euo pipefail
if [ -z "${LATEST_TAG:-}" ] || [ "${LATEST_TAG}" = "v0.0.0" ]; then echo 0.1.0; fi
