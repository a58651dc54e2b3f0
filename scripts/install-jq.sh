#!/usr/bin/env bash
# Prints a directory holding jq 1.7.1, the jq of the GitHub-hosted ubuntu-24.04 runner, for the
# front of PATH. The workflow tests run the workflows' step scripts with it (__tests__/global-setup.ts),
# so they see what the runner's jq does, not the machine's: Debian 12's jq is 1.6, which also takes
# 30 ms of CPU to start against 1.7's 2 ms, and the tests start it about 90 times.
#
#   PATH="$(bash scripts/install-jq.sh):$PATH"
#
# The `jq` already on PATH when it is 1.7.1; else one built once into the cache directory (outside
# the repository) from jq's release tarball, jq-1.7.1.tar.gz. The only registry here that carries
# that tarball is PyPI, inside the source distribution of jq.py 1.7.0 (the Python bindings, which
# build it); both files' SHA-256 are pinned, and the tarball's is the one jq's release publishes.
# The build needs cc and make (and pip to fetch it): about 40 s on two cores, once.
set -euo pipefail
VERSION=1.7.1
SDIST=jq-1.7.0.tar.gz # pip download --no-deps --no-binary :all: jq==1.7.0
SDIST_SHA256=f460d1f2c3791617e4fb339fa24efbdbebe672b02c861f057358553642047040
TARBALL_SHA256=478c9ca129fd2e3443fe27314b455e211e0d8c60bc8ff7df703873deeee580c2
TOOL=jq
# shellcheck source=lib/pinned-tool.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-tool.sh"
DIR="$CACHE/jq-$VERSION"
exit_with_present "jq-$VERSION" "$DIR/bin"

for tool in cc make python3; do
  command -v "$tool" >/dev/null ||
    die "building jq $VERSION needs $tool; install it, or put a jq $VERSION on PATH"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '[jq] building jq %s (the GitHub runner'"'"'s) once into %s (about 40 s)\n' "$VERSION" "$DIR" >&2
python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
  --dest "$work" jq==1.7.0 >&2 || die "pip could not fetch jq==1.7.0's source distribution from PyPI"
check() {
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$actual" = "$2" ] || die "$(basename "$1") has SHA-256 $actual, expected the pinned $2"
}
check "$work/$SDIST" "$SDIST_SHA256"
tar -xzf "$work/$SDIST" -C "$work" jq-1.7.0/deps/jq-$VERSION.tar.gz
check "$work/jq-1.7.0/deps/jq-$VERSION.tar.gz" "$TARBALL_SHA256"
tar -xzf "$work/jq-1.7.0/deps/jq-$VERSION.tar.gz" -C "$work"
(
  cd "$work/jq-$VERSION"
  # Oniguruma (jq's regular expressions) from the tarball; one static binary, no libjq.so.
  ./configure --quiet --with-oniguruma=builtin --disable-shared --disable-docs \
    --disable-maintainer-mode --disable-valgrind --prefix="$work/out" >"$work/build.log" 2>&1 &&
    make -j"$(nproc)" >>"$work/build.log" 2>&1
) || {
  tail -n 20 "$work/build.log" >&2
  die "jq $VERSION did not build (the log's end is above)"
}
[ "$("$work/jq-$VERSION/jq" --version)" = "jq-$VERSION" ] || die "the built jq does not report jq-$VERSION"
staged="$DIR.tmp.$$"
mkdir -p "$staged/bin"
cp "$work/jq-$VERSION/jq" "$staged/bin/jq"
rm -rf "$DIR"
mv "$staged" "$DIR"
echo "$DIR/bin"
