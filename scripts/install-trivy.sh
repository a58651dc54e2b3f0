#!/usr/bin/env bash
# Builds Trivy, pinned, from its Go module into the cache directory (outside the repository), as
# scripts/provider/build.sh does for the AWS provider: no prebuilt binary can be downloaded here,
# the Go module proxy can be reached. Idempotent: with the pinned version built, a second run reads
# no network and does nothing. Prints the binary's path on stdout; progress goes to stderr.
#
#   bash scripts/install-trivy.sh [--force]
#
# Environment:
#   PLATFORM_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform)
#   TRIVY_BUILD_JOBS    parallel compile jobs (default: number of CPUs, at most 2)
#
# A cold build of v0.74.0 takes 866 s of CPU (about 8 minutes on 2 idle CPUs; 36.6 minutes here on
# 2 CPUs shared with four other builds), peaks at 3.2 GiB of memory, and adds about 2.5 GB to Go's
# build cache (`go env GOCACHE`) and 2.4 GB to its module cache; the binary is 160 MiB. Trivy's
# misconfiguration checks are compiled in (the github.com/aquasecurity/trivy-checks module, pinned
# by Trivy's go.sum), so `trivy config --skip-check-update` scans offline with exactly those.
set -euo pipefail
VERSION=0.74.0
MODULE=github.com/aquasecurity/trivy
CACHE="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"
DIR="$CACHE/trivy-$VERSION"
BIN="$DIR/trivy"
STAMP="$DIR/build.stamp"

log() { printf '[trivy] %s\n' "$*" >&2; }
die() {
  printf '[trivy] ERROR: %s\n' "$*" >&2
  exit 1
}

force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *) die "unknown argument: $1 (usage: bash scripts/install-trivy.sh [--force])" ;;
esac

# Fast path: the pinned binary is there and says it is the pinned version.
if [ "$force" -eq 0 ] && [ -x "$BIN" ] && [ -s "$STAMP" ] &&
  "$BIN" --version 2>/dev/null | grep -qx "Version: $VERSION"; then
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] || die "the Go toolchain (go) is not on PATH"
  PATH="/usr/local/go/bin:$PATH"
fi

jobs="${TRIVY_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
[ "$jobs" -gt 2 ] && [ -z "${TRIVY_BUILD_JOBS:-}" ] && jobs=2

mkdir -p "$CACHE"
tmp="$(mktemp -d "$CACHE/trivy-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
t_start=$(date +%s)
log "building $MODULE/cmd/trivy@v$VERSION with $(go env GOVERSION), $jobs job(s); a cold build takes about 8 minutes on 2 idle CPUs"
# `go install pkg@version` builds with the module's own go.mod and go.sum (it has no replace
# directives). GOEXPERIMENT=jsonv2 and the ldflags are those of Trivy's goreleaser.yml: without
# the experiment v0.74.0 does not compile; app.ver is what `trivy --version` prints.
GOBIN="$tmp" CGO_ENABLED=0 GOEXPERIMENT=jsonv2 GOFLAGS="-buildvcs=false -p=$jobs" GOMAXPROCS="$jobs" \
  go install -trimpath \
  -ldflags "-s -w -X $MODULE/pkg/version/app.ver=$VERSION" \
  "$MODULE/cmd/trivy@v$VERSION" >&2
"$tmp/trivy" --version | grep -qx "Version: $VERSION" ||
  die "the built binary does not report version $VERSION: $("$tmp/trivy" --version 2>&1 | head -1)"

rm -rf "$DIR"
mkdir -p "$DIR"
mv "$tmp/trivy" "$BIN"
seconds=$(($(date +%s) - t_start))
{
  echo "module=$MODULE@v$VERSION"
  echo "go=$(go env GOVERSION)"
  echo "goexperiment=jsonv2"
  echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "build_seconds=$seconds"
  echo "size=$(wc -c <"$BIN" | tr -d ' ')"
  echo "sha256=$(sha256sum "$BIN" | cut -d' ' -f1)"
} >"$STAMP"
log "built in ${seconds}s: $BIN ($(wc -c <"$BIN" | tr -d ' ') bytes); stamp $STAMP"
echo "$BIN"
