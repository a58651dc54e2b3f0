#!/usr/bin/env bash
# Installs Checkov, pinned, into a virtualenv in the cache directory (outside the repository).
# Idempotent: a second run with the same version present does nothing. Prints the binary's path.
set -euo pipefail
VERSION=3.3.30
CACHE="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"
VENV="$CACHE/checkov-$VERSION"
if [ ! -x "$VENV/bin/checkov" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$VERSION" >&2
fi
echo "$VENV/bin/checkov"
