# shellcheck shell=bash
# Sourced by the scripts that print the directory of a pinned tool for the front of PATH
# (install-node.sh, install-jq.sh), after they set TOOL, its command's name.
# shellcheck disable=SC2034 # read by the scripts that source this
CACHE="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"

die() {
  printf '[%s] ERROR: %s\n' "$TOOL" "$*" >&2
  exit 1
}

# exit_with_present VERSION_LINE DIR: when the $TOOL on PATH, or else DIR/$TOOL, prints
# VERSION_LINE for `$TOOL --version`, prints its directory and ends the script.
exit_with_present() {
  if [ "$("$TOOL" --version 2>/dev/null || true)" = "$1" ]; then
    dirname "$(command -v "$TOOL")"
    exit 0
  fi
  if [ -x "$2/$TOOL" ] && [ "$("$2/$TOOL" --version 2>/dev/null || true)" = "$1" ]; then
    echo "$2"
    exit 0
  fi
}
