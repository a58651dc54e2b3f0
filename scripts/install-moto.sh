#!/usr/bin/env bash
# Installs moto's server (a local AWS API emulator), pinned, into a virtualenv in the cache
# directory (outside the repository), for `npm run e2e`. Idempotent: a second run with the same
# version present does nothing. Prints the path of the moto_server binary.
set -euo pipefail
VERSION=5.2.5
CACHE="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"
VENV="$CACHE/moto-$VERSION"
if [ ! -x "$VENV/bin/moto_server" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$VERSION" >&2
fi
echo "$VENV/bin/moto_server"
