# shellcheck shell=bash
# Terraform AWS provider cache: paths, TF_CLI_CONFIG_FILE, and a readiness check.
#
# Source it (it prints nothing and changes no shell options):
#
#   . scripts/provider/env.sh
#   if provider_cache_ready; then
#     terraform init -backend=false && terraform validate
#   else
#     echo "validate: SKIPPED: $PROVIDER_CACHE_REASON"
#   fi
#
# or run it for an exit code (0 = ready, 1 = not ready; the reason goes to stderr):
#
#   bash scripts/provider/env.sh --check
#
# The cache is prepared by scripts/provider/build.sh (see README.md beside this file).
# Everything lives outside the repository, under
#   ${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}

PROVIDER_CACHE_DIR="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/fargate-platform}"
PROVIDER_MIRROR_DIR="$PROVIDER_CACHE_DIR/terraform-providers"
PROVIDER_TERRAFORMRC="$PROVIDER_CACHE_DIR/terraformrc"
PROVIDER_STAMP_DIR="$PROVIDER_CACHE_DIR/provider-build"
PROVIDER_AWS_SOURCE="registry.terraform.io/hashicorp/aws"
export PROVIDER_CACHE_DIR PROVIDER_MIRROR_DIR PROVIDER_TERRAFORMRC

if [ -f "$PROVIDER_TERRAFORMRC" ]; then
  export TF_CLI_CONFIG_FILE="$PROVIDER_TERRAFORMRC"
fi

# The repository root (two levels above this file).
_provider_repo_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

# Prints the provider version that the pinned @cdktf/provider-aws wraps (e.g. 6.25.0).
# PROVIDER_AWS_VERSION overrides it. Returns 1 with a message on stderr when it can't be read.
provider_aws_version() {
  if [ -n "${PROVIDER_AWS_VERSION:-}" ]; then
    printf '%s\n' "$PROVIDER_AWS_VERSION"
    return 0
  fi
  local root
  root="$(_provider_repo_root)"
  if [ ! -f "$root/node_modules/@cdktf/provider-aws/package.json" ]; then
    echo "node_modules/@cdktf/provider-aws is missing in $root: run 'npm ci' first (or set PROVIDER_AWS_VERSION)" >&2
    return 1
  fi
  if ! command -v node >/dev/null 2>&1; then
    echo "node is not on PATH: cannot read the provider version from @cdktf/provider-aws (or set PROVIDER_AWS_VERSION)" >&2
    return 1
  fi
  (cd "$root" && node -p 'require("@cdktf/provider-aws/package.json").cdktf.provider.version')
}

# Prints GOOS_GOARCH (e.g. linux_amd64): Terraform's platform name for this machine.
provider_os_arch() {
  if command -v go >/dev/null 2>&1; then
    go env GOOS GOARCH | paste -sd_ -
  elif [ -x /usr/local/go/bin/go ]; then
    /usr/local/go/bin/go env GOOS GOARCH | paste -sd_ -
  else
    local os arch
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    case "$(uname -m)" in
      x86_64) arch=amd64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) arch="$(uname -m)" ;;
    esac
    printf '%s_%s\n' "$os" "$arch"
  fi
}

# provider_aws_paths VERSION OS_ARCH: sets PROVIDER_AWS_BINARY and PROVIDER_AWS_STAMP.
provider_aws_paths() {
  PROVIDER_AWS_BINARY="$PROVIDER_MIRROR_DIR/$PROVIDER_AWS_SOURCE/$1/$2/terraform-provider-aws_v$1_x5"
  PROVIDER_AWS_STAMP="$PROVIDER_STAMP_DIR/aws_$1_$2.stamp"
}

# provider_stamp_get KEY: prints the value of KEY=... from $PROVIDER_AWS_STAMP.
provider_stamp_get() {
  sed -n "s/^$1=//p" "$PROVIDER_AWS_STAMP" 2>/dev/null | head -n 1
}

# Returns 0 when the mirror holds the wanted AWS provider and the terraformrc exists.
# Sets PROVIDER_CACHE_REASON (why not, or what is there) and PROVIDER_CACHE_NOTE (non-empty
# when the binary was built from other sources than the exact release: say so in the output).
provider_cache_ready() {
  PROVIDER_CACHE_REASON=""
  PROVIDER_CACHE_NOTE=""
  local version os_arch size
  if ! version="$(provider_aws_version 2>&1)"; then
    PROVIDER_CACHE_REASON="$version"
    return 1
  fi
  os_arch="$(provider_os_arch)"
  provider_aws_paths "$version" "$os_arch"
  if [ ! -x "$PROVIDER_AWS_BINARY" ]; then
    PROVIDER_CACHE_REASON="no AWS provider $version for $os_arch in $PROVIDER_MIRROR_DIR (the Terraform registry is unreachable here): run 'bash scripts/provider/build.sh' to build it from source"
    return 1
  fi
  if [ "$(provider_stamp_get requested_version)" != "$version" ]; then
    PROVIDER_CACHE_REASON="$PROVIDER_AWS_BINARY has no build stamp for $version: run 'bash scripts/provider/build.sh --force'"
    return 1
  fi
  size="$(wc -c <"$PROVIDER_AWS_BINARY" | tr -d ' ')"
  if [ "$(provider_stamp_get size)" != "$size" ]; then
    PROVIDER_CACHE_REASON="$PROVIDER_AWS_BINARY does not match its build stamp: run 'bash scripts/provider/build.sh --force'"
    return 1
  fi
  if [ ! -f "$PROVIDER_TERRAFORMRC" ]; then
    PROVIDER_CACHE_REASON="$PROVIDER_TERRAFORMRC is missing: run 'bash scripts/provider/build.sh'"
    return 1
  fi
  export TF_CLI_CONFIG_FILE="$PROVIDER_TERRAFORMRC"
  if [ "$(provider_stamp_get substituted)" = "yes" ]; then
    PROVIDER_CACHE_NOTE="the AWS provider in the mirror is labelled $version but was built from $(provider_stamp_get go_module)@$(provider_stamp_get go_module_version) (upstream $(provider_stamp_get upstream_version)), because the exact $version sources are not to be had here"
  fi
  PROVIDER_CACHE_REASON="AWS provider $version ($os_arch) in $PROVIDER_MIRROR_DIR"
  return 0
}

# Executed rather than sourced: `bash scripts/provider/env.sh --check`.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    --check)
      if provider_cache_ready; then
        echo "provider cache ready: $PROVIDER_CACHE_REASON" >&2
        [ -z "$PROVIDER_CACHE_NOTE" ] || echo "note: $PROVIDER_CACHE_NOTE" >&2
        exit 0
      fi
      echo "provider cache not ready: $PROVIDER_CACHE_REASON" >&2
      exit 1
      ;;
    *)
      echo "usage: . scripts/provider/env.sh   (sourced)   or   bash scripts/provider/env.sh --check" >&2
      exit 2
      ;;
  esac
fi
