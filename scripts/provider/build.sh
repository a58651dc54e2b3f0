#!/usr/bin/env bash
# Builds Terraform's AWS provider plugin from its Go sources and installs it into a Terraform
# filesystem mirror outside the repository, so that `terraform init` / `terraform validate`
# work without the Terraform registry. See README.md beside this file.
#
#   bash scripts/provider/build.sh [--force] [--allow-substitute]
#
#   --force             rebuild even when the mirror already holds the wanted binary
#   --allow-substitute  if the exact release's sources can't be downloaded, build the pinned
#                       substitute snapshot instead and install it under the wanted version
#                       (recorded in the stamp; env.sh's PROVIDER_CACHE_NOTE says so)
#
# Environment:
#   PLATFORM_CACHE_DIR            cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform)
#   PROVIDER_AWS_VERSION          provider version (default: read from @cdktf/provider-aws)
#   PROVIDER_AWS_GO_VERSION       Go module version to build (default v$PROVIDER_AWS_VERSION)
#   PROVIDER_AWS_SUBSTITUTE_GO_VERSION  the snapshot --allow-substitute builds
#   PROVIDER_AWS_ALLOW_SUBSTITUTE=1     same as --allow-substitute
#   PROVIDER_BUILD_JOBS           parallel compile jobs (default: number of CPUs, at most 2)
#   PROVIDER_KEEP_WORK=1          keep the writable source copy after the build
#
# Go's own caches stay wherever Go puts them by default (`go env GOMODCACHE`, normally
# ~/go/pkg/mod, and `go env GOCACHE`, normally ~/.cache/go-build), shared with any other Go
# build on the machine; export GOMODCACHE / GOCACHE before running this script to move them
# (e.g. under $PLATFORM_CACHE_DIR). Only the writable source copy, the stamp, the mirror and
# the terraformrc are kept under the cache dir.
set -euo pipefail

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }

force=0
allow_substitute="${PROVIDER_AWS_ALLOW_SUBSTITUTE:-0}"
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --allow-substitute) allow_substitute=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "build.sh: unknown argument: $1" >&2
      usage >&2
      exit 2
      ;;
  esac
  shift
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/provider/env.sh
. "$here/env.sh"

log() { printf '[provider] %s\n' "$*" >&2; }
die() {
  printf '[provider] ERROR: %s\n' "$*" >&2
  exit 1
}

if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    PATH="/usr/local/go/bin:$PATH"
  else
    die "the Go toolchain (go) is not on PATH"
  fi
fi

# The module that holds the provider's main package. Its release tags (v6.x.y) are not valid
# Go module versions (the module path has no /v6 suffix), so the module proxy can't serve
# them by tag: only by a pseudo-version of the tag's commit, where the proxy has it.
MODULE=github.com/hashicorp/terraform-provider-aws
# The one snapshot of that module that the module proxy reachable from this workplace serves
# (main branch, 2026-06-02: after 6.47.1, before 6.48.0). Used only with --allow-substitute.
SUBSTITUTE_GO_VERSION="${PROVIDER_AWS_SUBSTITUTE_GO_VERSION:-v1.60.1-0.20260602190131-5f2286d6d836}"

version="$(provider_aws_version)" ||
  die "cannot tell which provider version to build (see above)"
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) die "unexpected provider version '$version' from @cdktf/provider-aws" ;;
esac
os_arch="$(provider_os_arch)"
provider_aws_paths "$version" "$os_arch"
bin_dir="$(dirname "$PROVIDER_AWS_BINARY")"

write_terraformrc() {
  mkdir -p "$PROVIDER_CACHE_DIR"
  local tmp="$PROVIDER_TERRAFORMRC.tmp.$$"
  cat >"$tmp" <<EOF
# Terraform CLI configuration written by scripts/provider/build.sh.
# Use it with: export TF_CLI_CONFIG_FILE=$PROVIDER_TERRAFORMRC
# The AWS provider comes from the local filesystem mirror (built from source); every other
# provider would still come from its registry (unreachable on an offline machine).
# The mirror is in the unpacked layout, so 'terraform init' links .terraform/providers/... to
# it instead of copying the binary: no plugin_cache_dir is needed.
provider_installation {
  filesystem_mirror {
    path    = "$PROVIDER_MIRROR_DIR"
    include = ["$PROVIDER_AWS_SOURCE"]
  }
  direct {
    exclude = ["$PROVIDER_AWS_SOURCE"]
  }
}
EOF
  mv -f "$tmp" "$PROVIDER_TERRAFORMRC"
}

finish() {
  write_terraformrc
  echo
  echo "AWS provider $version ($os_arch) is in the filesystem mirror:"
  echo "  $PROVIDER_AWS_BINARY"
  if [ "$(provider_stamp_get substituted)" = "yes" ]; then
    echo "  NOTE: built from $(provider_stamp_get go_module)@$(provider_stamp_get go_module_version)"
    echo "        (upstream $(provider_stamp_get upstream_version)), not from the $version release sources."
  fi
  echo "Use it with:"
  echo "  export TF_CLI_CONFIG_FILE=$PROVIDER_TERRAFORMRC"
  echo "(or: . scripts/provider/env.sh)"
}

# --- Fast path: the binary is there and its stamp matches. No network, no Go. -----------------
if [ "$force" -eq 0 ] && [ -x "$PROVIDER_AWS_BINARY" ] &&
  [ "$(provider_stamp_get requested_version)" = "$version" ] &&
  [ "$(provider_stamp_get os_arch)" = "$os_arch" ] &&
  [ "$(provider_stamp_get size)" = "$(wc -c <"$PROVIDER_AWS_BINARY" | tr -d ' ')" ]; then
  if [ "$(provider_stamp_get substituted)" = "yes" ] && [ "$allow_substitute" != "1" ]; then
    die "the mirror holds a substitute build labelled $version (upstream $(provider_stamp_get upstream_version)); pass --allow-substitute to accept it, or --force to try the exact sources again"
  fi
  log "up to date: $PROVIDER_AWS_BINARY (stamp $PROVIDER_AWS_STAMP); --force rebuilds"
  finish
  exit 0
fi

t_start=$(date +%s)
modcache="$(go env GOMODCACHE)"
mkdir -p "$PROVIDER_STAMP_DIR" "$modcache"
du_bytes() { du -sb "$1" 2>/dev/null | cut -f1; }
human() { numfmt --to=iec-i --suffix=B --round=nearest --format=%.1f "$1" 2>/dev/null || echo "${1} bytes"; }
modcache_before="$(du_bytes "$modcache")"

# go mod download -json MODULE@VERSION: prints its JSON; fails when the proxy refuses.
download_json() {
  local out
  if out="$(go mod download -json "$MODULE@$1" 2>&1)" && ! grep -q '"Error"' <<<"$out"; then
    printf '%s\n' "$out"
    return 0
  fi
  printf '%s\n' "$out" >&2
  return 1
}
json_field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\{0,1\}\$/\\1/p" | head -n 1; }

# --- 1. Download the provider module into the module cache. -----------------------------------
want_go_version="${PROVIDER_AWS_GO_VERSION:-v$version}"
log "provider $version ($PROVIDER_AWS_SOURCE) for $os_arch: downloading $MODULE@$want_go_version"
if ! json="$(download_json "$want_go_version")"; then
  log "the module proxy does not serve $MODULE@$want_go_version (its v6 tags are not valid"
  log "Go module versions for that module path; only a pseudo-version of the tag's commit can be"
  log "downloaded, and only if the proxy has it: set PROVIDER_AWS_GO_VERSION to one)."
  if [ "$allow_substitute" != "1" ]; then
    die "no sources for AWS provider $version. Rerun with --allow-substitute to build the snapshot $MODULE@$SUBSTITUTE_GO_VERSION and install it labelled $version, or set PROVIDER_AWS_GO_VERSION."
  fi
  log "--allow-substitute: downloading $MODULE@$SUBSTITUTE_GO_VERSION instead"
  json="$(download_json "$SUBSTITUTE_GO_VERSION")" ||
    die "cannot download the substitute $MODULE@$SUBSTITUTE_GO_VERSION either"
fi
src_dir="$(json_field Dir <<<"$json")"
go_version="$(json_field Version <<<"$json")"
zip_file="$(json_field Zip <<<"$json")"
if [ -z "$src_dir" ] || [ ! -f "$src_dir/main.go" ]; then
  die "unexpected 'go mod download' output: $json"
fi

# What the sources are: the top CHANGELOG heading ("## 6.25.0 (December 4, 2025)" in a
# release, "## 6.48.0 (Unreleased)" between releases).
heading="$(grep -m1 -E '^## [0-9]+\.[0-9]+\.[0-9]+' "$src_dir/CHANGELOG.md" 2>/dev/null || true)"
upstream="$(sed -E 's/^## ([0-9]+\.[0-9]+\.[0-9]+).*/\1/' <<<"$heading")"
case "$heading" in *Unreleased*) upstream="$upstream-dev" ;; esac
[ -n "$upstream" ] || upstream=unknown
substituted=no
if [ "$upstream" != "$version" ]; then
  [ "$allow_substitute" = "1" ] ||
    die "$MODULE@$go_version holds provider $upstream, not $version; pass --allow-substitute to install it labelled $version anyway"
  [ "${upstream%%.*}" = "${version%%.*}" ] ||
    die "$MODULE@$go_version holds provider $upstream: another major version than $version, refusing to substitute"
  substituted=yes
  log "SUBSTITUTE: building upstream $upstream ($go_version), to be installed labelled $version"
fi
log "module: $src_dir ($(human "$(du_bytes "$src_dir")") extracted; zip $(human "$(wc -c <"$zip_file")"))"

# --- 2. A writable copy (the module cache is read-only). ----------------------------------------
work="$(mktemp -d "$PROVIDER_STAMP_DIR/work.XXXXXX")"
cleanup() {
  if [ "${PROVIDER_KEEP_WORK:-0}" = "1" ]; then
    log "kept the source copy: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
cp -R "$src_dir" "$work/src"
chmod -R u+w "$work/src"

# 2 CPUs here: one compile per CPU (-p), and Go's own threads capped to match. Memory, not CPU,
# limits more parallelism: the largest service packages take GBs each to compile.
cpus="$(nproc 2>/dev/null || echo 2)"
jobs="${PROVIDER_BUILD_JOBS:-$((cpus < 2 ? cpus : 2))}"
export CGO_ENABLED=0
export GOMAXPROCS="${GOMAXPROCS:-$jobs}"
GOFLAGS="$(go env GOFLAGS) -p=$jobs"
export GOFLAGS
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# --- 3. The dependencies the provider's main package needs (go list downloads them). ----------
t_dl=$(date +%s)
log "downloading the dependencies (about 370 modules, 300 MB of zips, on a first run)"
if ! (cd "$work/src" && go list -deps -f '{{with .Module}}{{.Path}}@{{.Version}}{{end}}' . \
  >"$work/modules.txt" 2>"$work/download.log"); then
  cat "$work/download.log" >&2
  die "could not download the provider's dependencies (see above)"
fi
n_mods="$(sort -u "$work/modules.txt" | grep -c .)"
n_new="$(grep -c '^go: downloading' "$work/download.log" || true)"
modcache_after="$(du_bytes "$modcache")"
log "dependencies: $n_mods modules in the build ($n_new downloaded now, $(($(date +%s) - t_dl))s);" \
  "module cache grew by $(human $((modcache_after - modcache_before))) in this run"

# --- 4. Build. ----------------------------------------------------------------------------------
t_build=$(date +%s)
log "go build (-p=$jobs, GOMAXPROCS=$GOMAXPROCS, $(go version | cut -d' ' -f3)): this takes a while on 2 CPUs"
out="$work/terraform-provider-aws_v${version}_x5"
(cd "$work/src" && go build -trimpath \
  -ldflags "-s -w -X $MODULE/version.ProviderVersion=$upstream" \
  -o "$out" .)
build_seconds=$(($(date +%s) - t_build))
size="$(wc -c <"$out" | tr -d ' ')"
log "built in ${build_seconds}s: $(human "$size")"

# --- 5. Install into the mirror (unpacked layout) and stamp it. --------------------------------
mkdir -p "$bin_dir"
chmod 0755 "$out"
mv -f "$out" "$PROVIDER_AWS_BINARY"
{
  echo "requested_version=$version"
  echo "os_arch=$os_arch"
  echo "go_module=$MODULE"
  echo "go_module_version=$go_version"
  echo "upstream_version=$upstream"
  echo "substituted=$substituted"
  echo "go=$(go version | cut -d' ' -f3)"
  echo "size=$size"
  echo "sha256=$(sha256sum "$PROVIDER_AWS_BINARY" | cut -d' ' -f1)"
  echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "build_seconds=$build_seconds"
  echo "total_seconds=$(($(date +%s) - t_start))"
} >"$PROVIDER_AWS_STAMP.tmp"
mv -f "$PROVIDER_AWS_STAMP.tmp" "$PROVIDER_AWS_STAMP"
log "stamp: $PROVIDER_AWS_STAMP"
finish
